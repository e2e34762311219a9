"""Logging set-up. Every line passes a formatter that blanks the configured secrets, so a
token that a library puts in a URL or an error never reaches a log.

Nothing else reaches the terminal either: an uncaught exception (in the main thread, in
another thread, or "unraisable" in a finaliser), a warning, and asyncio's "exception was
never retrieved" all go through the same logging handler, so their tracebacks are blanked
too. SQL parameters and PostgreSQL's DETAIL lines (which repeat a failing row's values)
are people's text, and are blanked as well.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import quote

from bot.settings import Settings

REDACTED = "[redacted]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# A Telegram token in a Bot API URL (`/bot123456:ABC.../getMe`), configured or not.
_BOT_URL_TOKEN = re.compile(r"(/bot)\d+(?::|%3[Aa])[A-Za-z0-9_-]+")
# What a failed statement would show of its values: SQLAlchemy's "[parameters: ...]" line
# (engines hide them, bot/storage/db.py; this is the net under that) and PostgreSQL's DETAIL.
_SQL_VALUES = re.compile(r"^(?:\[parameters: .*\]|DETAIL: .*)$", re.MULTILINE)

log = logging.getLogger("steady")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str) -> None:
        super().__init__(fmt)
        self.redactor = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.redact(super().format(record))


# `STEADY_LOG_FORMAT=json`: one JSON object per line, for log collectors. Each field is
# blanked by the same redaction as the text lines before it is encoded, so a secret is
# caught as it is written, not only in the escaped form JSON would give it.
class JsonFormatter(RedactingFormatter):
    """{"time", "level", "logger", "message", "exc_info"?}: one line per record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(secrets, "%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        if record.exc_info:
            line["exc_info"] = self._redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc_info"] = self._redact(record.exc_text)
        if record.stack_info:
            line["stack_info"] = self._redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)

    def _redact(self, text: str) -> str:
        # The text formatter's own redaction, given the text as a bare record's message.
        return super().format(logging.makeLogRecord({"msg": text}))


class Redactor:
    """Blanks secrets in any text: as they are, URL-encoded (a token's ':' as %3A), in a
    Bot API URL, and the values a failed SQL statement would show."""

    def __init__(self, secrets: Iterable[str]) -> None:
        found = {s for s in secrets if s and len(s) >= 6}
        found |= {quote(s, safe="") for s in found}
        self.secrets = sorted(found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if "/bot" in text:
            text = _BOT_URL_TOKEN.sub(rf"\g<1>{REDACTED}", text)
        if "[parameters: " in text or "DETAIL: " in text:
            text = _SQL_VALUES.sub(_blank_values, text)
        return text


def _blank_values(match: re.Match[str]) -> str:
    line = match.group(0)
    return "DETAIL:  [hidden]" if line.startswith("DETAIL") else "[parameters hidden]"


def secrets_of(settings: Settings) -> list[str]:
    values = [settings.telegram_token, settings.telegram_webhook_secret, settings.discord_token]
    found = [v.get_secret_value() for v in values if v is not None]
    found += _database_password(settings.database_url)
    return found


def _database_password(url: str) -> list[str]:
    """The password in a database URL, as written and as the driver sees it (decoded)."""
    if "@" not in url or ":" not in url.split("@", 1)[0]:
        return []
    written = url.split("@", 1)[0].rsplit(":", 1)[-1]
    try:
        from sqlalchemy.engine import make_url

        decoded = make_url(url).password
    except Exception:  # a URL SQLAlchemy can't read: the settings check says so elsewhere
        decoded = None
    return [written] + ([str(decoded)] if decoded else [])


def configure_logging(settings: Settings) -> Redactor:
    """One handler on the root logger, blanking secrets; uncaught errors and warnings are
    sent through it. Returns the redactor, for what is printed rather than logged."""
    formatter = RedactingFormatter(secrets_of(settings), LOG_FORMAT)
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter(secrets_of(settings)))
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler.executors", "discord.gateway"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "Added job", "Scheduler started": not news in a terminal chat.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
    route_uncaught_to_logging()
    return formatter.redactor


def route_uncaught_to_logging() -> None:
    """Python prints an uncaught exception's traceback straight to stderr, past any log
    formatter; PTB's "token was rejected" message held the whole token. These hooks log it
    instead. (asyncio's default exception handler already logs, on the "asyncio" logger.)"""
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread
    sys.unraisablehook = _unraisable
    logging.captureWarnings(True)


def _uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        log.info("stopped")
        return
    log.critical("uncaught error; stopping", exc_info=(kind, error, trace))


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "a thread"
    exc_info = (args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)
    log.error("uncaught error in %s", name, exc_info=exc_info)


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    error = unraisable.exc_value or unraisable.exc_type()
    log.error(
        "%s",
        unraisable.err_msg or "exception ignored",
        exc_info=(unraisable.exc_type, error, unraisable.exc_traceback),
    )
