"""Hostile input through the core, as the console hands it over: arithmetic where a figure
goes, huge and non-finite numbers, control characters and lone surrogates, in every
registered command's arguments and in plain text.

For each message: a reply comes, it is never the apology, nothing is stored that isn't
finite and within the plausible bounds, and the configured secrets appear in no reply and
no log line. pint is never asked to read a string: that is what kept `9**9**9` from
freezing the bot, so it is checked directly rather than timed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.context import APOLOGY
from bot.core import Core
from bot.interface import Attachment, ChatKind, Where, clean_text
from bot.reading import units
from bot.settings import Limits
from bot.storage.models import Challenge, Entry, Goal, NudgeState
from tests.support import Chat

LIMITS = Limits()
TELEGRAM_TOKEN = "7357:hostile-telegram-token-must-not-leak"
DISCORD_TOKEN = "hostile.discord.token.must-not-leak"
SECRETS = (TELEGRAM_TOKEN, DISCORD_TOKEN)

EXPRESSIONS = [
    "9**9**9",
    "9^9^9",
    "(1e309-1e309)km",
    "1e309km",
    "1e309",
    "1e400d",
    "2**1024",
    "(5-3)km",
    "9**9**9km",
    "9**9**9ml",
    "1E308*10",
    "[9]^9",
    "{1+1}kg",
]
NUMBERS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "-1",
    "0",
    "1e-400",
    "9" * 30,
    "9" * 400,
    "9" * 4400,  # more digits than int() reads
    "99999999999999999999d",
    "99999999999h",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59:59-05:00",
]
WORDS = [
    "5k",
    "28:30",
    "3x10",
    "40kg",
    "500ml",
    "2l/day",
    "15km/week",
    "run",
    "water",
    "strength",
    "every",
    "2h",
    "07:00",
    "until",
    "2026-11-30",
    '"Nov"',
    "km",
    "off",
    "on",
    "imperial",
    "Europe/Berlin",
    "=cmd|' /C calc'!A0",
    "@sum",
]
CONTROLS = ["\x00", "\x07", "\x1b[31m", "\r", "\t", "\x7f", "\u202e", "\ufeff", "\ud800", "\udfff"]

tokens = st.one_of(
    st.sampled_from(EXPRESSIONS + NUMBERS + WORDS + CONTROLS),
    st.text(st.characters(categories=["Cc", "Cs", "Nd", "Sm", "Zs"]), max_size=4),
    st.text(max_size=6),
)
hostile = st.lists(tokens, max_size=6).map(" ".join)


@pytest.fixture
def no_pint_strings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fails any message whose handling asks pint to parse a string expression."""
    asked: list[str] = []

    def refuse(text: object, *args: object, **kwargs: object) -> None:
        asked.append(repr(text))
        raise AssertionError(f"pint was asked to evaluate {text!r}")

    monkeypatch.setattr(units.registry(), "parse_expression", refuse)
    yield asked
    assert not asked, f"pint evaluated strings: {asked[:3]}"


@pytest.fixture
def hostile_core(make_core, sqlite_url: str, no_pint_strings) -> Core:  # type: ignore[no-untyped-def]
    return make_core(sqlite_url, telegram_token=TELEGRAM_TOKEN, discord_token=DISCORD_TOKEN)


@pytest.fixture
def hostile_core_any(make_core, any_db_url: str, no_pint_strings) -> Core:  # type: ignore[no-untyped-def]
    """On both databases: PostgreSQL refuses some text SQLite keeps, and keeps NaN."""
    return make_core(any_db_url, telegram_token=TELEGRAM_TOKEN, discord_token=DISCORD_TOKEN)


def assert_nothing_implausible_stored(core: Core) -> None:
    with core.services.db.unit_of_work() as s:
        for e in s.scalars(select(Entry)):
            figures = (e.distance_m, e.duration_s, e.weight_kg, e.volume_ml)
            assert all(f is None or math.isfinite(f) for f in figures), figures
            if e.kind == "run":
                assert 0 < e.distance_m <= LIMITS.max_run_km * 1000
                assert e.duration_s is None or 0 < e.duration_s <= LIMITS.max_run_hours * 3600
            elif e.kind == "water":
                assert 0 < e.volume_ml <= LIMITS.max_water_ml
            else:
                assert e.weight_kg is None or 0 < e.weight_kg <= LIMITS.max_weight_kg
                assert e.sets is None or 0 < e.sets <= LIMITS.max_sets
                assert e.reps is None or 0 < e.reps <= LIMITS.max_reps
                assert e.duration_s is None or (
                    0 < e.duration_s <= LIMITS.max_strength_minutes * 60
                )
            assert e.note is None or len(e.note) <= LIMITS.max_note_chars
        for g in s.scalars(select(Goal)):
            assert math.isfinite(g.amount) and g.amount > 0
            if not g.counts_sessions:
                per_day = LIMITS.max_run_km * 1000 if g.kind == "run" else LIMITS.max_water_day_ml
                assert g.amount <= per_day * (7 if g.period == "week" else 1)
        for c in s.scalars(select(Challenge)):
            assert math.isfinite(c.target) and c.target > 0
        for n in s.scalars(select(NudgeState)):
            for moment in (n.snoozed_until, n.paused_until):
                assert moment is None or moment.year < 2100


def assert_said_safely(replies, what: str, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    for reply in replies:
        assert reply.text != APOLOGY, f"{what!r} hit an internal error"
        assert "Traceback" not in reply.text
        for secret in SECRETS:
            assert secret not in reply.text
            for attachment in reply.attachments:
                assert secret.encode() not in attachment.data
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"{what!r} logged {errors[0].getMessage()}"
    for secret in SECRETS:
        assert secret not in caplog.text


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=hostile)
def test_every_command_answers_hostile_arguments_safely(hostile_core_any, caplog, args):
    hostile_core = hostile_core_any
    private = Chat(hostile_core)
    group = Chat(hostile_core, "ben", chat_id="group-1", kind=ChatKind.GROUP, is_admin=True)
    caplog.set_level(logging.DEBUG, logger="steady")
    caplog.clear()
    for command in hostile_core.registry:
        if command.name == "deleteme" and args.strip().upper() == "DELETE":
            continue  # would wipe the state this test inspects
        for chat in {
            Where.ANY: (private, group),
            Where.PRIVATE: (private,),
            Where.GROUP: (group,),
        }[command.where]:
            line = f"/{command.name} {args}"
            replies = chat.replies(line)
            assert replies, f"no reply to {line!r}"
            assert_said_safely(replies, line, caplog)
    assert_nothing_implausible_stored(hostile_core)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile, name=st.one_of(st.just("Ana"), hostile.filter(str.strip)))
def test_plain_words_and_names_with_hostile_text_are_answered_safely(
    hostile_core_any, caplog, text, name
):
    hostile_core = hostile_core_any
    caplog.set_level(logging.DEBUG, logger="steady")
    caplog.clear()
    private = Chat(hostile_core, "ana", name=name)
    for line in (text, f"ran {text}", f"drank {text}", f"did {text}", f"/run 5k {text}"):
        replies = private.replies(line)
        # What is left once NUL bytes are cleaned away may be nothing: nothing to answer.
        assert replies or not clean_text(line).strip(), f"no reply to {line!r}"
        assert_said_safely(replies, line, caplog)
    assert_nothing_implausible_stored(hostile_core)


# --- each example, plainly -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/run 5k 9**9**9", "not sums or powers like '9**9**9'"),
        ("/run 9^9^9km", "not sums or powers like '9^9^9km'"),
        ("/run (1e309-1e309)km", "not sums or powers"),
        ("/run 1e309km", "not sums or powers like '1e309km'"),
        ("/water 9**9**9ml", "not sums or powers"),
        ("/water 1e309l", "not sums or powers"),
        ("/strength squats 3x10 9**9**9kg", "not sums or powers"),
        ("/goal run 1e309km/week", "not sums or powers"),
        ("/goal water 9^9^9l/day", "not sums or powers"),
        ("/goal run 99999km/week", "A run goal can be up to 1750 km a week"),
        ("/goal water 50l/day", "A water goal can be up to 20 l a day"),
        ("ran 9**9**9 km", "not sums or powers"),
        ("drank 1e309 ml", "not sums or powers"),
        ("/run 99999999999999999999km", "I couldn't find a distance"),
        ("/strength 99999999999x3 squats", "I couldn't read '99999999999x3'"),
        ("/history " + "9" * 5000, "Give a number from 1 to 50"),
        ("/snooze 99999999999999999999d", "Snoozes last up to 24 hours"),
        ("/snooze " + "9" * 400 + "h", "Snoozes last up to 24 hours"),
        ("/pause 1e400d", "Try /pause 30d"),
        ("/pause 99999999999999999999w", "A pause lasts up to a year. Try /pause 30d"),
        ("/remind water every 99999999999h", "Reminders can repeat every 30 min to every 12 h"),
    ],
)
def test_hostile_figures_get_a_friendly_error_and_change_nothing(hostile_core, caplog, line, says):
    chat = Chat(hostile_core)
    reply = chat.say(line)
    assert says in reply
    assert "Try" in reply or "e.g." in reply  # with an example to copy
    assert_said_safely(chat.replies("/today"), "/today", caplog)
    with hostile_core.services.db.unit_of_work() as s:
        assert s.scalars(select(Entry)).all() == []
        assert s.scalars(select(Goal)).all() == []
        state = s.get(NudgeState, 1)
        assert state is None or (state.snoozed_until, state.paused_until) == (None, None)


@pytest.mark.parametrize(
    "target",
    ["run 1e309km", "run 9**9**9km", "run (1e309-1e309)km", "runs " + "9" * 5000, "run 99999km"],
)
def test_a_challenge_target_must_be_a_plain_plausible_figure(hostile_core, caplog, target):
    group = Chat(hostile_core, "ben", chat_id="group-1", kind=ChatKind.GROUP, is_admin=True)
    reply = group.say(f'/challenge new "Nov" {target} until 2026-11-30')
    assert "e.g." in reply
    assert_said_safely(group.replies("/challenge"), "/challenge", caplog)
    with hostile_core.services.db.unit_of_work() as s:
        assert s.scalars(select(Challenge)).all() == []


# --- /export and /import -------------------------------------------------------------


def import_file(chat: Chat, data: bytes) -> str:
    incoming = replace(chat.incoming("/import"), attachments=(Attachment("mine.csv", data),))
    return "\n".join(r.text for r in chat.core.handle(incoming))


def exported_csv(chat: Chat) -> bytes:
    [reply] = chat.replies("/export")
    return next(a.data for a in reply.attachments if a.filename.endswith(".csv"))


def test_export_quotes_formula_cells_and_import_restores_them(hostile_core):
    source = Chat(hostile_core)
    for note in ("=HYPERLINK(x)", "+1 friend", "@park", "'=quoted", "'tis fine"):
        assert "Logged run" in source.say(f"/run 5k {note}")
    data = exported_csv(source).decode()
    assert ",'=HYPERLINK(x)" in data and ",'+1 friend" in data and ",'@park" in data
    assert ",''=quoted" in data and ",'tis fine" in data
    for line in data.splitlines()[1:]:  # no cell a spreadsheet would run
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    target = Chat(hostile_core, "bo")
    assert "Imported 5 entries" in import_file(target, data.encode())
    with target.core.services.db.unit_of_work() as s:
        notes = sorted(s.scalars(select(Entry.note).where(Entry.user_id != 1)))
    assert notes == sorted(["=HYPERLINK(x)", "+1 friend", "@park", "'=quoted", "'tis fine"])


HEADER = "date,logged_at,kind,distance_m,duration_s,exercise,sets,reps,weight_kg,volume_ml,note\n"


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("2026-11-20,,run,5000,,,,,,,=cmd|' /C calc'!A0", "starts like a spreadsheet formula"),
        ("2026-11-20,,strength,,,@SUM(A1),,,,,", "starts like a spreadsheet formula"),
        ("2026-11-20,,strength,,,squats!!,3,10,,,", "isn't an exercise name I can keep"),
        ("2026-11-20,,strength,,,3x10 squats,3,10,,,", "isn't an exercise name I can keep"),
        ("2026-11-20,,strength,,,squats,3,,,,", "doesn't look right"),
        ("2026-11-20,,strength,,,squats,3,10,900,,", "That weight doesn't look right"),
        ("2026-11-20,,strength,,,squats,3,10," + "9" * 5000 + ",,", "weight_kg has to be a number"),
        ("2026-11-20,,strength,,,squats," + "9" * 5000 + ",10,,,", "should be a whole number"),
        ("2026-11-20,,run,1e309,,,,,,,", "distance_m has to be a number above zero"),
        ("2026-11-20,,run,inf,,,,,,,", "distance_m has to be a number above zero"),
        ("2026-11-20,,run,900000,,,,,,,", "more than I can believe"),
        ("2026-11-20,,run,5000,60,,,,,,", "That pace would beat the world record"),
        ("2026-11-20,,run,5000,999999,,,,,,", "That run is longer than 48 hours"),
        ("2026-11-20,,water,,,,,,,NaN,", "volume_ml has to be a number above zero"),
        ("2026-11-20,,water,,,,,,,9000,", "more water than anyone should drink"),
        ("2026-11-20,9999-12-31T23:59:59-05:00,water,,,,,,,500,", "logged_at '9999-12-31"),
        ("2026-11-20,0001-01-01T00:00:00+05:00,water,,,,,,,500,", "is out of range"),
        ("2026-11-20,0001-01-01T00:00:00,water,,,,,,,500,", "is out of range"),
        ("2026-11-20,2099-01-01T00:00:00+00:00,water,,,,,,,500,", "is in the future"),
        ("2026-11-20,,run,5000,,,,,,," + "x" * 400, "Notes can be up to 280 characters"),
    ],
)
def test_import_checks_every_field_as_the_commands_do(hostile_core, caplog, row, says):
    chat = Chat(hostile_core)
    reply = import_file(chat, (HEADER + row + "\n").encode())
    assert says in reply and "Nothing was imported" in reply
    assert_said_safely(chat.replies("/history"), "/history", caplog)
    with hostile_core.services.db.unit_of_work() as s:
        assert s.scalars(select(Entry)).all() == []


def test_import_refuses_a_header_that_names_a_column_twice(hostile_core):
    chat = Chat(hostile_core)
    data = b"date,kind,volume_ml,volume_ml\n2026-11-20,water,500,9000000\n"
    reply = import_file(chat, data)
    assert "names the column 'volume_ml' twice" in reply
    with hostile_core.services.db.unit_of_work() as s:
        assert s.scalars(select(Entry)).all() == []


def test_import_keeps_what_a_command_would_keep(hostile_core):
    chat = Chat(hostile_core)
    data = HEADER + "2026-11-20,,strength,,,  Bulgarian   Split-Squats ,3,10,40,,  with  Bo \n"
    assert "Imported 1 entry" in import_file(chat, data.encode())
    with hostile_core.services.db.unit_of_work() as s:
        [entry] = s.scalars(select(Entry))
    assert (entry.exercise, entry.note) == ("bulgarian split-squats", "with Bo")
