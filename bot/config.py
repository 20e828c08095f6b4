"""Configuration: one TOML file, every key overridable by ``YISHI_<SECTION>__<KEY>``.

pydantic-settings does the layering (environment over TOML over defaults) and
the validation; :func:`load_settings` turns its errors into one clear line per
bad key so an operator never sees a traceback for a typo.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

CONFIG_ENV = "YISHI_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class StorageSettings(_Section):
    """Where everything is recorded."""

    url: str = "sqlite:///./yishi.db"
    echo: bool = False
    pool_size: int = Field(default=10, ge=1, le=200)

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value


class WebSettings(_Section):
    """The one aiohttp server: web chat, webhooks, health check."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)


class WechatSettings(_Section):
    """WeChat Official Account callback and API."""

    enabled: bool = False
    token: str = ""
    encoding_aes_key: str = ""
    app_id: str = ""
    app_secret: str = ""
    api_base_url: str = "https://api.weixin.qq.com"


class TelegramSettings(_Section):
    """Telegram bot via python-telegram-bot."""

    enabled: bool = False
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_secret: str = ""


class CommunitySettings(_Section):
    """The community this process serves."""

    name: str = "幸福里社区"
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _real_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class BotSettings(_Section):
    """Router behaviour."""

    conversation_ttl_minutes: int = Field(default=30, ge=1, le=10080)
    max_text_chars: int = Field(default=2000, ge=10)


class PushSettings(_Section):
    """Outbound pushes: per-platform rate limits (messages per second) and retries."""

    max_attempts: int = Field(default=3, ge=1, le=20)
    retry_base_seconds: float = Field(default=1.0, ge=0)
    web_per_second: float = Field(default=50.0, gt=0)
    console_per_second: float = Field(default=50.0, gt=0)
    wechat_per_second: float = Field(default=20.0, gt=0)
    telegram_per_second: float = Field(default=30.0, gt=0)


class SchedulerSettings(_Section):
    """Timed messages: announcements, reminders, poll closings, escalations, digests, reports.

    Times are wall-clock times in ``[community] timezone``. Offsets are like
    ``7d``, ``1d``, ``2h``, ``30m``. Chats are ``platform:chat_id``.
    """

    enabled: bool = True
    refresh_seconds: float = Field(default=60.0, ge=1, le=3600)
    lease_seconds: float = Field(default=30.0, ge=3, le=3600)
    horizon_hours: float = Field(default=24.0, gt=0, le=24 * 31)
    late_tolerance_minutes: float = Field(default=5.0, ge=0)
    max_attempts: int = Field(default=3, ge=1, le=20)
    digest_enabled: bool = True
    digest_time: str = "08:30"
    report_enabled: bool = True
    report_day: int = Field(default=1, ge=1, le=28)
    report_time: str = "09:00"
    meeting_offsets: list[str] = Field(default_factory=lambda: ["7d", "1d", "2h"])
    reminder_offsets: list[str] = Field(default_factory=lambda: ["1d", "2h"])
    announcement_chats: list[str] = Field(default_factory=lambda: ["web:group:main"])

    @field_validator("digest_time", "report_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hours, sep, minutes = value.partition(":")
        if not (sep and hours.isdigit() and minutes.isdigit()):
            raise ValueError("must be a time like 08:30")
        if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
            raise ValueError("must be a time like 08:30")
        return f"{int(hours):02d}:{int(minutes):02d}"

    @field_validator("meeting_offsets", "reminder_offsets")
    @classmethod
    def _offsets(cls, values: list[str]) -> list[str]:
        for value in values:
            amount, unit = value.strip()[:-1], value.strip()[-1:].lower()
            if not (amount.isdigit() and unit in ("d", "h", "m")):
                raise ValueError(f"offsets look like 7d, 2h or 30m, not {value!r}")
        return [v.strip().lower() for v in values]

    @field_validator("announcement_chats")
    @classmethod
    def _chats(cls, values: list[str]) -> list[str]:
        for value in values:
            platform, sep, chat = value.partition(":")
            if not (sep and platform and chat):
                raise ValueError(f"chats look like web:group:main, not {value!r}")
        return values

    def chats(self) -> list[tuple[str, str]]:
        """``announcement_chats`` as (platform, chat_id) pairs."""
        return [(c.partition(":")[0], c.partition(":")[2]) for c in self.announcement_chats]


class LogSettings(_Section):
    """Structured logs on stderr."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"


class Settings(BaseSettings):
    """All of Yishi's configuration; see ``config.example.toml`` for every key."""

    model_config = SettingsConfigDict(
        env_prefix="YISHI_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    storage: StorageSettings = StorageSettings()
    web: WebSettings = WebSettings()
    wechat: WechatSettings = WechatSettings()
    telegram: TelegramSettings = TelegramSettings()
    community: CommunitySettings = CommunitySettings()
    bot: BotSettings = BotSettings()
    push: PushSettings = PushSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    log: LogSettings = LogSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment beats the TOML file (passed as init kwargs), which beats defaults.
        return (env_settings, init_settings)

    @property
    def zone(self) -> ZoneInfo:
        """The configured display time zone."""
        return ZoneInfo(self.community.timezone)


class ConfigError(Exception):
    """A configuration problem, already phrased as lines for the operator."""


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        given = err.get("input")
        shown = "" if isinstance(given, dict) else f" (got {given!r})"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"config error: {key}: {message}{shown}")
    return "\n".join(lines)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the TOML file (``path`` or ``$YISHI_CONFIG``), apply env overrides, validate.

    With neither, the embedded defaults apply: SQLite ``./yishi.db`` and the web
    chat on http://127.0.0.1:8080/.
    """
    chosen = path if path is not None else os.environ.get(CONFIG_ENV)
    data: dict[str, Any] = {}
    if chosen:
        file = Path(chosen)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config error: file not found: {file}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config error: {file} is not valid TOML: {exc}") from exc
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc)) from None
