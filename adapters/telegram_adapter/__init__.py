"""Telegram, through python-telegram-bot 22. Named so it never shadows the `telegram` package."""

from adapters.telegram_adapter.adapter import SendLimits, TelegramAdapter

__all__ = ["SendLimits", "TelegramAdapter"]
