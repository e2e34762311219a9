"""Nothing a user types can crash the bot or store something impossible."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.context import APOLOGY
from bot.interface import ChatKind
from bot.settings import Limits
from bot.storage.models import Entry
from tests.support import Chat

LIMITS = Limits()

words = st.sampled_from(
    [
        "5k",
        "28:30",
        "3x10",
        "40kg",
        "500ml",
        "16oz",
        "glasses",
        "yesterday",
        "2026-11-20",
        "-3l",
        "900km",
        "0",
        "1e309",
        "nan",
        "inf",
        "squats",
        "off",
        "week",
        "day",
        "/",
        "@",
        "'",
        ";",
        "--",
        "<b>",
        "**",
        "_",
        "\u202e",
        "\x00",
        "١٢",
        "½",
        "Europe/Berlin",
        "imperial",
        "9" * 30,
    ]
)
texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(words, st.text(max_size=8)), max_size=8).map(" ".join),
)


def assert_sane(core) -> None:
    with core.services.db.unit_of_work() as s:
        for e in s.scalars(select(Entry)):
            assert e.kind in {"run", "strength", "water"}
            if e.kind == "run":
                assert 0 < e.distance_m <= LIMITS.max_run_km * 1000
                assert e.duration_s is None or 0 < e.duration_s <= LIMITS.max_run_hours * 3600
            if e.kind == "water":
                assert 0 < e.volume_ml <= LIMITS.max_water_ml
            if e.kind == "strength":
                assert e.weight_kg is None or 0 < e.weight_kg <= LIMITS.max_weight_kg
                assert e.sets is None or 0 < e.sets <= LIMITS.max_sets
            assert e.note is None or len(e.note) <= LIMITS.max_note_chars


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts)
def test_every_command_survives_any_arguments(core, text):
    chat = Chat(core)
    for command in core.registry:
        if command.name == "deleteme":
            continue  # would wipe the state this test inspects
        for reply in chat.replies(f"/{command.name} {text}"):
            assert reply.text != APOLOGY, f"/{command.name} {text!r} hit an internal error"
    assert_sane(core)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts)
def test_plain_text_survives_anything_in_private_and_in_groups(core, text):
    for reply in Chat(core).replies(text) + Chat(core, kind=ChatKind.GROUP).replies(text):
        assert reply.text != APOLOGY
    for prefix in ("ran ", "drank ", "did "):
        for reply in Chat(core).replies(prefix + text):
            assert reply.text != APOLOGY, f"{prefix + text!r} hit an internal error"
    assert_sane(core)
