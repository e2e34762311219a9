"""/pause and /resume as a person meets them: an open-ended pause, the history it leaves,
what /streak and /help say about the freeze, and the one kind check-in after two weeks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from bot.app import run_tick
from bot.context import SilentVoice
from bot.delivery.outbox import OutboxSender
from bot.interface import Destination, PlatformLimits, Reply
from bot.reminders.tick import tick
from bot.storage.db import Database, upgrade
from bot.storage.models import NudgeState, OutboxMessage, Pause
from tests.support import Chat, postgres_database
from tests.voice_lines import category_in, line_of

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Phone:
    """The platform side of an adapter: what it was asked to deliver."""

    platform = "console"
    pacing = PlatformLimits()
    open_dms_hint = None

    def __init__(self) -> None:
        self.sent: list[tuple[Destination, Reply]] = []

    async def send(self, destination: Destination, reply: Reply) -> None:
        self.sent.append((destination, reply))


def minute(core) -> list[tuple[Destination, Reply]]:  # type: ignore[no-untyped-def]
    """One whole tick, as `steady run` runs it each minute, and one outbox drain."""
    asyncio.run(run_tick(core.services))
    phone = Phone()
    asyncio.run(OutboxSender(core.services.db, core.services.clock, phone).drain_once())
    return phone.sent


def pauses(core) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with core.services.db.unit_of_work() as s:
        rows = s.execute(select(Pause.starts_on, Pause.ends_on).order_by(Pause.id)).all()
    return [(str(a), None if b is None else str(b)) for a, b in rows]


def test_pause_without_a_length_lasts_until_resume(chat, clock):
    chat.core.services.voice = SilentVoice()
    clock.set(MONDAY)
    chat.say("/remind run 12:30")
    reply = chat.say("/pause")
    assert reply.startswith("⏸ Nudges paused until you /resume, however long that is.")
    assert "frozen meanwhile (up to 30 days in any 90)" in reply
    assert "Paused until you /resume." in chat.say("/reminders")
    with chat.core.services.db.unit_of_work() as s:
        state = s.get(NudgeState, 1)
        assert state is not None and state.paused_open and state.paused_until is None
    for _ in range(20):  # three weeks of lunchtimes: no nudge
        clock.advance(days=1)
        clock.set(clock.now().replace(hour=12, minute=30))
        assert tick(chat.core.services).skipped["paused"] == 1
    assert chat.say("/resume") == "▶️ Nudges are back on."
    assert "Paused" not in chat.say("/reminders")
    clock.advance(days=1)
    assert tick(chat.core.services).enqueued == 1
    assert pauses(chat.core) == [("2026-11-23", "2026-12-13")]


def test_a_pause_while_paused_changes_it_and_keeps_its_first_day(chat, clock):
    clock.set(MONDAY)
    chat.say("/pause 3d")
    clock.advance(days=1)
    chat.say("/pause")  # longer than thought: until /resume now
    assert pauses(chat.core) == [("2026-11-23", None)]
    clock.advance(days=2)
    chat.say("/resume")
    assert pauses(chat.core) == [("2026-11-23", "2026-11-26")]
    assert chat.say("/resume") == "Nudges are already on."
    chat.say("/pause 2d")  # a new pause: the history keeps both
    assert pauses(chat.core) == [("2026-11-23", "2026-11-26"), ("2026-11-26", "2026-11-28")]


def test_a_pause_that_is_not_understood_changes_nothing(chat):
    reply = chat.say("/pause soon")
    assert "I couldn't read 'soon'" in reply and "/pause 30d" in reply
    assert "A pause lasts up to a year" in chat.say("/pause 400d")
    assert pauses(chat.core) == []
    assert chat.say("/resume") == "Nudges are already on."


def test_a_redelivered_pause_is_kept_once(chat):
    first = chat.say("/pause", message_id="m-1")
    assert chat.say("/pause", message_id="m-1") == first
    assert len(pauses(chat.core)) == 1


def test_help_pause_explains_the_freeze_and_its_cap(chat):
    shown = chat.say("/help pause")
    assert "until you /resume" in shown
    assert "after two weeks I check in once" in shown
    assert "neither count towards a streak nor break it, up to 30 days in any 90" in shown
    assert "Paused days past that stay quiet (no nudges) but count as normal days" in shown
    assert "up to 30 days in any 90" in chat.say("/help streak")


def test_a_pause_longer_than_the_cap_says_so(chat, clock):
    clock.set(MONDAY)
    reply = chat.say("/pause 6w")
    assert "Nudges stay off for all of it, but only 30 days in any 90 freeze your streak." in (
        reply
    )
    assert "only 30 days" not in chat.say("/pause 2w")
    assert "your streak is frozen until Mon 07 Dec 09:00." in chat.say("/streak")


def test_streak_says_when_a_long_pause_has_used_up_the_freeze(chat, clock):
    clock.set(MONDAY)
    for _ in range(5):
        chat.say("/run 3k")
        clock.advance(days=1)
    chat.say("/pause")  # Saturday 28 Nov
    clock.advance(days=20)
    shown = chat.say("/streak")
    assert "🔥 Current streak: 5 days (20 days frozen while paused)." in shown
    assert "your streak is frozen until you /resume" in shown
    clock.advance(days=15)  # 35 paused days: 28 Nov + 30 is 28 Dec
    shown = chat.say("/streak")
    assert "No streak running right now." in shown
    assert (
        "⏸ You're paused: no nudges, as asked. The freeze is used up (30 days in any 90), "
        "so since Mon 28 Dec paused days count as normal days."
    ) in shown
    assert "No streak running right now." in chat.say("/streak")
    chat.say("/resume")
    assert "You're paused" not in chat.say("/streak")


def test_the_streak_under_each_log_counts_frozen_days_as_streak_does(chat, clock):
    clock.set(MONDAY)
    chat.say("/water 500ml")
    clock.advance(days=1)
    chat.say("/water 500ml")
    clock.advance(days=1)
    chat.say("/pause 3d")  # Wednesday to Friday (four quiet days would be a comeback)
    clock.advance(days=3)
    reply = chat.say("/water 500ml")  # Saturday: the third day of the streak
    assert category_in(reply) == "streak_milestone" and "3" in line_of(reply)
    assert "Current streak: 3 days (3 days frozen while paused)." in chat.say("/streak")


def test_after_two_weeks_of_an_open_pause_one_kind_check_in(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    chat = Chat(core)
    clock.set(MONDAY)
    chat.say("/pause")
    clock.advance(days=13, hours=23, minutes=59)
    assert minute(core) == []
    clock.advance(minutes=1)
    [(to, check_in)] = minute(core)
    assert to == Destination("console", "chat-ana")
    assert "just checking in" in check_in.text and "that's fine" in check_in.text
    assert "whenever you feel like coming back" in check_in.text.lower()
    assert [(b.label, b.payload) for b in check_in.buttons] == [("▶️ I'm back", "/resume")]
    for _ in range(3):
        clock.advance(days=1)
        assert minute(core) == []
    again = make_core(any_db_url)  # a restart: the check-in was for this pause, once
    assert minute(again) == []
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert Chat(again).say(payload=check_in.buttons[0].payload) == "▶️ Nudges are back on."
    chat.say("/pause")  # another open pause gets its own, two weeks on
    clock.advance(days=14)
    [(_, second)] = minute(core)
    assert "just checking in" in second.text


def test_no_check_in_for_a_timed_pause_or_one_already_over(chat, clock):
    clock.set(MONDAY)
    chat.say("/pause 30d")
    clock.advance(days=15)
    assert minute(chat.core) == []
    chat.say("/resume")
    chat.say("/pause")
    clock.advance(days=3)
    chat.say("/resume")
    clock.advance(days=20)
    assert minute(chat.core) == []


def test_a_pause_running_at_the_upgrade_joins_the_history(tmp_path):
    """Before 0008 only `paused_until` was kept: a pause still running becomes a history
    row from the day of the upgrade; one that is over leaves none."""
    with postgres_database() as pg_url:
        for url in (f"sqlite:///{tmp_path / 'old.db'}", pg_url):
            _check_upgrade(url)


def _check_upgrade(url: str) -> None:
    db = Database(url)
    upgrade(db.engine, "0008_together")
    now = datetime.now(UTC)
    with db.engine.begin() as c:
        for user_id, until in ((1, now + timedelta(days=5)), (2, now - timedelta(days=1))):
            c.execute(
                text(
                    "INSERT INTO users (id, display_name, tz, units, encourage, created_at) "
                    "VALUES (:id, 'Ana', 'UTC', 'metric', true, :now)"
                ),
                {"id": user_id, "now": now.replace(tzinfo=None)},
            )
            c.execute(
                text("INSERT INTO nudge_state (user_id, paused_until) VALUES (:id, :until)"),
                {"id": user_id, "until": until.replace(tzinfo=None)},
            )
    upgrade(db.engine, "head")
    with db.unit_of_work() as s:
        [pause] = s.scalars(select(Pause)).all()
        assert pause.user_id == 1 and pause.ends_at is not None
        assert (pause.starts_on, pause.ends_on) == (now.date(), (now + timedelta(days=5)).date())
        assert s.get(NudgeState, 1).paused_open is False  # type: ignore[union-attr]
    db.dispose()


def test_a_pause_covers_the_days_from_its_first_up_to_the_one_it_ends_on(chat, clock):
    clock.set(MONDAY)  # 09:00
    chat.say("/pause 2h")  # over by 11:00: no day was paused
    clock.set(MONDAY.replace(hour=22))
    chat.say("/pause 12h")  # until Tuesday 10:00: Monday is paused
    assert pauses(chat.core) == [("2026-11-23", "2026-11-23"), ("2026-11-23", "2026-11-24")]
    clock.advance(days=2)
    chat.say("/pause")
    chat.say("/resume")  # the same day: nothing paused
    assert pauses(chat.core)[-1] == ("2026-11-25", "2026-11-25")
