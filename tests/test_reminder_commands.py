"""Setting, listing and removing reminders, and the nudge options, as a person would."""

from sqlalchemy import func, select

from bot.interface import ChatKind
from bot.storage.models import NudgeState, OutboxMessage, Reminder
from tests.support import Chat


def reminder_count(core) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Reminder))


def test_the_three_examples_from_the_help_are_understood(chat):
    chat.say("/tz Europe/Berlin")  # 13:00 on Wednesday 25 November there
    assert chat.say("/remind water every 2h 09:00-21:00") == (
        "⏰ Reminder #1: water, every 2 h, 09:00–21:00, every day.\n"
        "Next: today 15:00.\n"
        "I send at most 4 nudges a day, so some of these will stay quiet."
    )
    assert "Reminder #2: run, Mon, Wed, Fri at 07:00.\nNext: Fri 27 Nov 07:00." in chat.say(
        "/remind run mon wed fri 07:00"
    )
    assert "Reminder #3: strength, Tue, Thu at 18:30.\nNext: tomorrow 18:30." in chat.say(
        "/remind strength tue thu 18:30"
    )
    listing = chat.say("/reminders")
    assert "#1 water — every 2 h, 09:00–21:00, every day · next today 15:00" in listing
    assert "#2 run — Mon, Wed, Fri at 07:00 · next Fri 27 Nov 07:00" in listing
    assert "#3 strength — Tue, Thu at 18:30 · next tomorrow 18:30" in listing
    assert "At most 4 nudges a day" in listing


def test_other_ways_of_saying_when(chat):
    assert "run, weekdays at 06:15" in chat.say("/remind run mon-fri 6:15am")
    assert "strength, weekends at 18:00" in chat.say("/remind strength weekends 6pm")
    assert "water, every 1 h 30 min, 10:00–16:00, Mon, Thu" in chat.say(
        "/remind water every 90 minutes 10:00 - 16:00 on mon, thu"
    )
    assert "run, every day at 19:00" in chat.say("/remind run every day at 19:00")


def test_a_person_in_utc_is_told_how_to_set_their_zone(chat):
    assert "set your time zone with /tz Europe/Berlin" in chat.say("/remind run 07:00")


def test_an_unknown_kind_gets_a_clear_error_and_nothing_is_stored(chat):
    reply = chat.say("/remind weigh-in 07:00")
    assert reply.startswith("I can remind you about run, strength or water. 'weigh-in' isn't")
    assert "/remind water every 2h 09:00-21:00" in reply
    assert reminder_count(chat.core) == 0


def test_mistakes_in_the_schedule_are_explained_with_an_example(chat):
    cases = {
        "/remind": "What should I remind you about",
        "/remind run": "Add a time",
        "/remind run mon wed": "Add a time",
        "/remind run 25:00": "25:00 isn't a time of day",
        "/remind run at seven": "I couldn't read 'seven'",
        "/remind water every 10m": "every 30 min to every 12 h",
        "/remind water every 2h 21:00-09:00": "start and end on the same day",
        "/remind water every 2h 07:00": "either a time or 'every …'",
        "/remind run 07:00 08:00": "One time per reminder",
        "/remind run 07:00 09:00-10:00": "A window goes with 'every …'",
        "/remind water every 2 parsecs": "I don't know the unit 'parsecs'",
    }
    for text, expected in cases.items():
        reply = chat.say(text)
        assert expected in reply, (text, reply)
        assert "/remind" in reply, (text, reply)  # every error shows a correct example
    assert reminder_count(chat.core) == 0


def test_the_same_reminder_twice_is_refused(chat):
    chat.say("/remind run mon 07:00")
    assert "You already have that one: reminder #1" in chat.say("/remind run monday 7:00")
    assert reminder_count(chat.core) == 1


def test_there_is_a_limit_per_person(make_core, sqlite_url):
    chat = Chat(make_core(sqlite_url, reminders={"max_per_person": 2}))
    chat.say("/remind run 07:00")
    chat.say("/remind run 08:00")
    assert "the most I keep per person" in chat.say("/remind run 09:00")
    assert reminder_count(chat.core) == 2


def test_remind_off_removes_it_and_its_waiting_nudges(chat, clock):
    chat.say("/remind run 12:30")
    clock.advance(minutes=30)
    from bot.reminders.tick import tick

    assert tick(chat.core.services).enqueued == 1  # a nudge waits in the outbox
    assert chat.say("/remind off 1") == "🗑 Reminder #1 (run, every day at 12:30) is off."
    assert reminder_count(chat.core) == 0
    with chat.core.services.db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert "You have no reminders yet" in chat.say("/reminders")


def test_someone_elses_reminder_cannot_be_removed_or_skipped(core):
    Chat(core, "ana").say("/remind run 07:00")
    ben = Chat(core, "ben")
    assert "You have no reminder #1" in ben.say("/remind off 1")
    assert "You have no reminder #1" in ben.say("/skip 1")
    assert "Which reminder?" in ben.say("/remind off run")
    assert reminder_count(core) == 1


def test_a_reminder_asked_in_a_group_waits_for_the_private_chat(core):
    """Where the bot may not write first, the group gets a button, not a reminder
    (tests/test_remind_from_groups.py follows the button)."""
    group = Chat(core, "ana", chat_id="g1", kind=ChatKind.GROUP)
    [reply] = group.replies("/remind run 07:00")
    assert "private chat" in reply.text
    assert [b.start is not None for b in reply.buttons] == [True]
    assert reminder_count(core) == 0


def test_changing_time_zone_moves_the_next_nudge(chat):
    chat.say("/remind run 07:00")
    assert "next tomorrow 07:00" in chat.say("/reminders")
    chat.say("/tz America/New_York")  # 07:00 there is 12:00 UTC
    with chat.core.services.db.unit_of_work() as s:
        moved = s.scalar(select(Reminder.next_fire_at))
    assert moved.isoformat() == "2026-11-26T12:00:00+00:00"
    assert "next tomorrow 07:00" in chat.say("/reminders")


def test_quiet_hours(chat):
    assert "No quiet hours set" in chat.say("/quiet")
    assert chat.say("/quiet 22:00-07:00") == "🌙 Quiet hours: 22:00–07:00. No nudges then."
    assert "Quiet hours: 22:00–07:00" in chat.say("/quiet")
    assert "Quiet hours 22:00–07:00" in chat.say("/reminders")
    assert "I couldn't read 'late' as two times" in chat.say("/quiet late")
    assert chat.say("/quiet off") == "🌙 Quiet hours are off."


def test_snooze_pause_and_resume(chat):
    chat.say("/tz Europe/Berlin")
    assert chat.say("/snooze 2h").startswith("😴 Snoozed until today 15:00.")
    assert chat.say("/snooze").startswith("😴 Snoozed until today 14:00.")  # an hour
    assert "Snoozes last up to 24 hours" in chat.say("/snooze 2d")
    assert "I couldn't read 'soon'" in chat.say("/snooze soon")
    assert chat.say("/pause 3d").startswith("⏸ Nudges paused until Sat 28 Nov 13:00.")
    assert "up to a year" in chat.say("/pause 2000d")
    status = chat.say("/reminders")
    assert "Snoozed until today 14:00 · paused until Sat 28 Nov 13:00." in status
    assert chat.say("/resume") == "▶️ Nudges are back on."
    assert chat.say("/resume") == "Nudges are already on."
    with chat.core.services.db.unit_of_work() as s:
        state = s.get(NudgeState, 1)
        assert state.snoozed_until is None and state.paused_until is None


def test_skip_today(chat):
    assert "no reminders to skip" in chat.say("/skip")
    chat.say("/remind water every 2h")
    chat.say("/remind run 18:00")
    assert "No more water nudges from reminder #1 today" in chat.say("/skip 1")
    assert "(skipped today)" in chat.say("/reminders")
    assert chat.say("/skip") == "⏭ No more nudges today. Back tomorrow."


def test_help_lists_the_reminder_commands(chat):
    text = chat.say("/help")
    for example in ("/remind water every 2h 09:00-21:00", "/reminders", "/quiet 22:00-07:00"):
        assert example in text
    assert "weekdays, weekends or daily" in chat.say("/help remind")
