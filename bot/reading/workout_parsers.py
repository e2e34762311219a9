"""The parsing behind `bot.reading.workout_files.read_bounded`: gpxpy, tcxreader and fitdecode,
imported only by the child process that reads a file (and by tests), never by the core.

Moving time: gpxpy's own moving data for GPX; for FIT the session's timer time (the watch
stops its timer on a pause); for TCX the trackpoints' time between points where the runner
moved faster than 1 km/h (gpxpy's threshold), since tcxreader keeps no lap timer totals.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import resource
import sys
import warnings
from datetime import UTC, datetime

import fitdecode
import gpxpy
from tcxreader.tcxreader import TCXReader

from bot.reading.workout_files import (
    N_,
    Workout,
    WorkoutProblem,
    check_file,
    too_many,
)

MEMORY_BYTES = 1 << 30  # a 10 MB file of 30,000 points needs a few hundred MB at most
STOPPED_M_PER_S = 1000 / 3600  # below 1 km/h a runner is standing (gpxpy's default)

# What a file may say its sport is, beyond running, that is still a run; anything else a file
# names (cycling, swimming, walking…) is refused. Files that name no sport are taken as runs.
_RUN_WORDS = re.compile(r"run|jog|generic|other|^\d*$|^$", re.IGNORECASE)


def read_workout(data: bytes, *, max_kb: int, max_points: int) -> Workout:
    """The run in a file, read in this process: the child's work (and the tests')."""
    kind = check_file(data, max_kb=max_kb, max_points=max_points)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a library's remarks on a file's bytes: not news
            if kind == "GPX":
                return _gpx(data)
            if kind == "TCX":
                return _tcx(data)
            return _fit(data, max_points)
    except WorkoutProblem:
        raise
    except Exception:  # each library raises its own kinds for a broken file
        raise WorkoutProblem(
            N_("That {kind} file is broken or cut short, so I couldn't read it."), kind=kind
        ) from None


def _refuse_sport(sport: str | None) -> None:
    if sport is not None and not _RUN_WORDS.search(sport.strip()):
        raise WorkoutProblem(
            N_(
                "That file is a {sport} workout; I only log runs from files. "
                "Log other training with /strength."
            ),
            send_again=False,
            sport=sport.strip().lower()[:30],
        )


def _gpx(data: bytes) -> Workout:
    gpx = gpxpy.parse(data.decode("utf-8-sig"))
    for track in gpx.tracks:
        _refuse_sport(track.type)
    start = gpx.get_time_bounds().start_time
    if start is None:
        raise WorkoutProblem(
            N_(
                "That GPX has no times in it (a planned route?), so I can't tell when you ran "
                "or for how long."
            )
        )
    moving = gpx.get_moving_data()
    return Workout(
        "GPX",
        _utc(start),
        gpx.length_2d(),
        moving.moving_time if moving is not None else None,
    )


def _tcx(data: bytes) -> Workout:
    # tcxreader's `read` hands its argument to ElementTree's `parse`, which takes a file.
    exercise = TCXReader().read(io.BytesIO(data), only_gps=False)
    _refuse_sport(exercise.activity_type)
    points = [p for p in exercise.trackpoints if p.time is not None]
    if not points:
        raise WorkoutProblem(
            N_("That TCX has no times in it, so I can't tell when you ran or for how long.")
        )
    moving = 0.0
    for before, after in itertools.pairwise(points):
        seconds = (after.time - before.time).total_seconds()
        if before.distance is None or after.distance is None:
            continue
        metres = after.distance - before.distance
        if seconds > 0 and metres / seconds >= STOPPED_M_PER_S:
            moving += seconds
    distance = float(exercise.distance or 0)
    if not distance and points[-1].distance is not None:
        distance = float(points[-1].distance)
    if not moving:
        moving = (points[-1].time - points[0].time).total_seconds()
    return Workout("TCX", _utc(points[0].time), distance, moving or None)


def _fit(data: bytes, max_points: int) -> Workout:
    sessions: list[fitdecode.FitDataMessage] = []
    records = 0
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                continue
            if frame.name == "record":
                records += 1
                if records > max_points:
                    raise too_many(max_points)
            elif frame.name == "session":
                sessions.append(frame)
    if not sessions:
        raise WorkoutProblem(N_("That FIT file holds no finished activity (no session in it)."))
    session = sessions[0]
    sport = session.get_value("sport", fallback=None)
    _refuse_sport(None if sport is None else str(sport))
    start = session.get_value("start_time", fallback=None)
    if not isinstance(start, datetime):
        raise WorkoutProblem(N_("That FIT file doesn't say when the run started."))
    distance = session.get_value("total_distance", fallback=None)
    timer = session.get_value("total_timer_time", fallback=None)
    if timer is None:
        timer = session.get_value("total_elapsed_time", fallback=None)
    return Workout(
        "FIT",
        _utc(start),
        float(distance or 0),
        float(timer) if timer else None,
    )


def _utc(moment: datetime) -> datetime:
    """Files without a zone mean UTC (GPX and TCX times are UTC by their schemas)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def child() -> None:
    """The child's work (arguments MAX_KB MAX_POINTS CPU_S): the file on standard input, the
    answer as JSON on standard output."""
    max_kb, max_points, cpu_s = (int(a) for a in sys.argv[1:4])
    # Bounds of its own, should the parent be gone before it can kill this process.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    data = sys.stdin.buffer.read(max_kb * 1024 + 1)
    try:
        workout = read_workout(data, max_kb=max_kb, max_points=max_points)
        answer: dict[str, object] = {"workout": workout.as_json()}
    except WorkoutProblem as exc:
        answer = {"problem": exc.as_json()}
    sys.stdout.write(json.dumps(answer))
