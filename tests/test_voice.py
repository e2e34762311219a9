"""The shipped rules through the core, as a person sees them: the line under each log."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.interface import ChatKind
from tests.support import Chat
from tests.voice_lines import category_in, category_of, line_of

MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ORDINARY = {"patience", "consistency"}


def at(clock, when: datetime) -> None:
    clock.set(when)


def test_an_ordinary_log_gets_a_patience_or_consistency_line(chat, clock):
    chat.say("/water 500ml yesterday")
    reply = chat.say("/water 250ml")
    assert category_in(reply) in ORDINARY


def test_a_first_entry_ever_is_welcomed_once(chat):
    assert category_in(chat.say("/run 5k 30:00")) == "welcome"
    assert category_in(chat.say("/water 500ml")) != "welcome"
    chat.say("/undo")
    chat.say("/undo")
    assert category_in(chat.say("/water 500ml")) != "welcome"  # once ever, even after undo


def test_a_first_entry_after_four_quiet_days_gets_a_warm_way_back(chat, clock):
    chat.say("/water 500ml")
    clock.advance(days=5)  # four quiet days in between
    reply = chat.say("/run 3k 20:00")
    assert category_in(reply) == "comeback"
    assert category_in(chat.say("/water 250ml")) != "comeback"  # only the first entry back


def test_three_quiet_days_are_not_a_comeback(chat, clock):
    chat.say("/water 500ml")
    clock.advance(days=4)  # three quiet days
    assert category_in(chat.say("/water 500ml")) != "comeback"


def test_streak_milestones_are_celebrated_once_each(chat, clock):
    at(clock, MONDAY)
    celebrated = {}
    for day in range(1, 101):
        reply = chat.say("/water 500ml")
        if category_in(reply) == "streak_milestone":
            celebrated[day] = line_of(reply)
        clock.advance(days=1)
    assert sorted(celebrated) == [3, 7, 14, 30, 50, 100]
    assert all(str(day) in line for day, line in celebrated.items())
    clock.advance(days=3)  # the streak ends; a new one reaches 3 again
    replies = []
    for _ in range(3):
        replies.append(chat.say("/water 500ml"))
        clock.advance(days=1)
    assert all(category_in(r) != "streak_milestone" for r in replies)


def test_a_forgiven_rest_day_still_reaches_the_milestone(chat, clock):
    at(clock, MONDAY)
    for day in (0, 1, 2, 3, 5, 6):  # Mon-Thu, rest Fri, Sat: day 7 of the streak
        at(clock, MONDAY + timedelta(days=day))
        reply = chat.say("/water 500ml")
    assert category_in(reply) == "streak_milestone" and "7" in line_of(reply)


@pytest.mark.parametrize(
    ("units", "first", "better", "figure"),
    [
        ("metric", "/run 5k 30:00", "/run 8k 48:00", "8.00 km"),
        ("imperial", "/run 5k 30:00", "/run 8k 48:00", "4.97 mi"),
        ("metric", "/run 5k 30:00", "/run 5k 27:00", "5:24 /km"),
        ("imperial", "/run 10k 60:00", "/run 5k 27:00", "8:41 /mi"),
        ("metric", "/strength squats 3x10 40kg", "/strength squats 3x8 50kg", "50 kg"),
        ("imperial", "/strength lunges 3x10 20kg", "/strength lunges 3x10 25kg", "55 lb"),
    ],
)
def test_a_personal_record_is_named_with_its_figure(chat, units, first, better, figure):
    chat.say(f"/units {units}")
    chat.say(first)
    reply = chat.say(better)
    assert category_in(reply) == "record"
    assert figure in line_of(reply)


def test_no_record_without_an_earlier_mark_or_when_not_beaten(chat):
    chat.say("/water 500ml")
    assert category_in(chat.say("/run 5k 30:00")) != "record"  # first run: nothing beaten
    assert category_in(chat.say("/run 5k 31:00")) != "record"  # same distance, slower
    assert category_in(chat.say("/strength squats 3x10 40kg")) != "record"
    assert category_in(chat.say("/strength lunges 3x10 60kg")) != "record"  # other exercise
    assert category_in(chat.say("/strength squats 3x10 40kg")) != "record"  # equal isn't more


def test_the_third_run_of_a_week_without_strength_suggests_squats_or_lunges(chat, clock):
    at(clock, MONDAY)
    chat.say("/run 5k 30:00")
    assert category_in(chat.say("/run 5k 31:00")) != "strength_pairing"  # two runs
    at(clock, MONDAY + timedelta(days=3))
    reply = chat.say("/run 5k 32:00")
    assert category_in(reply) == "strength_pairing"
    assert "squat" in line_of(reply) or "lunge" in line_of(reply)
    assert category_in(chat.say("/run 5k 33:00")) != "strength_pairing"  # once a week


def test_runs_with_strength_in_the_week_get_no_strength_suggestion(chat, clock):
    at(clock, MONDAY)
    chat.say("/strength squats 3x10")
    chat.say("/run 5k 30:00")
    chat.say("/run 5k 31:00")
    at(clock, MONDAY + timedelta(days=3))
    assert category_in(chat.say("/run 5k 32:00")) != "strength_pairing"


def test_low_water_by_mid_afternoon_suggests_a_glass_once_a_day(chat, clock):
    chat.say("/tz Europe/Berlin")
    chat.say("/goal water 2l/day")
    at(clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    chat.say("/water 250ml")  # yesterday: not a first entry today
    at(clock, datetime(2026, 11, 25, 13, 30, tzinfo=UTC))  # 14:30 in Berlin: too early
    assert category_in(chat.say("/run 5k 30:00")) != "hydration"
    at(clock, datetime(2026, 11, 25, 14, 30, tzinfo=UTC))  # 15:30 in Berlin
    reply = chat.say("/strength lunges 3x10")
    assert category_in(reply) == "hydration"
    assert category_in(chat.say("/strength squats 3x10")) != "hydration"  # once a day


def test_water_at_half_the_goal_needs_no_reminder(chat, clock):
    chat.say("/goal water 2l/day")
    chat.say("/water 500ml yesterday")
    at(clock, datetime(2026, 11, 25, 16, 0, tzinfo=UTC))
    assert category_in(chat.say("/water 1l")) != "hydration"


def test_a_goal_reached_is_celebrated_once_per_period(chat, clock):
    at(clock, MONDAY)
    chat.say("/water 500ml")
    chat.say("/goal run 10km/week")
    assert category_in(chat.say("/run 6k 36:00")) != "goal_reached"
    assert category_in(chat.say("/run 5k 30:00")) == "goal_reached"
    assert category_in(chat.say("/run 2k 12:00")) != "goal_reached"  # same week: once
    at(clock, MONDAY + timedelta(days=3))
    assert category_in(chat.say("/run 2k 12:00")) != "goal_reached"
    at(clock, MONDAY + timedelta(days=7))
    assert category_in(chat.say("/run 6k 36:00")) != "goal_reached"
    assert category_in(chat.say("/run 5k 30:00")) == "goal_reached"  # a new week


def test_a_long_run_brings_a_word_on_food(chat):
    chat.say("/run 12k 70:00")  # first entry: welcome
    reply = chat.say("/run 10k 61:00")
    assert category_in(reply) == "food"


def test_back_after_one_rest_day(chat, clock):
    for day in range(4):  # Monday to Thursday, then Friday off
        at(clock, MONDAY + timedelta(days=day))
        chat.say("/water 500ml")
    at(clock, MONDAY + timedelta(days=5))
    assert category_in(chat.say("/water 500ml")) == "rest_day"


def test_the_first_entry_of_a_week_puts_things_in_perspective(chat, clock):
    at(clock, MONDAY - timedelta(days=1))
    chat.say("/water 500ml")
    at(clock, MONDAY)
    assert category_in(chat.say("/water 500ml")) in {"results_vary", "progress_not_perfection"}


def test_a_day_of_many_logs_hears_three_generic_lines_then_plain_replies(chat, clock):
    chat.core.services.voice.rng.seed(3)  # the same picks on every run
    at(clock, MONDAY + timedelta(days=1))
    chat.say("/water 250ml yesterday")
    replies = [chat.say("/water 250ml") for _ in range(12)]
    lines = [line_of(reply) for reply in replies]
    assert [category_of(line) in ORDINARY for line in lines] == [True] * 3 + [False] * 9
    assert lines[3:] == [None] * 9  # the factual confirmation alone
    assert all("250 ml" in reply.splitlines()[0] for reply in replies)
    assert len(set(lines[:3])) == 3
    at(clock, MONDAY + timedelta(days=2))  # a new local day: the voice speaks again
    assert category_in(chat.say("/water 250ml")) == "streak_milestone"  # a moment: 3 days
    assert category_in(chat.say("/water 250ml")) in ORDINARY


def test_encouragement_can_be_turned_off_and_on(chat):
    chat.say("/water 500ml yesterday")
    assert "Encouragement is on" in chat.say("/encourage")
    assert "Encouragement is off" in chat.say("/encourage off")
    assert line_of(chat.say("/water 500ml")) is None
    assert "Encouragement is off" in chat.say("/encourage")
    assert "Encouragement is on" in chat.say("/encourage ON")
    assert category_in(chat.say("/water 500ml")) in ORDINARY


def test_a_wrong_encourage_switch_explains_and_changes_nothing(chat):
    assert "/encourage on or /encourage off" in chat.say("/encourage sometimes")
    assert "Encouragement is on" in chat.say("/encourage")


def test_a_log_in_a_group_carries_a_line_too(core):
    group = Chat(core, "ana", chat_id="group-1", kind=ChatKind.GROUP)
    assert category_in(group.say("/run 5k 30:00")) == "welcome"


def test_the_voice_remembers_on_both_databases(make_core, any_db_url):
    chat = Chat(make_core(any_db_url))
    assert category_in(chat.say("/run 5k 30:00")) == "welcome"
    assert category_in(chat.say("/run 6k 36:00")) == "record"
    chat.say("/undo")
    chat.say("/undo")
    assert category_in(chat.say("/run 5k 30:00")) != "welcome"


def test_memory_kept_as_bare_ids_is_still_honoured(make_core, any_db_url, clock):
    """Rows written before times were kept hold bare ids: those lines stay among the last
    shown, and the row is written back in the new shape."""
    from sqlalchemy import insert, select, update

    from bot.storage.models import ShownMessages
    from tests.voice_lines import shipped_library

    chat = Chat(make_core(any_db_url))
    at(clock, MONDAY + timedelta(days=1))
    chat.say("/water 250ml yesterday")
    chat.say("/water 250ml")  # a generic line: its category's row exists now
    lines = [m for m in shipped_library().messages() if m.category in ORDINARY]
    old = {c: [m.id for m in lines if m.category == c][:10] for c in ORDINARY}
    db = chat.core.services.db
    with db.engine.begin() as connection:
        # Rows for the categories the log before spoke from; the other category gets one
        # too, so both hold bare ids whichever category the next line comes from.
        row = connection.execute(
            select(ShownMessages.audience, ShownMessages.user_id, ShownMessages.updated_at)
        ).first()
        assert row is not None
        audience, user_id, updated_at = row
        for category, ids in old.items():
            done = connection.execute(
                update(ShownMessages).where(ShownMessages.category == category).values(recent=ids)
            )
            if not done.rowcount:
                connection.execute(
                    insert(ShownMessages).values(
                        audience=audience,
                        user_id=user_id,
                        category=category,
                        recent=ids,
                        updated_at=updated_at,
                    )
                )
    texts = {m.text for m in lines if m.id in old[m.category]}
    said = line_of(chat.say("/water 250ml"))
    assert said is not None and said not in texts  # none of the last ten, though no times
    with db.engine.connect() as connection:
        rows = connection.execute(select(ShownMessages.recent)).scalars().all()
    assert any(isinstance(item, list) and len(item) == 3 for row in rows for item in row)


# --- digests, as the challenges call them (nudges: tests/test_nudge_lines.py) ----------


def test_a_group_line_names_the_group_and_does_not_repeat_soon(core):
    voice = core.services.voice
    facts = {
        "group": "Morning Crew",
        "group_key": "telegram:-1",
        "members": 5,
        "moved_today": 3,
        "days_left": 4,
    }
    lines = []
    with core.services.db.unit_of_work() as session:
        for _ in range(6):
            lines.append(voice.group_line(session, facts))
    assert all(category_of(line) == "group_cheer" for line in lines)
    assert len(set(lines)) == 6  # none repeated among the last ones
    assert all("{" not in line for line in lines)
    assert not any("shout-out" in line for line in lines)  # no most_consistent given
    assert any("Morning Crew" in line for line in lines)
