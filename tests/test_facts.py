"""Facts: the streak read from recent days matches the whole history; facts from the database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import Kind, Units
from bot.progress.stats import active_dates, progress_of, streaks
from bot.storage.models import Entry, User
from bot.voice import facts
from bot.voice.encouragement import PLACEHOLDERS, placeholders_for
from bot.voice.facts import NEVER, Scope, _current_streak

TODAY = date(2026, 11, 25)


def days_from(offsets: set[int]) -> list[date]:
    return sorted(TODAY - timedelta(days=o) for o in offsets)


# Histories like real ones: stretches of daily activity (some long), separated by a lone
# rest day or by longer breaks.
def history(first: int, stretches: list[tuple[int, int]]) -> set[int]:
    offsets, at = set(), first
    for length, gap in stretches:
        offsets.update(range(at, at + length))
        at += length + gap - 1
    return offsets or {first}


histories = st.builds(
    history,
    st.integers(min_value=0, max_value=3),
    st.lists(
        st.tuples(
            st.one_of(
                st.integers(min_value=1, max_value=7), st.integers(min_value=8, max_value=40)
            ),
            st.sampled_from([2, 2, 2, 3, 4, 8]),
        ),
        max_size=16,
    ),
)


@settings(max_examples=1000, deadline=None)
@given(offsets=histories, window=st.integers(min_value=1, max_value=80))
def test_recent_days_give_the_whole_historys_streak_or_say_they_cannot(offsets, window):
    days = days_from(offsets)
    recent = days[-window:]
    found = _current_streak(recent, TODAY, complete=len(recent) == len(days))
    if found is not None:
        assert found == streaks(days, TODAY)[0].length


def test_every_history_of_thirteen_days_and_every_window_agrees_with_the_whole():
    """Whether a one-day gap is forgiven depends on chains of gaps; checking every history
    of 13 days against every window covers those chains exhaustively."""
    span, settled = 13, 0
    for mask in range(1, 1 << span):
        days = [TODAY - timedelta(days=o) for o in reversed(range(span)) if mask >> o & 1]
        whole = streaks(days, TODAY)[0].length
        for window in range(1, len(days)):
            found = _current_streak(days[-window:], TODAY, complete=False)
            if found is not None:
                assert found == whole, (days, window)
                settled += 1
    assert settled > 15000  # most windows settle it: the whole history is rarely read


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        ({0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, 3),  # a two-day hole settles it
        # a lone rest day (6 days ago) with a week of activity before it, then a second rest
        # day too soon after it (3 days ago): the streak restarted two days ago, for certain
        ({0, 1, 2, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 3),
        ({3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 0),  # two days without: none
    ],
)
def test_common_histories_are_settled_by_their_recent_days(offsets, expected):
    days = days_from(offsets)
    assert streaks(days, TODAY)[0].length == expected
    assert _current_streak(days[-13:], TODAY, complete=False) == expected


def test_a_streak_that_began_before_the_recent_days_is_not_settled_by_them():
    days = days_from({0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})  # a lone rest day
    assert _current_streak(days[-13:], TODAY, complete=False) is None


def test_an_unbroken_run_as_long_as_the_window_is_not_settled():
    days = days_from(set(range(10)))
    assert _current_streak(days[-8:], TODAY, complete=False) is None


# --- from the database ----------------------------------------------------------------------


@pytest.fixture
def db(core):
    return core.services.db


def add_user(session, name="Ana", tz="UTC") -> User:
    user = User(display_name=name, tz=tz, units="metric", encourage=True, created_at=NOW)
    session.add(user)
    session.flush()
    return user


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def add(session, user, day: date, kind="water", **values) -> Entry:
    entry = Entry(user_id=user.id, kind=kind, local_date=day, logged_at=NOW, **values)
    if kind == "water":
        entry.volume_ml = values.get("volume_ml", 250.0)
    session.add(entry)
    session.flush()
    return entry


def log_facts(session, user, entry):
    progress = progress_of(session, user.id, TODAY)
    return facts.for_log(
        session, user, entry, NOW, progress, milestones=(3, 7, 14, 30, 50, 100), glass_ml=250.0
    )


@pytest.mark.parametrize(
    "offsets",
    [
        set(range(1, 150)),  # 150 days unbroken: more than the recent window
        {o for o in range(1, 150) if o % 8 != 0},  # a rest day every eight
        {o for o in range(1, 150) if o % 6 != 0},  # rest days too close: streaks end
        {o for o in range(1, 120) if o % 2 == 0},  # every other day
    ],
)
def test_the_streak_after_a_log_matches_the_whole_history(db, offsets):
    with db.unit_of_work() as session:
        user = add_user(session)
        for day in days_from(offsets):
            add(session, user, day)
            add(session, user, day, "run", distance_m=5000.0)
        before = streaks(active_dates(session, user.id), TODAY)[0].length
        entry = add(session, user, TODAY)
        after = streaks(active_dates(session, user.id), TODAY)[0].length
        f = log_facts(session, user, entry)
    assert (f["streak_before"], f["streak"]) == (before, after)


def test_facts_after_a_comeback(db):
    with db.unit_of_work() as session:
        user = add_user(session)
        add(session, user, TODAY - timedelta(days=9), "run", distance_m=8000.0, duration_s=2880.0)
        add(session, user, TODAY - timedelta(days=6))
        entry = add(session, user, TODAY, "run", distance_m=8500.0, duration_s=3000.0)
        f = log_facts(session, user, entry)
    assert f["quiet_days"] == 5 and f["first_entry"] is False
    assert (f["days_since_run"], f["days_since_water"], f["days_since_strength"]) == (9, 6, NEVER)
    assert f["new_record"] == "longest_run" and f["record_value"] == 8.5
    assert f["record_before"] == 8.0
    assert f["amount"] == 8.5 and f["minutes"] == 50.0 and f["streak"] == 1


def test_facts_of_a_first_entry_and_deleted_entries_not_counting(db):
    with db.unit_of_work() as session:
        user = add_user(session)
        gone = add(session, user, TODAY - timedelta(days=1))
        gone.deleted_at = NOW
        entry = add(session, user, TODAY, "strength", exercise="squats", weight_kg=40.0)
        f = log_facts(session, user, entry)
    assert f["first_entry"] is True and f["quiet_days"] == 0 and f["new_record"] == ""
    assert f["today_strength_count"] == 1 and f["week_count"] == 1


def test_a_backdated_entry_that_bridges_a_gap_counts_in_the_streak(db):
    with db.unit_of_work() as session:
        user = add_user(session)
        for o in (0, 2, 3, 4):
            add(session, user, TODAY - timedelta(days=o))
        entry = add(session, user, TODAY - timedelta(days=1))
        f = log_facts(session, user, entry)
    assert f["backdated"] is True
    assert (f["streak_before"], f["streak"]) == (5, 5)


def test_goal_facts_name_the_period(db):
    from bot.storage.models import Goal

    with db.unit_of_work() as session:
        user = add_user(session)
        session.add(Goal(user_id=user.id, kind="run", period="week", amount=10000.0))
        session.add(Goal(user_id=user.id, kind="water", period="week", amount=14000.0))
        add(session, user, TODAY - timedelta(days=1), "run", distance_m=6000.0)
        entry = add(session, user, TODAY, "run", distance_m=5000.0)
        f = log_facts(session, user, entry)
    assert f["has_goal"] is True and f["goal_percent"] == 110.0
    assert f["goal_key"] == "run/week/2026-11-23" and f["goal_amount"] == 10.0
    assert f["water_goal_ml"] == 2000.0
    assert f["week_run_km"] == 11.0 and f["today_run_count"] == 1


def ask_for(session, user, kind=Kind.RUN, now=NOW) -> facts.NudgeAsk:
    """What the dispatcher hands the voice for a nudge at `now`."""
    local = now.astimezone(ZoneInfo(user.tz))
    progress = progress_of(session, user.id, local.date())
    return facts.NudgeAsk(
        user_id=user.id,
        name=user.display_name,
        units=user.units,
        encourage=user.encourage,
        kind=kind,
        local=local,
        day=progress.day,
        week=progress.week,
        goals=progress.goals,
    )


def test_nudge_facts(db):
    with db.unit_of_work() as session:
        user = add_user(session, tz="America/New_York")
        for o in (5, 6, 7):
            add(session, user, TODAY - timedelta(days=o))
        [f] = facts.for_nudges(session, [ask_for(session, user)], glass_ml=250)
    assert f["quiet_days"] == 4 and f["hour"] == 7 and f["weekday"] == "wed"
    assert f["days_since_water"] == 5 and f["days_since_run"] == NEVER and f["kind"] == "run"
    assert "streak" not in f  # an after_log fact only


def test_nudge_facts_for_a_batch_keep_each_persons_history_apart(make_core, any_db_url):
    db = make_core(any_db_url).services.db
    with db.unit_of_work() as session:
        ana, ben, cleo = (add_user(session, name) for name in ("Ana", "Ben", "Cleo"))
        add(session, ana, TODAY - timedelta(days=6), "run", distance_m=5000.0)
        add(session, ana, TODAY - timedelta(days=9), "strength", exercise="squats")
        add(session, ben, TODAY - timedelta(days=1))
        add(session, ben, TODAY - timedelta(days=3), "run", distance_m=3000.0)
        gone = add(session, ben, TODAY, "run", distance_m=4000.0)
        gone.deleted_at = NOW
        asks = [ask_for(session, p, Kind.WATER) for p in (ana, ben, cleo, ana)]
        found = facts.for_nudges(session, asks, glass_ml=250)
    days = [(f["quiet_days"], f["days_since_run"], f["days_since_strength"]) for f in found]
    assert days == [(5, 6, 9), (0, 3, NEVER), (0, NEVER, NEVER), (5, 6, 9)]
    assert [f["name"] for f in found] == ["Ana", "Ben", "Cleo", "Ana"]
    assert found[1]["days_since_water"] == 1 and found[1]["today_run_count"] == 0


def test_built_facts_hold_every_declared_fact_with_its_type(db):
    with db.unit_of_work() as session:
        user = add_user(session)
        add(session, user, TODAY - timedelta(days=2), "run", distance_m=5000.0, duration_s=1500.0)
        entry = add(session, user, TODAY, "run", distance_m=6000.0, duration_s=1700.0)
        built = {
            Scope.AFTER_LOG: log_facts(session, user, entry),
            Scope.NUDGE: facts.for_nudges(
                session, [ask_for(session, user, Kind.WATER)], glass_ml=250
            )[0],
            Scope.DIGEST: facts.for_digest({"group": "Crew", "members": 4}),
        }
    for scope, found in built.items():
        assert set(found) == facts.names(scope), scope
        for name, value in found.items():
            expected = type(facts.BY_NAME[name].sample)
            assert type(value) is expected or (expected is float and type(value) is int), name
        # every placeholder the scope offers messages can be filled from the facts it has
        for placeholder in placeholders_for(scope):
            shown = PLACEHOLDERS[placeholder].render(found, Units.METRIC)
            assert shown is None or isinstance(shown, str), (scope, placeholder)
