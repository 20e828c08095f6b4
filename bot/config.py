"""Configuration: one TOML file, every key overridable by ``YISHI_<SECTION>__<KEY>``.

pydantic-settings does the layering (environment over TOML over defaults) and
the validation; :func:`load_settings` turns its errors into one clear line per
bad key so an operator never sees a traceback for a typo.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import asdict
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.adapters.menu import DEFAULT_MENU, DEFAULT_STAFF_MENU, Menu, check_menu
from consultation.config import ConsultationRules
from consultation.meeting_rule import MeetingRule
from consultation.screening import DEFAULT_CATALOGUE, DEFAULT_DISCUSS, DEFAULT_NOT_DISCUSS

if TYPE_CHECKING:
    from consultation.confidentiality import Confidentiality
    from consultation.ticket_parsing import Catalogue

CONFIG_ENV = "YISHI_CONFIG"
#: Where a generated ballot secret is kept: beside the config file, else the working
#: directory (like the default ``./yishi.db``).
BALLOT_SECRET_FILE = "yishi-ballot.key"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _require_when_enabled(section: BaseModel, *keys: str) -> None:
    """An enabled platform without its credentials can't work: refuse to start."""
    if not getattr(section, "enabled", False):
        return
    missing = [k for k in keys if not getattr(section, k)]
    if missing:
        raise ValueError(f"{', '.join(missing)} required when enabled = true")


class StorageSettings(_Section):
    """Where everything is recorded."""

    url: str = "sqlite:///./yishi.db"
    echo: bool = False
    pool_size: int = Field(default=10, ge=1, le=200)
    message_log_days: int = Field(default=30, ge=1, le=3650)
    #: PostgreSQL: seconds to open a connection, and for any one statement (also the
    #: longest wait for a free pooled connection). Past them a request is answered
    #: "try again later" instead of hanging while the database is unreachable.
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    statement_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`storage.engine.create_engine`."""
        return {
            "echo": self.echo,
            "pool_size": self.pool_size,
            "connect_timeout": self.connect_timeout_seconds,
            "statement_timeout": self.statement_timeout_seconds,
        }

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
    #: Let the page pick who it speaks as (the demo's role switcher). Off in `yishi run`:
    #: each browser then gets its own unguessable identity, kept in a cookie.
    demo_personas: bool = False
    #: Reverse proxies (addresses or networks) whose X-Forwarded-Proto and
    #: X-Forwarded-Host are believed: then HTTPS at the proxy gives Secure cookies and
    #: the page's https:// origin is its own. Nobody else's forwarded headers count.
    trusted_proxies: list[str] = Field(default_factory=list)
    #: Origins besides the server's own (``https://yishi.example.org``) whose pages may
    #: post to the web chat and open its WebSocket; every other origin is refused.
    allowed_origins: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        cleaned = [entry.rstrip("/").lower() for entry in value]
        for entry in cleaned:
            scheme, sep, host = entry.partition("://")
            if scheme not in ("http", "https") or not sep or not host or "/" in host:
                raise ValueError(f"{entry!r} is not an origin like https://yishi.example.org")
        return cleaned

    #: Where people reach this server from outside ("" = http://host:port): links sent in
    #: chat (the 工作台 login link) start with it.
    public_url: str = ""
    #: 工作台: a login link from chat is valid this long, once; a session this long.
    console_link_minutes: int = Field(default=10, ge=1, le=60)
    console_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def base_url(self) -> str:
        """The public address, or this server's own."""
        return self.public_url or f"http://{self.host}:{self.port}"


class MediaSettings(_Section):
    """Where residents' photos are kept (bot/media.py) and how large one may be.

    ``backend = "local"`` keeps them under ``dir``; ``"s3"`` in a private bucket of an
    S3-compatible service (AWS, MinIO, OSS, COS). Empty S3 credentials mean boto3's own
    chain (``AWS_ACCESS_KEY_ID`` …, an instance role); the secret is never shown.
    """

    backend: Literal["local", "s3"] = "local"
    dir: str = "./media"
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    s3_bucket: str = ""
    s3_prefix: str = "media/"
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = Field(default="", repr=False)

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> MediaSettings:
        if self.backend == "s3" and not self.s3_bucket:
            raise ValueError('[media] backend = "s3" needs s3_bucket')
        return self


#: The notices a subscription template can carry, by the domain event's family.
NoticeFamily = Literal["ticket", "topic", "poll", "meeting", "minutes", "decision", "all"]


class SubscribeTemplate(_Section):
    """One subscription-notice template (订阅通知) of the account, chosen in WeChat's
    admin console: the notices it carries and where the text goes in it."""

    id: str = Field(min_length=1, max_length=128)
    #: "long": 长期订阅, usable until the person withdraws; "once": 一次性订阅, each
    #: agreement allows one notice.
    kind: Literal["long", "once"] = "long"
    #: Which notices it carries (the event's family: ticket, meeting, poll, …; "all").
    notices: list[NoticeFamily] = Field(default_factory=lambda: list[NoticeFamily](["all"]))
    #: The template's keyword that takes the notice's text (thing: ≤ 20 characters).
    text_field: str = "thing1"
    #: A keyword that takes when it was sent ("" = none), e.g. "time2".
    time_field: str = ""
    #: The page a tap on the notice opens ("" = none).
    page: str = ""

    def carries(self, family: str | None) -> bool:
        return "all" in self.notices or family in self.notices


class SignedCallbackSettings(_Section):
    """What a platform that calls us with signed callbacks (WeChat, WeCom) is set with:
    ``bot/adapters/callbacks.py`` reads these."""

    token: str = ""
    encoding_aes_key: str = ""
    #: The platform gives up after 5 s; answer passively within this budget, else push.
    reply_deadline_seconds: float = Field(default=4.0, gt=0, le=4.8)
    #: A callback's signed timestamp must be this close to our clock (either way);
    #: each signed (timestamp, nonce) is accepted once.
    signature_max_age_seconds: int = Field(default=300, ge=10, le=3600)
    #: A message acknowledged before it was handled, and left so by a crash, is
    #: handled by a sweep once it is this old.
    recover_after_seconds: float = Field(default=30.0, ge=5.0, le=3600.0)
    max_body_bytes: int = Field(default=65_536, ge=1024)


class WechatSettings(SignedCallbackSettings):
    """WeChat Official Account callback and API."""

    enabled: bool = False
    app_id: str = ""
    app_secret: str = ""
    api_base_url: str = "https://api.weixin.qq.com"
    #: Customer-service messages are allowed this long after the user's last message …
    cs_window_hours: int = Field(default=48, ge=1, le=48)
    #: … and at most this many per window.
    cs_quota: int = Field(default=5, ge=1)
    #: Subscription-notice templates for pushes outside the window, tried in order;
    #: each is used only for people who agreed to it (recorded from WeChat's events).
    subscribe_templates: list[SubscribeTemplate] = Field(default_factory=list)
    #: Older single-template form: a long-term template for every notice ("" = none).
    subscribe_template_id: str = ""
    #: The account's menu (bot/adapters/menu.py), published by `yishi wechat menu publish`.
    menu: Menu = DEFAULT_MENU
    _menu_fits = field_validator("menu")(check_menu)

    @model_validator(mode="after")
    def _credentials(self) -> WechatSettings:
        _require_when_enabled(self, "token", "app_id", "app_secret")
        return self

    def templates(self) -> list[SubscribeTemplate]:
        """Every configured template, the older single one last."""
        if not self.subscribe_template_id:
            return self.subscribe_templates
        return [*self.subscribe_templates, SubscribeTemplate(id=self.subscribe_template_id)]

    def template(self, template_id: str) -> SubscribeTemplate | None:
        return next((t for t in self.templates() if t.id == template_id), None)


class TelegramSettings(_Section):
    """Telegram bot via python-telegram-bot."""

    enabled: bool = False
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_secret: str = ""
    #: Public URL Telegram should call in webhook mode ("" = set it by hand).
    webhook_url: str = ""
    #: Telegram's limits: overall, per private chat, per group.
    global_per_second: float = Field(default=30.0, gt=0)
    private_per_second: float = Field(default=1.0, gt=0)
    group_per_minute: float = Field(default=20.0, gt=0)
    #: How often a 429 (retry_after) is waited out before a message is given up.
    max_retries: int = Field(default=5, ge=0, le=20)

    @property
    def file_base_url(self) -> str:
        """Where files are downloaded: ``…/bot`` becomes ``…/file/bot`` (as Telegram has it)."""
        base = self.base_url.rstrip("/")
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base

    @model_validator(mode="after")
    def _credentials(self) -> TelegramSettings:
        _require_when_enabled(self, "token")
        if self.mode == "webhook":
            _require_when_enabled(self, "webhook_secret")
        return self


class WecomSettings(SignedCallbackSettings):
    """WeCom (企业微信) app callback and pushes for staff; group robots for announcements."""

    enabled: bool = False
    corp_id: str = ""
    agent_id: int = 0
    secret: str = ""
    api_base_url: str = "https://qyapi.weixin.qq.com"
    #: Group robots by name → webhook URL (…/cgi-bin/webhook/send?key=…).
    robot_webhooks: dict[str, str] = Field(default_factory=dict)
    #: A robot may post 20 messages a minute.
    robot_per_minute: int = Field(default=20, ge=1)
    robot_window_seconds: float = Field(default=60.0, gt=0)
    #: The app's menu, as [wechat]'s; published by `yishi wecom menu publish`.
    menu: Menu = DEFAULT_STAFF_MENU
    _menu_fits = field_validator("menu")(check_menu)

    @model_validator(mode="after")
    def _credentials(self) -> WecomSettings:
        _require_when_enabled(self, "corp_id", "secret", "token", "encoding_aes_key")
        return self


class CommunitySettings(_Section):
    """The community this process serves."""

    name: str = "幸福里社区"
    timezone: str = "Asia/Shanghai"
    #: The community's duty phone, told to a resident with an emergency (empty: not told).
    duty_phone: str = Field(default="", max_length=40)
    #: The everyday questions the bot answers (TOML, see nlu/faq_default.toml); empty:
    #: the shipped default.
    faq_path: str = ""

    @field_validator("timezone")
    @classmethod
    def _real_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("faq_path")
    @classmethod
    def _readable_faq(cls, value: str) -> str:
        if value:
            from nlu.faq import FaqError, load_faq

            try:
                load_faq(value)
            except FaqError as exc:
                raise ValueError(str(exc)) from exc
        return value


class BotSettings(_Section):
    """Router behaviour."""

    conversation_ttl_minutes: int = Field(default=30, ge=1, le=10080)
    max_text_chars: int = Field(default=2000, ge=10)


class NluSettings(_Section):
    """Chinese understanding: the community's own model and words."""

    # ``model_path`` is the config key residents' operators write; older pydantic
    # releases warn about the ``model_`` prefix unless the namespace is cleared.
    model_config = ConfigDict(extra="forbid", validate_default=True, protected_namespaces=())

    #: The community's model, written by ``yishi nlu train``; until it exists the
    #: shipped model serves.
    model_path: str = "./yishi-nlu.json"
    #: Local place names (小区、街巷、地标) kept whole and recognised as places.
    places: list[str] = Field(default_factory=list)
    #: The property company's name (物业公司), recognised as such.
    property_company: str = ""
    #: Labelled messages are kept this long (unlabelled ones go with the message log).
    labels_keep_days: int = Field(default=365, ge=1, le=3650)

    def words(self) -> dict[str, str]:
        """The configured community words, word → tag."""
        found = {p.strip(): "place" for p in self.places if p.strip()}
        if self.property_company.strip():
            found[self.property_company.strip()] = "company"
        return found


class PushSettings(_Section):
    """Outbound pushes: per-platform rate limits (messages per second) and retries."""

    max_attempts: int = Field(default=3, ge=1, le=20)
    retry_base_seconds: float = Field(default=1.0, ge=0)
    web_per_second: float = Field(default=50.0, gt=0)
    console_per_second: float = Field(default=50.0, gt=0)
    wechat_per_second: float = Field(default=20.0, gt=0)
    telegram_per_second: float = Field(default=30.0, gt=0)
    wecom_per_second: float = Field(default=50.0, gt=0)


class SchedulerSettings(_Section):
    """Timed messages: announcements, reminders, poll closings, escalations, digests, reports.

    Times are wall-clock times in ``[community] timezone``. Meeting announcement
    offsets and groups are ``[consultation]``'s, ticket time limits ``[tickets]``'s.
    """

    enabled: bool = True
    refresh_seconds: float = Field(default=60.0, ge=1, le=3600)
    lease_seconds: float = Field(default=30.0, ge=3, le=3600)
    #: How far ahead the one timer is planned. The plan is read again every
    #: ``refresh_seconds`` and after every change, so an hour is plenty, and a short
    #: plan keeps each re-read small: with 10,000 meetings and 100,000 open tickets a
    #: 24 h plan is 26,000 events per re-read, an hour's a few hundred.
    horizon_hours: float = Field(default=1.0, gt=0, le=24 * 31)
    late_tolerance_minutes: float = Field(default=5.0, ge=0)
    max_attempts: int = Field(default=3, ge=1, le=20)
    digest_enabled: bool = True
    digest_time: str = "08:30"
    report_enabled: bool = True
    report_day: int = Field(default=1, ge=1, le=28)
    report_time: str = "09:00"
    housekeeping_enabled: bool = True
    housekeeping_time: str = "03:30"

    @model_validator(mode="after")
    def _plan_outlasts_refresh(self) -> SchedulerSettings:
        if self.horizon_hours * 3600 < 2 * self.refresh_seconds:
            raise ValueError("horizon_hours must reach at least twice refresh_seconds ahead")
        return self

    @field_validator("digest_time", "report_time", "housekeeping_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hours, sep, minutes = value.partition(":")
        if not (sep and hours.isdigit() and minutes.isdigit()):
            raise ValueError("must be a time like 08:30")
        if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
            raise ValueError("must be a time like 08:30")
        return f"{int(hours):02d}:{int(minutes):02d}"


class ConsultationSettings(_Section):
    """The consultation day (协商议事日): topics, meetings, polls. See config.example.toml."""

    cosign_threshold: int = Field(default=10, ge=0, le=100_000)
    cosign_per_household: bool = False
    meeting_weekday: int = Field(default=5, ge=0, le=6)
    meeting_ordinal: Literal[1, 2, 3, 4, -1] = 1
    meeting_time: str = "09:30"
    meeting_place: str = "社区党群服务中心议事厅"
    meeting_capacity: int = Field(default=60, ge=1)
    committee_members: list[str] = Field(default_factory=list)
    catalogue: list[str] = Field(default_factory=lambda: list(DEFAULT_CATALOGUE))
    discuss: list[str] = Field(default_factory=lambda: list(DEFAULT_DISCUSS))
    not_discuss: list[str] = Field(default_factory=lambda: list(DEFAULT_NOT_DISCUSS))
    announce_chats: list[str] = Field(default_factory=lambda: ["web:group:main"])
    default_quorum_pct: int = Field(default=50, ge=0, le=100)
    announce_before_hours: list[int] = Field(default_factory=lambda: [168, 24, 2])
    remind_before_hours: int = Field(default=24, ge=1)
    recurring_ticket_count: int = Field(default=3, ge=0, le=1000)
    recurring_window_days: int = Field(default=90, ge=1, le=3660)
    recurring_reopen_count: int = Field(default=2, ge=0, le=100)

    @field_validator("meeting_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be HH:MM, e.g. 09:30") from exc
        return value

    @field_validator("recurring_ticket_count")
    @classmethod
    def _off_or_several(cls, value: int) -> int:
        if value == 1:
            raise ValueError("must be 0 (off) or at least 2: one ticket is not a recurring problem")
        return value

    @field_validator("announce_chats")
    @classmethod
    def _platform_chat(cls, value: list[str]) -> list[str]:
        for entry in value:
            if ":" not in entry:
                raise ValueError(f"{entry!r} must be platform:chat_id, e.g. web:group:main")
        return value

    def rules(self) -> ConsultationRules:
        """The plain-data rules the domain services use."""
        return ConsultationRules(
            cosign_threshold=self.cosign_threshold,
            cosign_per_household=self.cosign_per_household,
            meeting=MeetingRule(
                self.meeting_weekday, self.meeting_ordinal, time.fromisoformat(self.meeting_time)
            ),
            place=self.meeting_place,
            capacity=self.meeting_capacity,
            committee_members=tuple(self.committee_members),
            catalogue=tuple(self.catalogue),
            discuss=tuple(self.discuss),
            not_discuss=tuple(self.not_discuss),
            announce_chats=tuple(self.announce_chats),
            default_quorum_pct=self.default_quorum_pct,
            announce_before_hours=tuple(self.announce_before_hours),
            remind_before_hours=self.remind_before_hours,
            recurring_ticket_count=self.recurring_ticket_count,
            recurring_window_days=self.recurring_window_days,
            recurring_reopen_count=self.recurring_reopen_count,
        )


class PollSettings(_Section):
    """Anonymous ballots are sealed with a secret that is never in the database or logs.

    ``ballot_secret`` (at least 32 characters; best set as ``YISHI_POLLS__BALLOT_SECRET``)
    wins; without it the secret is read from ``ballot_secret_file``, and generated
    there (mode 0600) on first start. Every process of one deployment must share it,
    and it must survive restarts: an open anonymous poll can't be counted without it.
    """

    ballot_secret: str = Field(default="", repr=False)
    ballot_secret_file: str = ""
    #: The fewest votes an anonymous poll's per-option counts are published with; below
    #: it the result says only how many took part and decides nothing. At least 3: with
    #: 2, each voter could read the other's choice off any split result.
    anonymous_min_votes: int = Field(default=5, ge=3, le=1000)

    @field_validator("ballot_secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value.encode()) < 32:
            raise ValueError("must be at least 32 characters (e.g. openssl rand -hex 32)")
        return value


class LogSettings(_Section):
    """Logs on stderr (or in ``file``): human lines on a terminal, JSON elsewhere."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "text"] = "auto"
    file: str = ""
    access: bool = True


class TicketCategorySettings(_Section):
    """One category of the 诉求 catalogue."""

    name: str = Field(min_length=1, max_length=32)
    keywords: list[str] = []
    response_hours: float = Field(default=4.0, gt=0)
    resolution_hours: float = Field(default=72.0, gt=0)
    questions: list[str] = []
    department: str = "街道综合执法队"
    #: Its limits run on the plain clock instead of working time.
    plain_clock: bool = False


def _default_categories() -> list[TicketCategorySettings]:
    from consultation.ticket_parsing import DEFAULT_CATEGORIES

    # The same fields by the same names: the shipped categories, as settings.
    return [TicketCategorySettings.model_validate(asdict(c)) for c in DEFAULT_CATEGORIES]


def _default_urgent_words() -> list[str]:
    from consultation.ticket_parsing import DEFAULT_URGENT_WORDS

    return list(DEFAULT_URGENT_WORDS)


def _default_confidential() -> list[str]:
    from consultation.confidentiality import DEFAULT_CONFIDENTIAL

    return list(DEFAULT_CONFIDENTIAL)


class TicketSettings(_Section):
    """诉求: the category catalogue, urgency, duplicates, rating and warnings."""

    categories: list[TicketCategorySettings] = Field(
        default_factory=_default_categories, min_length=1
    )
    urgent_words: list[str] = Field(default_factory=_default_urgent_words)
    urgent_response_minutes: float = Field(default=30.0, gt=0)
    urgent_resolution_hours: float = Field(default=24.0, gt=0)
    warn_before_minutes: float = Field(default=60.0, ge=0)
    duplicate_window_hours: float = Field(default=72.0, ge=0)
    rating_timeout_hours: float = Field(default=72.0, gt=0)
    confidential_categories: list[str] = Field(default_factory=_default_confidential)
    #: Where the buildings stand, so a shared location names one: {"3号楼" = [lat, lon]}.
    building_coordinates: dict[str, tuple[float, float]] = Field(default_factory=dict)
    #: A location farther than this from every building names none.
    nearest_within_metres: float = Field(default=150.0, gt=0, le=5000)
    #: Reports someone with no resident identity (not 绑定) may file a day, from one account
    #: and from one address (a web client's); 0 = no cap. An emergency is never refused.
    unbound_reports_per_day: int = Field(default=3, ge=0, le=1000)
    unbound_reports_per_address_per_day: int = Field(default=10, ge=0, le=10000)

    def confidentiality(self) -> Confidentiality:
        """The one confidentiality rule (chat, exports and pages all read it)."""
        from consultation.confidentiality import Confidentiality

        return Confidentiality.of(self.confidential_categories)

    #: Limits count working time: these periods of each working day (China's holidays
    #: and make-up days apply); [] runs every limit on the plain clock.
    working_hours: list[str] = Field(default_factory=lambda: ["08:30-12:00", "13:30-17:30"])

    @field_validator("working_hours")
    @classmethod
    def _periods(cls, value: list[str]) -> list[str]:
        from consultation.worktime import parse_periods

        parse_periods(value)
        return value

    def catalogue(self) -> Catalogue:
        """The domain's view of this section."""
        from consultation.ticket_parsing import Catalogue, Category
        from consultation.worktime import parse_periods

        return Catalogue(
            categories=tuple(
                Category(
                    name=c.name,
                    keywords=tuple(c.keywords),
                    response_hours=c.response_hours,
                    resolution_hours=c.resolution_hours,
                    questions=tuple(c.questions),
                    department=c.department,
                    plain_clock=c.plain_clock,
                )
                for c in self.categories
            ),
            urgent_words=tuple(self.urgent_words),
            urgent_response_minutes=self.urgent_response_minutes,
            urgent_resolution_hours=self.urgent_resolution_hours,
            warn_before_minutes=self.warn_before_minutes,
            duplicate_window_hours=self.duplicate_window_hours,
            rating_timeout_hours=self.rating_timeout_hours,
            building_coordinates=tuple(
                (name, lat, lon) for name, (lat, lon) in self.building_coordinates.items()
            ),
            nearest_within_metres=self.nearest_within_metres,
            unbound_reports_per_day=self.unbound_reports_per_day,
            unbound_reports_per_address_per_day=self.unbound_reports_per_address_per_day,
            confidentiality=self.confidentiality(),
            working_hours=parse_periods(self.working_hours),
            fallback=self.categories[-1].name
            if all(c.name != "其他" for c in self.categories)
            else "其他",
        )


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
    media: MediaSettings = MediaSettings()
    wechat: WechatSettings = WechatSettings()
    telegram: TelegramSettings = TelegramSettings()
    wecom: WecomSettings = WecomSettings()
    community: CommunitySettings = CommunitySettings()
    bot: BotSettings = BotSettings()
    nlu: NluSettings = NluSettings()
    push: PushSettings = PushSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    log: LogSettings = LogSettings()
    tickets: TicketSettings = TicketSettings()
    consultation: ConsultationSettings = ConsultationSettings()
    polls: PollSettings = PollSettings()

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
    if chosen:
        # A generated ballot secret lives beside the config file (relative paths too).
        polls = data.setdefault("polls", {})
        if isinstance(polls, dict):
            where = Path(str(polls.get("ballot_secret_file") or BALLOT_SECRET_FILE))
            polls["ballot_secret_file"] = str(Path(chosen).parent / where)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc)) from None
