"""The [tickets] section: config.example.toml documents the defaults exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from consultation.ticket_parsing import default_catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_is_the_default_catalogue() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.tickets.catalogue() == default_catalogue()


def test_a_bad_limit_is_reported_by_key(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text('[[tickets.categories]]\nname = "x"\nresponse_hours = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tickets\.categories\.0\.response_hours"):
        load_settings(bad)
