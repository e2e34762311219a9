"""The log people expect: numbered entries, /today's totals, /edit and /delete of any
entry, and an edited message changing the entry it logged."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import threading
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import select, text

from bot.domain import Units
from bot.progress import entries
from bot.storage.db import Database, alembic_config
from bot.storage.models import Entry
from tests.group_support import private
from tests.support import Chat, postgres_database
from tests.test_link import code_in


def numbered(history: str) -> dict[int, str]:
    """/history's lines as number → what the entry says."""
    found = {}
    for line in history.splitlines():
        match = re.fullmatch(r"#(\d+) · \w{3} \d\d \w{3} · (.*)", line)
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def test_today_shows_numbered_entries_totals_per_kind_and_goals(chat: Chat) -> None:
    chat.say("/goal water 2l/day")
    chat.say("/run 5k 28:30")
    chat.say("/run 3k 18:00")
    chat.say("/water 500ml")
    chat.say("/strength squats 3x10 40kg")
    chat.say("/water 250ml yesterday")  # not today's
    today = chat.say("/today")
    assert "• run 5.00 km in 28:30 (5:42 /km) · #1" in today
    assert "• squats 3x10 @ 40 kg · #4" in today
    assert "#5" not in today
    assert "Totals: run 8.00 km (2 runs) · strength 1 session · water 500 ml" in today
    assert "water goal: 500 ml of 2 l a day (25%)" in today


def test_history_numbers_stay_with_their_entries(chat: Chat) -> None:
    chat.say("/run 5k 28:30")
    chat.say("/water 500ml")
    chat.say("/run 3k 18:00 yesterday")  # an earlier day, a later number
    assert numbered(chat.say("/history")) == {
        1: "run 5.00 km in 28:30 (5:42 /km)",
        2: "water 500 ml",
        3: "run 3.00 km in 18:00 (6:00 /km)",
    }
    assert "(#3, Tue 24 Nov)" in chat.say("/undo")
    chat.say("/water 1l")  # never #3 again
    assert numbered(chat.say("/history")) == {
        1: "run 5.00 km in 28:30 (5:42 /km)",
        2: "water 500 ml",
        4: "water 1 l",
    }


def test_edit_changes_any_entry_and_says_what_changed(chat: Chat) -> None:
    chat.say("/run 5k 28:30")
    chat.say("/water 500ml")
    edited = chat.say("/edit 1 5k 27:30")
    assert edited.startswith(
        "✏️ Updated #1: run 5.00 km in 27:30 (5:30 /km) (was run 5.00 km in 28:30 (5:42 /km))."
    )
    assert "Today: 5.00 km" in edited
    assert "Totals: run 5.00 km (1 run) · water 1 l" in (
        chat.say("/edit #2 1l") and chat.say("/today")
    )
    moved = chat.say("/edit 2 1l yesterday")
    assert "✏️ Updated #2: water 1 l, on Tue 24 Nov (was water 1 l)." in moved
    assert numbered(chat.say("/history")) == {
        1: "run 5.00 km in 27:30 (5:30 /km)",
        2: "water 1 l",
    }
    assert "already says that" in chat.say("/edit 1 5km 27:30")


def test_edit_and_delete_refuse_what_they_cannot_do_and_change_nothing(chat: Chat) -> None:
    chat.say("/run 5k 28:30")
    before = chat.say("/history")
    assert "Which entry? Press one" in chat.say("/edit")  # buttons: tests/test_suggestions.py
    assert "'five' isn't an entry number" in chat.say("/edit five 5k")
    assert "You have no entry #7" in chat.say("/edit 7 5k 27:30")
    assert "What should #1 say?" in chat.say("/edit 1")
    refused = chat.say("/edit 1 500ml")  # a run's figures, read as a run
    assert "For #1 (run), e.g. /edit 1 5k 27:30." in refused
    assert "e.g. /delete 1." in chat.say("/delete")
    assert "You have no entry #2" in chat.say("/delete 2")
    assert chat.say("/history") == before
    assert chat.say("/delete 1") == "🗑️ Removed #1: run 5.00 km in 28:30 (5:42 /km) (Wed 25 Nov)."
    assert "was removed already" in chat.say("/delete 1")
    assert "was removed already" in chat.say("/edit 1 5k 20:00")
    assert "No entries yet" in chat.say("/history")


def test_numbers_are_per_person(core) -> None:
    ana, ben = Chat(core, "ana"), Chat(core, "ben")
    ana.say("/run 5k 28:30")
    ben.say("/water 500ml")
    assert numbered(ben.say("/history")) == {1: "water 500 ml"}
    assert "You have no entry #2" in ben.say("/delete 2")
    assert numbered(ana.say("/history")) == {1: "run 5.00 km in 28:30 (5:42 /km)"}


def edit_of(chat: Chat, original: str, text: str, at: int) -> list[str]:
    """The person edits message `original` to say `text` (the edit's key carries its time,
    as the adapters make it)."""
    incoming = dataclasses.replace(
        chat.incoming(text, message_id=f"{original}:edited:{at}"), edits_message_id=original
    )
    return [r.text for r in chat.core.handle(incoming)]


def test_an_edited_message_changes_the_entry_it_logged(chat: Chat) -> None:
    chat.say("/run 5k 28:30", message_id="m1")
    chat.say("drank 500ml", message_id="m2")
    [updated] = edit_of(chat, "m1", "/run 5k 27:30", at=100)
    assert updated.startswith("✏️ Updated #1: run 5.00 km in 27:30 (5:30 /km) (was run 5.00")
    [again] = edit_of(chat, "m1", "/run 5k 27:30", at=100)  # the same edit, sent again
    assert again == updated
    [plain] = edit_of(chat, "m2", "drank 750ml", at=101)  # plain words stay plain words
    assert plain.startswith("✏️ Updated #2: water 750 ml (was water 500 ml).")
    [later] = edit_of(chat, "m1", "/run 6k 33:00", at=102)  # a second edit is a new one
    assert later.startswith("✏️ Updated #1: run 6.00 km")
    assert numbered(chat.say("/history")) == {
        1: "run 6.00 km in 33:00 (5:30 /km)",
        2: "water 750 ml",
    }


def test_an_edit_that_changes_the_kind_changes_the_entry_under_its_number(chat: Chat) -> None:
    chat.say("/run 500m", message_id="m1")
    [changed] = edit_of(chat, "m1", "/water 500ml", at=5)
    assert changed.startswith(
        "✏️ Updated #1: it is now water 500 ml (it was run 0.50 km: "
        "your edit changed it from run to water)."
    )
    assert "Today: 500 ml" in changed
    assert numbered(chat.say("/history")) == {1: "water 500 ml"}
    assert "Totals: water 500 ml" in chat.say("/today")


def test_an_edit_of_a_removed_entry_or_into_something_else_changes_nothing(chat: Chat) -> None:
    chat.say("/run 5k 28:30", message_id="m1")
    chat.say("/water 500ml", message_id="m2")
    [kept] = edit_of(chat, "m1", "/history", at=1)
    assert "doesn't read as a log, so #1 stays as it was: run 5.00 km" in kept
    assert "/delete 1" in kept
    [wrong] = edit_of(chat, "m1", "/run 5 parsecs", at=2)
    assert "Try: /run 5k 28:30" in wrong
    chat.say("/undo")  # takes #2 back
    [removed] = edit_of(chat, "m2", "/water 750ml", at=3)
    assert "that entry was already removed, so nothing changed" in removed
    assert numbered(chat.say("/history")) == {1: "run 5.00 km in 28:30 (5:42 /km)"}


def test_an_edit_of_a_message_that_logged_nothing(chat: Chat) -> None:
    assert "I don't know /rnu" in chat.say("/rnu 5k 28:30", message_id="m1")
    [logged] = edit_of(chat, "m1", "/run 5k 28:30", at=1)  # the typo fixed: logged now
    assert logged.startswith("✅ Logged run 5.00 km")
    [updated] = edit_of(chat, "m1", "/run 5k 29:00", at=2)  # and later edits follow it
    assert updated.startswith("✏️ Updated #1: run 5.00 km in 29:00")
    chat.say("/today", message_id="m2")
    assert edit_of(chat, "m2", "/week", at=3) == []  # editing doesn't run a command again
    assert numbered(chat.say("/history")) == {1: "run 5.00 km in 29:00 (5:48 /km)"}


def test_link_keeps_the_longer_history_s_numbers(make_core, any_db_url) -> None:
    core = make_core(any_db_url)
    tg, dc = private(core, "ana-tg", "telegram"), private(core, "ana-dc", "discord")
    for line in ("/run 5k 28:30", "/water 500ml", "/water 250ml"):
        tg.say(line)
    dc.say("/run 3k 18:00")
    dc.say("/water 1l")
    tg_before = numbered(tg.say("/history"))
    linked = dc.say(f"/link {code_in(tg.say('/link'))}")
    assert "Entries from Discord are now #4–#5, after those from Telegram" in linked
    both = numbered(dc.say("/history"))
    assert both == tg_before | {4: "run 3.00 km in 18:00 (6:00 /km)", 5: "water 1 l"}
    assert numbered(tg.say("/history")) == both  # one person: the same numbers on both
    tg.say("/strength 30min")
    assert numbered(dc.say("/history"))[6] == "strength 30 min"
    assert "Updated #4" in tg.say("/edit 4 3k 17:00")


def test_two_logs_of_one_person_at_once_get_different_numbers(make_core, pg_url) -> None:
    """On PostgreSQL two transactions may choose the same next number; one of them takes
    the one after."""
    core = make_core(pg_url)
    ana_here, ana_there = Chat(core, "ana", chat_id="dm"), Chat(core, "ana", chat_id="group")
    ana_here.say("/water 100ml")
    start = threading.Barrier(2)

    def log(chat: Chat) -> None:
        start.wait()
        for _ in range(15):
            assert "Logged" in chat.say("/water 250ml")

    threads = [threading.Thread(target=log, args=(c,)) for c in (ana_here, ana_there)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with core.services.db.unit_of_work() as session:
        numbers = sorted(session.scalars(select(Entry.number)))
    assert numbers == list(range(1, 32))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_migration_numbers_existing_entries_per_person_in_order(tmp_path, database) -> None:
    with contextlib.ExitStack() as stack:
        url = (
            f"sqlite:///{tmp_path / 'old.db'}"
            if database == "sqlite"
            else stack.enter_context(postgres_database())
        )
        db = Database(url)
        stack.callback(db.dispose)
        config = alembic_config(db.engine)
        command.upgrade(config, "0011_i18n")
        now = datetime(2026, 11, 25, 12, tzinfo=UTC)
        with db.engine.begin() as connection:
            for user in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO users (id, display_name, tz, units, encourage, created_at) "
                        "VALUES (:id, 'x', 'UTC', 'metric', :yes, :now)"
                    ),
                    {"id": user, "now": now, "yes": True},
                )
            rows = ((1, "2026-11-25", 1), (2, "2026-11-20", 2), (1, "2026-11-21", 3))
            for user, day, ml in rows:
                connection.execute(
                    text(
                        "INSERT INTO entries (user_id, kind, local_date, logged_at, volume_ml) "
                        "VALUES (:user, 'water', :day, :now, :ml)"
                    ),
                    {"user": user, "day": date.fromisoformat(day), "now": now, "ml": ml},
                )
        command.upgrade(config, "head")
        with db.engine.begin() as connection:
            found = connection.execute(text("SELECT user_id, volume_ml, number FROM entries"))
            assert sorted(found) == [(1, 1.0, 2), (1, 3.0, 1), (2, 2.0, 1)]


def test_recent_entries_for_a_picker_are_the_latest_live_ones(chat: Chat) -> None:
    for line in ("/run 5k 28:30", "/water 500ml", "/strength 30min", "/water 250ml"):
        chat.say(line)
    chat.say("/delete 2")
    with chat.core.services.db.engine.connect() as connection:
        user_id = connection.scalar(select(Entry.user_id))
        labels = entries.recent(connection, user_id, Units.METRIC, limit=2)
    assert [str(label) for label in labels] == [
        "#4 · Wed 25 Nov · water 250 ml",
        "#3 · Wed 25 Nov · strength 30 min",
    ]
