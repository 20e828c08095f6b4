"""Telegram adapter (python-telegram-bot v22): polling or webhook, inline keyboards, limits."""

import os

# Opt in to PTB's coming timedelta periods now (our code handles both), which also
# silences its deprecation warning on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.adapters.telegram.adapter import TelegramAdapter, TelegramSender

__all__ = ["TelegramAdapter", "TelegramSender"]
