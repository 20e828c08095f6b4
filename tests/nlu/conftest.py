"""Shared fixtures: one loaded classifier per test session, a pinned clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlu import TrainedClassifier, load_classifier

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)  # a Monday, four days before New Year


@pytest.fixture(scope="session")
def classifier() -> TrainedClassifier:
    return load_classifier(clock=lambda: NOW)
