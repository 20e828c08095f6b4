"""Configuration: TOML, environment overrides, one clear line per bad key."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "yishi.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_sqlite_and_local_web_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YISHI_CONFIG", raising=False)
    settings = load_settings()
    assert settings.storage.url == "sqlite:///./yishi.db"
    assert (settings.web.host, settings.web.port) == ("127.0.0.1", 8080)
    assert settings.community.timezone == "Asia/Shanghai"


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[web]\nport = 9001\nhost = "0.0.0.0"\n')
    monkeypatch.setenv("YISHI_WEB__PORT", "9002")
    monkeypatch.setenv("YISHI_STORAGE__URL", "postgresql://u@db/yishi")
    settings = load_settings(path)
    assert settings.web.port == 9002, "the environment beats the file"
    assert settings.web.host == "0.0.0.0", "the file beats the defaults"
    assert settings.storage.url == "postgresql://u@db/yishi"


def test_yishi_config_variable_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YISHI_CONFIG", str(write(tmp_path, '[community]\nname = "和平社区"\n')))
    assert load_settings().community.name == "和平社区"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[web]\nport = 99999\n", "config error: web.port:"),
        ('[web]\nport = "eighty"\n', "config error: web.port:"),
        ('[storage]\nurl = "mysql://x"\n', "config error: storage.url: must be a sqlite"),
        ('[community]\ntimezone = "Mars/Olympus"\n', "unknown time zone"),
        (
            '[community]\nfaq_path = "/nonexistent/faq.toml"\n',
            "config error: community.faq_path: cannot read /nonexistent/faq.toml",
        ),
        ('[telegram]\nmode = "carrier-pigeon"\n', "config error: telegram.mode:"),
        ("[web]\nprot = 80\n", "config error: web.prot: unknown key"),
        # Two votes would let each voter read the other's choice off a split result.
        ("[polls]\nanonymous_min_votes = 2\n", "config error: polls.anonymous_min_votes:"),
        ("[nonsense]\nx = 1\n", "config error: nonsense: unknown key"),
        ("[web\n", "is not valid TOML"),
        ("[wechat]\nenabled = true\n", "config error: wechat: token, app_id, app_secret required"),
        (
            '[telegram]\nenabled = true\ntoken = "1:x"\nmode = "webhook"\n',
            "webhook_secret required",
        ),
        ("[wecom]\nenabled = true\n", "config error: wecom: corp_id, secret, token"),
        ('[media]\nbackend = "s3"\n', 'media: [media] backend = "s3" needs s3_bucket'),
        (
            "[scheduler]\nhorizon_hours = 0.01\n",
            "horizon_hours must reach at least twice refresh_seconds ahead",
        ),
    ],
)
def test_bad_values_are_one_clear_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    message = str(info.value)
    assert expected in message
    assert "Traceback" not in message and message.count("\n") == 0


def test_bad_environment_value_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YISHI_WEB__PORT", "-1")
    with pytest.raises(ConfigError, match=r"web\.port"):
        load_settings(None)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml")


def test_example_documents_every_key() -> None:
    documented = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for section, model in Settings.model_fields.items():
        assert section in documented, f"[{section}] missing from config.example.toml"
        assert model.annotation is not None
        keys = set(model.annotation.model_fields)  # type: ignore[union-attr]
        assert keys <= set(documented[section]), (
            f"[{section}] lacks {keys - set(documented[section])}"
        )
    load_settings(EXAMPLE)  # and it is valid as it stands


def test_command_line_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[web]\nport = 0\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("config error: web.port:")
    assert "Traceback" not in result.stderr
