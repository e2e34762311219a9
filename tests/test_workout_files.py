"""A watch's workout file (GPX, TCX, FIT) sent to the bot logs one run: its distance, moving
time and pace, on the local day it started. The same workout twice is logged once; a broken,
hostile or foreign file gets a clear message and stores nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
from pathlib import Path

import pytest
from fit_tool.profile.profile_type import Sport
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.console import ConsoleAdapter
from bot.intake.core_process import RemoteCore
from bot.interface import Attachment, ChatKind, Incoming
from bot.reading.workout_files import WorkoutProblem
from bot.reading.workout_parsers import read_workout
from bot.services import build_services
from bot.settings import Limits, Settings
from bot.storage.models import Entry
from tests.support import Chat
from tests.workout_samples import START, fit_run, gpx_run, tcx_run

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n<!ENTITY a "lol">\n'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n'.encode() for i in range(9)
    )
    + b']>\n<gpx version="1.1" creator="x"><trk><name>&j;</name></trk></gpx>'
)


def send(chat: Chat, *files: tuple[str, bytes], text: str = "", **kw: object) -> str:
    """What the bot answers a message carrying these files."""
    incoming = chat.incoming(text, **kw)  # type: ignore[arg-type]
    attachments = tuple(Attachment(name, data) for name, data in files)
    replies = chat.core.handle(dataclasses.replace(incoming, attachments=attachments))
    return "\n".join(r.text for r in replies)


def runs(core) -> list[Entry]:  # type: ignore[no-untyped-def]
    with core.services.db.unit_of_work() as s:
        rows = s.scalars(select(Entry).where(Entry.deleted_at.is_(None)).order_by(Entry.id))
        return list(rows)


def read(data: bytes, **limits: int):  # type: ignore[no-untyped-def]
    return read_workout(
        data,
        max_kb=limits.get("max_kb", 10240),
        max_points=limits.get("max_points", 100000),
    )


@pytest.mark.parametrize("make", [gpx_run, tcx_run], ids=["gpx", "tcx"])
def test_moving_time_leaves_out_a_pause(make):
    """5 km at 5:30/km with two minutes standing still halfway: 27:30 moving."""
    workout = read(make(pause_s=120))
    assert workout.start == START
    assert workout.distance_m == pytest.approx(5000, abs=1)
    assert workout.moving_s == pytest.approx(1650, abs=STEP)


STEP = 10  # seconds between the samples' points


def test_fit_gives_the_sessions_timer_time():
    workout = read(fit_run(km=10, timer_s=3000, elapsed_s=3300))
    assert (workout.format, workout.start, workout.distance_m) == ("FIT", START, 10000)
    assert workout.moving_s == 3000  # the timer stops while the watch is paused


@pytest.mark.parametrize(
    ("name", "make"),
    [("run.gpx", gpx_run), ("run.tcx", tcx_run), ("run.fit", fit_run)],
)
def test_each_format_logs_a_run_with_pace_on_its_day(chat, name, make):
    said = send(chat, (name, make()))
    assert f"From {name} ({name[-3:].upper()}), started 07:30" in said
    assert "✅ Logged run 5.00 km in 27:30 (5:30 /km) for Fri 20 Nov." in said
    (entry,) = runs(chat.core)
    assert (entry.kind, str(entry.local_date)) == ("run", "2026-11-20")
    assert entry.distance_m == pytest.approx(5000, abs=1)
    assert entry.duration_s == pytest.approx(1650, abs=STEP)


def test_the_format_is_read_from_the_bytes_not_the_name(chat):
    said = send(chat, ("activity_123.xml", tcx_run()))
    assert "From activity_123.xml (TCX)" in said
    assert len(runs(chat.core)) == 1


def test_the_local_date_is_the_runners_day(chat):
    """07:30 UTC on Friday is 23:30 on Thursday in Los Angeles."""
    chat.say("/tz America/Los_Angeles")
    said = send(chat, ("run.gpx", gpx_run()))
    assert "started 23:30" in said and "for Thu 19 Nov" in said
    (entry,) = runs(chat.core)
    assert str(entry.local_date) == "2026-11-19"


def test_the_same_workout_twice_is_logged_once_in_any_format(any_db_url, make_core):
    chat = Chat(make_core(any_db_url))
    assert "✅ Logged run" in send(chat, ("run.gpx", gpx_run()))
    again = send(chat, ("run.gpx", gpx_run()))
    assert again.startswith("Already logged as #1: run 5.00 km in 27:30 (5:30 /km) on Fri 20 Nov")
    assert "Already logged" in send(chat, ("Morning_Run.fit", fit_run()))  # same start
    assert len(runs(chat.core)) == 1
    assert "✅ Logged run" in send(chat, ("later.gpx", gpx_run(START.replace(hour=18))))
    assert len(runs(chat.core)) == 2


def test_the_same_file_twice_in_one_message_is_logged_once(chat):
    said = send(chat, ("run.gpx", gpx_run()), ("copy.gpx", gpx_run()))
    assert said.count("✅ Logged run") == 1 and said.count("Already logged") == 1
    assert len(runs(chat.core)) == 1


def test_after_undo_the_workout_can_be_sent_again(chat):
    send(chat, ("run.gpx", gpx_run()))
    chat.say("/undo")
    assert "✅ Logged run" in send(chat, ("run.gpx", gpx_run()))
    assert len(runs(chat.core)) == 1


def test_a_redelivered_message_is_answered_the_same(chat):
    first = send(chat, ("run.gpx", gpx_run()), message_id="m-1")
    assert send(chat, ("run.gpx", gpx_run()), message_id="m-1") == first
    assert len(runs(chat.core)) == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("ride.gpx", gpx_run(sport="cycling")),
        ("ride.tcx", tcx_run(sport="Biking")),
        ("ride.fit", fit_run(sport=Sport.CYCLING)),
    ],
)
def test_only_runs_are_logged_from_files(chat, name, data):
    said = send(chat, (name, data))
    assert "I only log runs from files" in said
    assert runs(chat.core) == []


def test_a_running_type_is_taken(chat):
    assert "✅ Logged run" in send(chat, ("run.gpx", gpx_run(sport="running")))


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("laughs.gpx", BILLION_LAUGHS, "declares its own document type"),
        ("run.fit", fit_run()[:-40], "That FIT file is broken or cut short"),
        ("run.fit", os.urandom(4096), "That isn't a GPX, TCX or FIT file I can read"),
        ("run.gpx", b"", "That file is empty"),
        ("run.gpx", PNG, "That isn't a GPX, TCX or FIT file I can read"),
        ("run.gpx", gpx_run()[:300], "That GPX file is broken or cut short"),
        ("route.gpx", gpx_run(times=False), "no times in it (a planned route?)"),
        ("run.tcx", tcx_run().decode().encode("utf-16"), "That isn't a GPX, TCX or FIT file"),
        ("run.gpx", b"<gpx>" + b"\xff\xfe" * 10 + b"</gpx>", "isn't UTF-8 text"),
    ],
    ids=[
        "billion-laughs",
        "truncated-fit",
        "random",
        "empty",
        "png",
        "cut-gpx",
        "route",
        "utf-16",
        "not-utf-8",
    ],
)
def test_a_broken_or_foreign_file_is_refused_and_nothing_stored(chat, name, data, says):
    said = send(chat, (name, data))
    assert says in said
    assert "/run 5k 28:30" in said  # what to do instead
    assert runs(chat.core) == []


def test_implausible_runs_are_refused(chat):
    assert "beat the world record" in send(chat, ("car.gpx", gpx_run(pace_s_per_km=60)))
    assert "More than 250 km in one run" in send(
        chat, ("far.fit", fit_run(km=300, timer_s=90000, elapsed_s=90000))
    )
    assert runs(chat.core) == []


def test_a_run_from_the_future_is_refused(chat):
    said = send(chat, ("run.gpx", gpx_run(START.replace(year=2027))))
    assert "still to come" in said
    assert runs(chat.core) == []


def test_one_bad_file_of_several_stores_none(chat):
    said = send(chat, ("good.gpx", gpx_run()), ("bad.fit", b"\x0e\x10" + bytes(30)))
    assert said.startswith("bad.fit: ")
    assert runs(chat.core) == []


def test_the_size_cap_is_checked_before_reading(make_core, sqlite_url):
    chat = Chat(make_core(sqlite_url, limits=Limits(max_workout_kb=8)))
    said = send(chat, ("run.gpx", gpx_run()))
    assert "larger than 8 KB" in said
    assert runs(chat.core) == []


def test_the_point_cap(make_core, sqlite_url):
    chat = Chat(make_core(sqlite_url, limits=Limits(max_workout_points=10)))
    assert "more than 10 points" in send(chat, ("run.gpx", gpx_run()))
    assert "more than 10 points" in send(chat, ("run.fit", fit_run(records=30)))
    assert runs(chat.core) == []


def test_reading_is_stopped_at_the_time_cap(make_core, sqlite_url):
    """gpxpy scans namespaces with a regular expression that is quadratic in a file of many
    `xmlns` words (a few seconds for 50,000): the child reading it is killed."""
    chat = Chat(make_core(sqlite_url, limits=Limits(workout_parse_s=0.5)))
    slow = b'<gpx version="1.1">' + b" xmlns" * 50_000 + b"</gpx>"
    said = send(chat, ("slow.gpx", slow))
    assert "That file took too long to read, so I stopped" in said
    assert runs(chat.core) == []


def test_a_bare_file_is_imported_and_a_caption_is_no_command(chat):
    assert "✅ Logged run" in send(chat, ("run.gpx", gpx_run()))
    assert "✅ Logged run" in send(chat, ("b.gpx", gpx_run(START.replace(hour=9))), text="tempo")
    assert len(runs(chat.core)) == 2


def test_in_a_group_a_file_is_read_only_when_meant_for_the_bot(core):
    group = Chat(core, chat_id="g-1", kind=ChatKind.GROUP)
    assert send(group, ("run.gpx", gpx_run()), addressed=False) == ""
    assert runs(core) == []
    assert "✅ Logged run" in send(group, ("run.gpx", gpx_run()), text="/import")
    csv = ("mine.csv", b"date,kind,volume_ml\n2026-11-20,water,500\n")
    assert "A CSV from /export goes in a private chat" in send(group, csv, text="/import")
    assert len(runs(core)) == 1


def test_deleteme_forgets_the_workout(chat):
    send(chat, ("run.gpx", gpx_run()))
    chat.say("/deleteme DELETE")
    assert runs(chat.core) == []
    assert "✅ Logged run" in send(chat, ("run.gpx", gpx_run()))  # a new person, a new log


def test_console_import_of_a_gpx(core, tmp_path: Path):
    (tmp_path / "run.gpx").write_bytes(gpx_run())
    out = io.StringIO()
    console = ConsoleAdapter(core, user="ana", out=out, folder=tmp_path)
    asyncio.run(console.chat(io.StringIO("/import run.gpx\n/import run.gpx\n")))
    said = out.getvalue()
    assert "From run.gpx (GPX), started 07:30" in said
    assert "✅ Logged run 5.00 km in 27:30 (5:30 /km) for Fri 20 Nov." in said
    assert "Already logged" in said
    assert len(runs(core)) == 1


def test_read_workout_raises_a_friendly_problem():
    with pytest.raises(WorkoutProblem, match="That file is empty"):
        read(b"  \n")


async def test_in_the_cores_own_process_a_file_is_read_and_a_slow_one_stopped(sqlite_url, clock):
    """`steady run`'s core is a daemonic process of its own, which the reader's child must
    not need the multiprocessing module to leave."""
    # The default read budget (3 s), which a good file's child meets even on a busy machine;
    # the slow file below would take far longer. A handling budget no busy machine reaches:
    # the watchdog is not what this test is about.
    limits = Limits()
    settings = Settings(database_url=sqlite_url, limits=limits, handle_budget_s=120)
    services = build_services(settings, clock, migrate=False)
    core = RemoteCore(services)
    await core.start()
    try:

        def sent(name: str, data: bytes, n: int) -> Incoming:
            return Incoming(
                "telegram",
                "1001",
                "Ana",
                "1001",
                message_id=str(n),
                attachments=(Attachment(name, data),),
            )

        [logged] = await core.handle_async(sent("run.gpx", gpx_run(), 1))
        assert "✅ Logged run 5.00 km in 27:30" in logged.text
        slow = b'<gpx version="1.1">' + b" xmlns" * 200_000 + b"</gpx>"  # minutes to read
        [stopped] = await core.handle_async(sent("slow.gpx", slow, 2))
        assert "took too long to read" in stopped.text
    finally:
        await core.close()
        services.db.dispose()


SAMPLES = {"gpx": gpx_run(km=1), "tcx": tcx_run(km=1), "fit": fit_run(records=5)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(SAMPLES)),
    cuts=st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=8)), max_size=4),
)
def test_a_damaged_file_gives_a_run_or_a_problem_never_a_crash(kind, cuts):
    """Bytes changed anywhere in a good file: the reader answers with a run or with a
    WorkoutProblem, never another exception (which would reach the person as an apology)."""
    data = bytearray(SAMPLES[kind])
    for at, new in cuts:
        at %= len(data)
        data[at : at + len(new)] = new
    try:
        workout = read(bytes(data))
    except WorkoutProblem as exc:
        assert str(exc)
    else:
        assert workout.format == kind.upper()
