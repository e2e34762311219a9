"""Logging and looking back, through the core as a user would."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.storage.models import Entry
from tests.support import Chat


def entry_count(core) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Entry).where(Entry.deleted_at.is_(None)))


def test_a_run_reply_shows_what_was_logged_totals_and_pace(chat):
    reply = chat.say("/run 5k 28:30")
    assert "run 5.00 km in 28:30 (5:42 /km)" in reply
    assert "Today: 5.00 km" in reply and "this week: 5.00 km" in reply
    reply = chat.say("/run 3.1mi 31min easy")
    assert "— easy" in reply
    assert "Today: 9.99 km" in reply


def test_goal_progress_appears_in_log_replies(chat):
    chat.say("/goal run 15km/week")
    assert "run goal: 5.00 km of 15.00 km a week (33%)" in chat.say("/run 5k 28:30")


def test_water_goal_reached(chat):
    chat.say("/goal water 1l/day")
    chat.say("/water 500ml")
    assert "water goal: 1 l of 1 l a day (100%) ✓" in chat.say("/water 2 glasses")


def test_water_reply_offers_quick_log_buttons_that_log(chat):
    [reply] = chat.replies("/water 500ml")
    assert [b.payload for b in reply.buttons] == ["/water 250ml", "/water 500ml"]
    assert "Today: 750 ml" in chat.say(payload=reply.buttons[0].payload)


def test_plain_text_in_private_chat_logs(chat):
    assert "run 5.00 km in 28:00" in chat.say("ran 5k in 28 min")
    assert "water 500 ml" in chat.say("drank half a litre")
    assert "squats 3x10" in chat.say("did 3x10 squats")
    assert entry_count(chat.core) == 3


def test_chatter_gets_a_hint_and_logs_nothing(chat):
    assert "/help" in chat.say("how are you?")
    assert entry_count(chat.core) == 0


def test_yesterday_and_dates_log_to_that_local_day(chat):
    assert "for Tue 24 Nov" in chat.say("/run 5k 28:30 yesterday")
    assert "for Fri 20 Nov" in chat.say("/water 1l 2026-11-20")
    assert "Nothing logged yet today" in chat.say("/today")


def test_entries_belong_to_the_local_day(chat, clock):
    chat.say("/tz America/Los_Angeles")
    clock.set(clock.now().replace(hour=7, minute=30))  # 23:30 the day before in Los Angeles
    assert "Logged run" in chat.say("/run 5k 30:00")
    assert "Tue 24 Nov" in chat.say("/history")


def test_undo_removes_the_last_entry_and_says_what(chat):
    chat.say("/run 5k 28:30")
    chat.say("/water 500ml")
    assert "Removed water 500 ml" in chat.say("/undo")
    assert "Removed run 5.00 km" in chat.say("/undo")
    assert "nothing to undo" in chat.say("/undo")


def test_today_week_history(chat, clock):
    chat.say("/run 5k 28:30")
    clock.advance(days=1)
    chat.say("/strength squats 3x10 40kg")
    chat.say("/water 2l")
    today = chat.say("/today")
    assert "squats 3x10 @ 40 kg" in today and "run" not in today
    week = chat.say("/week")
    assert "run: 5.00 km in 1 run\n" in week and "strength: 1 session" in week
    assert "○○●●···" in week
    history = chat.say("/history 2")
    assert "last 2 entries" in history and "water 2 l" in history and "run" not in history
    assert "from 1 to 50" in chat.say("/history 500")


def test_streak_forgives_one_rest_day(chat, clock):
    for day in (0, 1, 3, 4):  # Wed, Thu, (rest Fri), Sat, Sun
        clock.set(clock.now().replace(day=25) + timedelta(days=day))
        chat.say("/water 500ml")
    assert "Current streak: 5 days" in chat.say("/streak")
    clock.advance(days=3)
    assert "No streak running" in chat.say("/streak")


def test_stats_totals(chat):
    chat.say("/run 5k 28:30 2026-10-30")
    chat.say("/run 10k 55:00")
    assert "Runs: 1 run · 10.00 km" in chat.say("/stats week")
    assert "Runs: 2 runs · 15.00 km" in chat.say("/stats all")


def test_units_change_every_figure(chat):
    chat.say("/units imperial")
    reply = chat.say("/run 5k 28:30")
    assert "3.11 mi" in reply and "/mi" in reply
    assert "17 fl oz" in chat.say("/water 500ml")
    assert "choose /units metric or /units imperial".lower() in chat.say("/units furlongs").lower()


def test_time_zone_errors_suggest(chat):
    assert "Europe/Berlin" in chat.say("/tz Berln")
    assert "Time zone set to Europe/Berlin" in chat.say("/tz europe/berlin")
    assert "Your time zone is Europe/Berlin" in chat.say("/tz")


def test_goals_list_and_clear(chat):
    assert "no goals yet" in chat.say("/goals")
    chat.say("/goal run 15km/week")
    chat.say("/goal strength 3/week")
    chat.say("/strength 30min")
    goals = chat.say("/goals")
    assert "strength goal: 1 session of 3 sessions a week (33%)" in goals
    assert "cleared" in chat.say("/goal run off")
    assert "run goal" not in chat.say("/goals")


@pytest.mark.parametrize(
    "text",
    [
        "/run banana",
        "/water -3l",
        "/run 900km",
        "/water 40l",
        "/run 5k 28:30 2030-01-01",
        "/run 5k 28:30 " + "n" * 10_000,
        "/goal run lots",
        "/strength",
    ],
)
def test_bad_input_gets_a_friendly_error_with_an_example_and_changes_nothing(chat, text):
    reply = chat.say(text)
    assert "/" in reply or "date" in reply  # every error shows a correct example or says why
    assert "Traceback" not in reply
    assert entry_count(chat.core) == 0


def test_sql_and_markup_in_notes_are_kept_as_text(chat):
    chat.say("/run 5k 28:30 '); DROP TABLE entries; -- <b>hi</b>")
    assert "DROP TABLE entries; -- <b>hi</b>" in chat.say("/history")
    assert entry_count(chat.core) == 1


def test_unknown_commands_suggest(chat):
    assert "Did you mean /run?" in chat.say("/rnu 5k")
    assert "/help" in chat.say("/frobnicate")


def test_help_lists_every_command_with_an_example(chat):
    text = chat.say("/help")
    for command in chat.core.registry:
        assert command.examples[0] in text
    assert "one day off in any 7" in text
    assert "Examples: /run 5k 28:30" in chat.say("/help run")


def test_people_are_kept_apart(core):
    ana, ben = Chat(core, "ana"), Chat(core, "ben")
    ana.say("/run 5k 28:30")
    assert "Nothing logged yet today" in ben.say("/today")
    assert "run 5.00 km" in ana.say("/today")


def test_an_internal_error_apologises_and_logs_context(chat, monkeypatch, caplog):
    from bot.commands import log as log_commands

    def broken(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(log_commands, "store", broken)
    reply = chat.say("/run 5k 28:30")
    assert "Sorry" in reply and "disk on fire" not in reply
    assert "error handling /run from console user ana" in caplog.text
    assert entry_count(chat.core) == 0
