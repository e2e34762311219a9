"""Text a platform hands over that no database or log can take (NUL bytes, lone surrogates)
is cleaned at the edge, so it never costs a person the apology; and no log line carries
the SQL parameters of a failed statement, which are people's text."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text

from adapters.console import ConsoleAdapter
from bot.context import APOLOGY
from bot.core import Core
from bot.interface import Incoming, clean_text
from bot.ops.logs import RedactingFormatter
from bot.storage.db import make_engine
from bot.storage.models import Account, Entry, User

SURROGATE_NAME = "Ana\udc80\ud83d"  # two halves of nothing, as a broken client may send


def test_clean_text_drops_nul_and_replaces_lone_surrogates() -> None:
    assert clean_text("felt\x00 great") == "felt great"
    assert clean_text("Ana\udc80") == "Ana\ufffd"
    assert clean_text("ran 5k 🏃 café") == "ran 5k 🏃 café"  # whole characters stay
    incoming = Incoming("console", "u\x00", SURROGATE_NAME, "c\x00", text="/run\x00 5k")
    assert (incoming.user_id, incoming.chat_id, incoming.text) == ("u", "c", "/run 5k")
    assert incoming.display_name == "Ana\ufffd\ufffd"
    incoming.display_name.encode("utf-8")  # storable and printable


async def test_nul_and_surrogates_from_the_console_are_cleaned(
    make_core: Callable[..., Core], any_db_url: str, tmp_path: Path
) -> None:
    """A display name with a lone surrogate got the apology on every command, /deleteme
    included; a NUL byte in a note got it on PostgreSQL."""
    core = make_core(any_db_url)
    out = io.StringIO()
    console = ConsoleAdapter(core, user=SURROGATE_NAME, out=out, folder=tmp_path)
    await console.chat(io.StringIO("/run 5k 28:30 felt\x00 great\n/today\n/help\n"))
    said = out.getvalue()
    assert APOLOGY not in said
    assert "5.00 km" in said
    with core.services.db.unit_of_work() as session:
        [note] = session.scalars(select(Entry.note))
        assert note is not None and "\x00" not in note and "felt" in note
        [name] = session.scalars(select(Account.display_name))
        assert name == "Ana\ufffd\ufffd"

    out.truncate(0)
    await console.chat(io.StringIO("/deleteme DELETE\n"))
    assert APOLOGY not in out.getvalue()
    with core.services.db.unit_of_work() as session:
        assert session.scalars(select(User)).all() == []


def test_a_failed_statements_log_line_carries_no_parameters(
    any_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The engine hides parameters, and PostgreSQL's DETAIL line (which repeats the key or
    the whole failing row) is blanked by the log formatter."""
    engine = make_engine(any_db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (k VARCHAR(40) UNIQUE NOT NULL)"))
            connection.execute(text("INSERT INTO scratch VALUES ('my secret diary')"))
        for value in ("my secret diary", None, "my\x00secret diary"):
            try:
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO scratch VALUES (:k)"), {"k": value})
            except Exception:
                logging.getLogger("steady.core").exception("error handling a message")
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE scratch"))
        engine.dispose()
    formatter = RedactingFormatter([], "%(message)s")
    lines = [formatter.format(record) for record in caplog.records]
    assert len(lines) >= 2  # SQLite takes the NUL; PostgreSQL refuses it too
    for line in lines:
        assert "secret diary" not in line, line
        assert "hide_parameters" in line or "NUL" in line, line
