"""Logging set-up. Every line passes a formatter that blanks the configured secrets, so a
token that a library puts in a URL or an error never reaches a log."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.settings import Settings


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str) -> None:
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


def secrets_of(settings: Settings) -> list[str]:
    values = [settings.telegram_token, settings.telegram_webhook_secret, settings.discord_token]
    found = [v.get_secret_value() for v in values if v is not None]
    if "@" in settings.database_url and ":" in settings.database_url.split("@", 1)[0]:
        found.append(settings.database_url.split("@", 1)[0].rsplit(":", 1)[-1])  # the password
    return found


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter(secrets_of(settings), "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    if settings.log_format == "json":
        from bot.ops.json_logs import JsonFormatter

        handler.setFormatter(JsonFormatter(secrets_of(settings)))
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler.executors", "discord.gateway"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "Added job", "Scheduler started": not news in a terminal chat.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
