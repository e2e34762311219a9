"""Nudges as a person receives them: on time, in their zone, with buttons that work; never
twice, never when they make no sense, never a flood after downtime."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from bot.context import SilentVoice
from bot.delivery.outbox import OutboxSender
from bot.interface import Destination, PlatformLimits, Reply, Unreachable
from bot.reminders import tick as dispatch
from bot.reminders.scheduling import ScheduleError
from bot.reminders.tick import tick
from bot.storage.models import Account, OutboxMessage, Reminder, User
from tests.support import Chat


@pytest.fixture(autouse=True)
def plain_voice(core):
    """These tests read a nudge's own text; the voice's lines have their tests in test_voice."""
    core.services.voice = SilentVoice()


class Phone:
    """The platform side of an adapter: what it was asked to deliver."""

    platform = "console"
    pacing = PlatformLimits()  # unpaced
    open_dms_hint = None

    def __init__(self, failures=()) -> None:
        self.sent: list[tuple[Destination, Reply]] = []
        self.failures = list(failures)

    async def send(self, destination: Destination, reply: Reply) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((destination, reply))


def minute(core, phone: Phone | None = None) -> list[Reply]:
    """One tick and one outbox drain: the nudges that reached the person this minute."""
    phone = phone or Phone()
    tick(core.services)
    sender = OutboxSender(core.services.db, core.services.clock, phone)
    asyncio.run(sender.drain_once())
    return [reply for _, reply in phone.sent]


def at(clock, when: str) -> None:
    clock.set(datetime.fromisoformat(when).replace(tzinfo=UTC))


def outbox_rows(core) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_nudge_comes_on_time_to_the_private_chat_with_its_buttons(chat, clock):
    chat.say("/remind run 12:30")
    clock.advance(minutes=29)
    assert minute(chat.core) == []
    clock.advance(minutes=1)
    phone = Phone()
    [nudge] = minute(chat.core, phone)
    assert phone.sent[0][0] == Destination("console", "chat-ana")
    assert nudge.text == "🏃 **Time for your run** · 12:30"
    assert [(b.label, b.payload) for b in nudge.buttons] == [
        ("✅ How to log it", "/help run"),
        ("⏰ Snooze 1 h", "/snooze 1h"),
        ("⏭ Skip today", "/skip 1"),
    ]
    assert all(len(b.payload.encode()) <= 64 for b in nudge.buttons)


def test_the_same_fire_is_never_nudged_twice(make_core, any_db_url, clock):
    chat = Chat(make_core(any_db_url))
    chat.say("/remind water every 2h 09:00-21:00")
    at(clock, "2026-11-25 13:00")
    assert len(minute(chat.core)) == 1
    assert minute(chat.core) == []  # the same minute again
    # Even if the reminder is put back to that fire time, the outbox key holds.
    with chat.core.services.db.unit_of_work() as s:
        s.execute(update(Reminder).values(next_fire_at=clock.now()))
    assert minute(chat.core) == []
    assert outbox_rows(chat.core) == 1
    at(clock, "2026-11-25 15:00")
    assert len(minute(chat.core)) == 1


def test_nudges_follow_the_persons_time_zone(chat, clock):
    chat.say("/tz America/New_York")
    chat.say("/remind run 07:00")
    at(clock, "2026-11-26 07:00")
    assert minute(chat.core) == []
    at(clock, "2026-11-26 12:00")  # 07:00 in New York
    [nudge] = minute(chat.core)
    assert "· 07:00" in nudge.text


def test_no_run_nudge_once_the_run_is_logged(chat, clock):
    chat.say("/remind run 18:00")
    chat.say("/run 5k 28:30")
    at(clock, "2026-11-25 18:00")
    assert minute(chat.core) == []
    at(clock, "2026-11-26 18:00")
    [nudge] = minute(chat.core)
    assert "This week so far: 5.00 km" in nudge.text
    log_button = nudge.buttons[0]
    assert (log_button.label, log_button.payload) == ("✅ Log 5.00 km", "/run 5km")
    assert "Logged run 5.00 km" in chat.say(payload=log_button.payload)


def test_no_strength_nudge_once_a_session_is_logged(chat, clock):
    chat.say("/remind strength tue thu 18:30")
    chat.say("/strength squats 3x10 40kg")
    at(clock, "2026-11-26 10:00")  # Thursday
    chat.say("/strength lunges 3x12")
    at(clock, "2026-11-26 18:30")
    assert minute(chat.core) == []
    at(clock, "2026-12-01 18:30")  # Tuesday
    [nudge] = minute(chat.core)
    assert nudge.buttons[0].payload == "/strength lunges 3x12"


def test_water_nudges_stop_while_on_pace_for_the_goal(make_core, sqlite_url, clock):
    chat = Chat(make_core(sqlite_url, reminders={"daily_cap": 10}))
    chat.core.services.voice = SilentVoice()
    chat.say("/goal water 2l/day")
    chat.say("/remind water every 2h 09:00-21:00")  # 7 nudges: 2 l spread over them
    chat.say("/water 1l")
    at(clock, "2026-11-25 13:00")  # due by the 13:00 nudge: 3/7 of 2 l = 857 ml
    assert minute(chat.core) == []
    at(clock, "2026-11-25 15:00")  # due by now: 4/7 = 1143 ml
    [nudge] = minute(chat.core)
    assert nudge.text == ("💧 **Time for some water** · 15:00\nwater goal: 1 l of 2 l a day (50%)")
    assert (nudge.buttons[0].label, nudge.buttons[0].payload) == ("✅ +250 ml", "/water 250ml")
    chat.say(payload=nudge.buttons[0].payload)
    chat.say("/water 750ml")  # goal met
    at(clock, "2026-11-25 17:00")
    assert minute(chat.core) == []
    at(clock, "2026-11-26 09:00")  # a new day: nothing drunk yet
    assert len(minute(chat.core)) == 1


def test_water_without_a_goal_is_always_nudged(chat, clock):
    chat.say("/remind water every 2h 09:00-21:00")
    chat.say("/water 2l")
    at(clock, "2026-11-25 13:00")
    [nudge] = minute(chat.core)
    assert nudge.text == "💧 **Time for some water** · 13:00\nToday so far: 2 l"


def test_quiet_hours_keep_nudges_away(chat, clock):
    chat.say("/quiet 22:00-07:00")
    chat.say("/remind run 06:30")
    chat.say("/remind strength 07:00")
    at(clock, "2026-11-26 06:30")
    assert minute(chat.core) == []
    at(clock, "2026-11-26 07:00")
    [nudge] = minute(chat.core)
    assert "strength" in nudge.text


def test_snooze_brings_the_nudge_back_when_it_ends(chat, clock):
    chat.say("/remind run 13:00")
    at(clock, "2026-11-25 12:10")
    chat.say(payload="/snooze 1h")  # until 13:10
    at(clock, "2026-11-25 13:00")
    assert minute(chat.core) == []
    at(clock, "2026-11-25 13:10")
    [nudge] = minute(chat.core)
    assert nudge.text == "🏃 **Time for your run** · 13:10"
    at(clock, "2026-11-26 13:00")
    assert len(minute(chat.core)) == 1  # and the regular time again the next day


def test_a_snooze_past_the_end_of_the_day_drops_that_nudge(chat, clock):
    chat.say("/remind run 23:30")
    at(clock, "2026-11-25 23:00")
    chat.say("/snooze 2h")
    at(clock, "2026-11-25 23:30")
    assert minute(chat.core) == []
    at(clock, "2026-11-26 01:00")
    assert minute(chat.core) == []
    at(clock, "2026-11-26 23:30")
    assert len(minute(chat.core)) == 1


def test_pause_silences_nudges_for_days_and_resume_ends_it(chat, clock):
    chat.say("/remind run 12:30")
    chat.say("/pause 3d")  # until Saturday 12:00
    for day in ("25", "26", "27"):
        at(clock, f"2026-11-{day} 12:30")
        assert minute(chat.core) == [], day
    at(clock, "2026-11-28 12:30")
    assert len(minute(chat.core)) == 1
    chat.say("/pause 2d")
    chat.say("/resume")
    at(clock, "2026-11-29 12:30")
    assert len(minute(chat.core)) == 1


def test_skip_today_from_the_nudge(make_core, sqlite_url, clock):
    chat = Chat(make_core(sqlite_url, reminders={"daily_cap": 20}))
    chat.say("/remind water every 1h 09:00-21:00")
    at(clock, "2026-11-25 13:00")
    [nudge] = minute(chat.core)
    assert "No more water nudges" in chat.say(payload=nudge.buttons[2].payload)
    for hour in range(14, 22):
        at(clock, f"2026-11-25 {hour}:00")
        assert minute(chat.core) == [], hour
    at(clock, "2026-11-26 09:00")
    assert len(minute(chat.core)) == 1


def test_the_daily_cap_counts_every_reminder(make_core, any_db_url, clock):
    chat = Chat(make_core(any_db_url))  # the default cap: 4 a day
    chat.say("/remind water every 1h 09:00-21:00")
    chat.say("/remind run 20:30")
    got = []
    for hour in range(13, 22):
        at(clock, f"2026-11-25 {hour}:00")
        got += minute(chat.core)
        at(clock, f"2026-11-25 {hour}:30")
        got += minute(chat.core)
    assert len(got) == 4
    assert all("water" in n.text for n in got)  # the run at 20:30 came after the cap
    at(clock, "2026-11-26 09:00")
    assert len(minute(chat.core)) == 1  # a new day, a new count


def test_the_cap_is_a_setting(make_core, sqlite_url, clock):
    chat = Chat(make_core(sqlite_url, reminders={"daily_cap": 2}))
    chat.say("/remind water every 1h 09:00-21:00")
    got = []
    for hour in range(13, 18):
        at(clock, f"2026-11-25 {hour}:00")
        got += minute(chat.core)
    assert len(got) == 2


def test_after_downtime_one_catch_up_within_the_grace_window(make_core, sqlite_url, clock):
    chat = Chat(make_core(sqlite_url, reminders={"daily_cap": 20}))
    chat.say("/remind water every 1h 09:00-21:00")
    at(clock, "2026-11-25 17:10")  # down since 12:00: 13:00 … 17:00 were missed
    [nudge] = minute(chat.core)
    assert "· 17:00" in nudge.text
    assert minute(chat.core) == []
    with chat.core.services.db.unit_of_work() as s:
        assert s.scalar(select(Reminder.next_fire_at)).isoformat() == "2026-11-25T18:00:00+00:00"


def test_fires_older_than_the_grace_window_are_dropped(make_core, sqlite_url, clock):
    chat = Chat(make_core(sqlite_url))
    chat.say("/remind run 07:00")
    at(clock, "2026-11-26 07:40")  # 40 minutes late; grace is 30
    assert minute(chat.core) == []
    at(clock, "2026-11-27 07:00")
    assert len(minute(chat.core)) == 1


def test_the_grace_window_is_a_setting(make_core, sqlite_url, clock):
    chat = Chat(make_core(sqlite_url, reminders={"grace_minutes": 90}))
    chat.say("/remind run 07:00")
    at(clock, "2026-11-26 08:20")
    [nudge] = minute(chat.core)
    assert "· 07:00" in nudge.text


def test_a_person_who_blocked_the_bot_is_not_nudged_until_they_write(chat, clock):
    chat.say("/remind run 12:30")
    at(clock, "2026-11-25 12:30")
    assert minute(chat.core, Phone([Unreachable()])) == []
    with chat.core.services.db.unit_of_work() as s:
        assert s.scalar(select(Account.unreachable)) is True
    at(clock, "2026-11-26 12:30")
    assert minute(chat.core) == []
    assert outbox_rows(chat.core) == 1  # the failed one; nothing new was queued
    chat.say("/today")
    at(clock, "2026-11-27 12:30")
    assert len(minute(chat.core)) == 1


class Cheerful:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def nudge_lines(self, session, asks, now):
        self.asked += [(ask.name, ask.kind.value) for ask in asks]
        return ["Small steps, often." for _ in asks]

    def after_log(self, ctx, entry):
        return None

    def group_line(self, session, facts):
        return None


class Broken(Cheerful):
    def nudge_lines(self, session, asks, now):
        raise RuntimeError("the rules engine tripped")


def test_the_voice_adds_its_line_in_italics(chat, clock):
    voice = Cheerful()
    chat.core.services.voice = voice
    chat.say("/remind run 12:30")
    at(clock, "2026-11-25 12:30")
    [nudge] = minute(chat.core)
    assert nudge.text == "🏃 **Time for your run** · 12:30\n_Small steps, often._"
    assert voice.asked == [("Ana", "run")]


def test_a_failing_voice_does_not_stop_the_nudge(chat, clock, caplog):
    chat.core.services.voice = Broken()
    chat.say("/remind run 12:30")
    at(clock, "2026-11-25 12:30")
    [nudge] = minute(chat.core)
    assert nudge.text == "🏃 **Time for your run** · 12:30"
    assert "the voice failed" in caplog.text


def test_a_schedule_that_cannot_be_worked_out_waits_a_day(chat, clock, monkeypatch):
    chat.say("/remind run 12:30")
    chat.say("/remind water every 2h 09:00-21:00")

    def broken(schedule, zone, after):
        if schedule.at is not None:
            raise ScheduleError("a trigger misbehaved")
        return real(schedule, zone, after)

    real = dispatch.next_fire
    monkeypatch.setattr(dispatch, "next_fire", broken)
    at(clock, "2026-11-25 13:00")
    [nudge] = minute(chat.core)  # the other reminder still goes out
    assert "water" in nudge.text
    with chat.core.services.db.unit_of_work() as s:
        run = s.get(Reminder, 1)
        assert run.next_fire_at.isoformat() == "2026-11-26T13:00:00+00:00"


@pytest.mark.parametrize("units", ["metric", "imperial"])
def test_log_buttons_fit_telegrams_limit(chat, clock, units):
    chat.say(f"/units {units}")
    chat.say("/remind strength 18:00")
    chat.say("/strength squats 3x10 40kg yesterday")
    at(clock, "2026-11-25 18:00")
    [nudge] = minute(chat.core)
    assert nudge.buttons[0].payload.startswith("/strength squats 3x10 ")
    assert "Logged squats 3x10" in chat.say(payload=nudge.buttons[0].payload)
    # Too long to repeat in 64 bytes: the button shows how to log instead.
    chat.say("/strength bulgarian split squats with long names 12x15 60kg 45min")
    at(clock, "2026-11-26 18:00")
    [nudge] = minute(chat.core)
    assert nudge.buttons[0].payload == "/help strength"
    assert all(len(b.payload.encode()) <= 64 for b in nudge.buttons)


def test_a_broken_time_zone_on_one_person_does_not_stop_the_others(core, clock):
    ana, ben = Chat(core, "ana"), Chat(core, "ben")
    ana.say("/remind run 12:30")
    ben.say("/remind run 12:30")
    with core.services.db.unit_of_work() as s:
        s.execute(update(User).where(User.display_name == "Ana").values(tz="Mars/Olympus"))
    at(clock, "2026-11-25 12:30")
    phone = Phone()
    assert len(minute(core, phone)) == 1
    assert phone.sent[0][0].chat_id == "chat-ben"


def test_a_tick_works_through_all_due_reminders_in_batches(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    for name in ("ana", "ben", "cy", "dee", "eve"):
        Chat(core, name).say("/remind run 12:30")
    at(clock, "2026-11-25 12:30")
    report = tick(core.services, batch=2)
    assert (report.claimed, report.enqueued) == (5, 5)
    assert tick(core.services, batch=2).claimed == 0
    assert outbox_rows(core) == 5
