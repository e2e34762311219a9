"""`STEADY_LOG_FORMAT=json`: one JSON object per line, for log collectors.

Each field is blanked by the same redaction as the text lines before it is encoded, so a
secret is caught as it is written, not only in the escaped form JSON would give it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.ops.logs import RedactingFormatter


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
