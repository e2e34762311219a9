"""On PostgreSQL a message's time is mostly its round trips to the server: how many one log
costs is pinned here, so that a change doubling them is noticed (bench/statements.py lists
them, bench/intake.py measures what they cost)."""

from __future__ import annotations

import time

import psycopg

from bot.context import APOLOGY
from bot.interface import Event
from tests.statement_log import StatementLog
from tests.support import Chat

# The core's transaction for a /water with a line of encouragement: BEGIN, the person with
# whether the message was handled before, the entry, the day's totals, the goals, the last
# days with whether the person ever paused, the recent days (the streak), the voice's
# memory read and written, the event done with its record and its reply held, COMMIT.
# (It was 15: a ping before each transaction, and the pauses and the record on their own.)
WATER_ROUND_TRIPS = 11


def test_a_water_log_from_the_inbox_costs_eleven_round_trips_on_postgresql(make_core, pg_url):
    core = make_core(pg_url)
    log = StatementLog(core.services.db.engine)
    chat = Chat(core, platform="bench")
    for _ in range(3):  # first contact, a streak, the voice's memory: a person's usual day
        chat.say("/water 250ml")
    core.accept([Event("bench", "e1", f"bench:{chat.chat_id}", None, {})])
    (taken,) = core.claim(["bench"], 32, 60)
    with log.recording() as seen:
        replies = core.handle_event(taken, chat.incoming("/water 250ml"))
    assert replies[0].text.startswith("✅ Logged water 250 ml.\nToday: 1 l")
    assert replies[0].text.count("\n_") == 1  # the voice spoke, and remembered it
    listing = "\n".join(seen)
    assert len(seen) <= WATER_ROUND_TRIPS, listing
    assert seen[0] == "BEGIN" and seen[-1] == "COMMIT", listing
    assert "INSERT INTO handled_messages" in seen[-2] and "INSERT INTO outbox" in seen[-2], listing


def test_a_connection_the_server_ended_while_idle_is_replaced_without_an_apology(make_core, pg_url):
    """No ping before each transaction: a connection the server ended (a restart, an
    administrator) is known by what the server said last, and replaced before use."""
    core = make_core(pg_url)
    chat = Chat(core)
    assert "Logged" in chat.say("/water 250ml")
    database = core.services.db.engine.url.database
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
        assert ended
        for _ in range(100):  # until they are gone, their last words sent
            (left,) = admin.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchone()
            if not left:
                break
            time.sleep(0.02)
    said = chat.say("/water 250ml")
    assert "Logged water 250 ml" in said and APOLOGY not in said
