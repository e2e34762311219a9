"""A watch's workout file (GPX, TCX or FIT) read as one run: when it started, how far, and
for how long the runner was moving.

The format is told by the bytes, not the name: a FIT file by its header's ".FIT" mark, an XML
file by its root element (`<gpx` or `<TrainingCenterDatabase`). A file's name only decides
whether /import treats it as a workout at all (bot/commands/data.py).

A file is someone else's bytes, so reading one is bounded three ways before a library sees it:
its size (`Limits.max_workout_kb`), its points (`Limits.max_workout_points`, counted in the
raw bytes for XML and while decoding for FIT), and XML with a document type declaration is
refused outright, since that is where entities (the "billion laughs") live and no watch writes
one. What is left is read in a child process (`read_bounded`) that is killed at
`Limits.workout_parse_s`, and limits its own CPU time in case its parent is gone: gpxpy's
namespace scan alone is quadratic in a file of many `xmlns` words, and nothing in-process can
stop a regular expression once it runs.

Moving time: gpxpy's own moving data for GPX; for FIT the session's timer time (the watch
stops its timer on a pause); for TCX the trackpoints' time between points where the runner
moved faster than 1 km/h (gpxpy's threshold), since tcxreader keeps no lap timer totals.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import fitdecode
import gpxpy
import gpxpy.gpx
from tcxreader.tcxreader import TCXReader

EXTENSIONS = (".gpx", ".tcx", ".fit")
STOPPED_M_PER_S = 1000 / 3600  # below 1 km/h a runner is standing (gpxpy's default)

# What a file may say its sport is, beyond running, that is still a run; anything else a file
# names (cycling, swimming, walking…) is refused. Files that name no sport are taken as runs.
_RUN_WORDS = re.compile(r"run|jog|generic|other|^\d*$|^$", re.IGNORECASE)
# Markup that declares things (<!DOCTYPE, <!ENTITY) rather than a comment or CDATA.
_DECLARATION = re.compile(rb"<!(?!--|\[CDATA\[)")
_XML_POINTS = (b"<trkpt", b"<Trackpoint", b":trkpt", b":Trackpoint")

SEND_AGAIN = "Send the file your watch recorded (GPX, TCX or FIT), or log it by hand: /run 5k 28:30"


# The child finds this package where the parent did, installed or not.
_CHILD = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r}); "
    "from bot.reading.workout_files import _child; _child()"
)


class WorkoutProblem(ValueError):
    """What is wrong with a workout file, said so that the person knows what to do."""


@dataclass(frozen=True)
class Workout:
    """One recorded run, in base units; `start` is aware UTC."""

    format: str  # "GPX", "TCX" or "FIT"
    start: datetime
    distance_m: float
    moving_s: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "format": self.format,
            "start": self.start.isoformat(),
            "distance_m": self.distance_m,
            "moving_s": self.moving_s,
        }

    @classmethod
    def of_json(cls, data: object) -> Workout:
        if not isinstance(data, dict):
            raise TypeError("not a workout")
        moving = data["moving_s"]
        return cls(
            format=str(data["format"]),
            start=datetime.fromisoformat(str(data["start"])),
            distance_m=float(str(data["distance_m"])),
            moving_s=None if moving is None else float(str(moving)),
        )

    @property
    def key(self) -> str:
        """The same workout sent twice, or from another export of the watch, has one start."""
        return f"workout:{self.start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def sniff(data: bytes) -> str | None:
    """ "GPX", "TCX" or "FIT" from the file's own bytes, or None for anything else."""
    if len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT":
        return "FIT"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return None
    if re.search(rb"<(?:\w+:)?gpx[\s>]", head):
        return "GPX"
    if re.search(rb"<(?:\w+:)?TrainingCenterDatabase[\s>]", head):
        return "TCX"
    return None


def looks_like_workout(filename: str, data: bytes) -> bool:
    """Whether /import should read this file as a workout (rather than as an export CSV)."""
    return filename.lower().endswith(EXTENSIONS) or sniff(data) is not None


def check_file(data: bytes, *, max_kb: int, max_points: int) -> str:
    """The file's format, after the checks that need no parser; WorkoutProblem otherwise."""
    if len(data) > max_kb * 1024:
        raise WorkoutProblem(
            f"That file is larger than {max_kb // 1024 or max_kb} "
            f"{'MB' if max_kb >= 1024 else 'KB'}, more than any run needs. {SEND_AGAIN}."
        )
    if not data.strip():
        raise WorkoutProblem(f"That file is empty. {SEND_AGAIN}.")
    kind = sniff(data)
    if kind is None:
        raise WorkoutProblem(f"That isn't a GPX, TCX or FIT file I can read. {SEND_AGAIN}.")
    if kind != "FIT":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WorkoutProblem(
                f"That {kind} file isn't UTF-8 text, so I won't read it. {SEND_AGAIN}."
            ) from None
        if _DECLARATION.search(data):
            raise WorkoutProblem(
                f"That {kind} file declares its own document type (<!DOCTYPE or <!ENTITY), "
                f"which watches never do, so I won't read it. {SEND_AGAIN}."
            )
        if sum(data.count(tag) for tag in _XML_POINTS) > max_points:
            raise _too_many(max_points)
    return kind


def _too_many(max_points: int) -> WorkoutProblem:
    return WorkoutProblem(
        f"That file has more than {max_points:,} points, more than I read for one run. "
        f"{SEND_AGAIN}."
    )


def read_workout(data: bytes, *, max_kb: int, max_points: int) -> Workout:
    """The run in a file, read in this process (the child's work, and the tests')."""
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
            f"That {kind} file is broken or cut short, so I couldn't read it. {SEND_AGAIN}."
        ) from None


def read_bounded(data: bytes, *, max_kb: int, max_points: int, timeout_s: float) -> Workout:
    """`read_workout` in a child process that is killed after `timeout_s`."""
    check_file(data, max_kb=max_kb, max_points=max_points)  # the cheap refusals, here
    command = [
        sys.executable,
        "-I",  # no user site, no PYTHON* variables, not the working folder
        "-c",
        _CHILD,
        str(max_kb),
        str(max_points),
        str(math.ceil(timeout_s) + 1),
    ]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise WorkoutProblem(
            f"That file took too long to read, so I stopped. {SEND_AGAIN}."
        ) from None
    try:
        answer = json.loads(done.stdout)
        problem, found = answer.get("problem"), answer.get("workout")
    except (ValueError, AttributeError):  # killed for its CPU time, or out of memory
        problem, found = None, None
    if isinstance(problem, str):
        raise WorkoutProblem(problem)
    try:
        return Workout.of_json(found)
    except (ValueError, KeyError, TypeError):
        raise WorkoutProblem(f"I couldn't read that file. {SEND_AGAIN}.") from None


def _refuse_sport(sport: str | None) -> None:
    if sport is not None and not _RUN_WORDS.search(sport.strip()):
        raise WorkoutProblem(
            f"That file is a {sport.strip().lower()[:30]} workout; I only log runs from files. "
            "Log other training with /strength."
        )


def _gpx(data: bytes) -> Workout:
    gpx = gpxpy.parse(data.decode("utf-8-sig"))
    for track in gpx.tracks:
        _refuse_sport(track.type)
    start = gpx.get_time_bounds().start_time
    if start is None:
        raise WorkoutProblem(
            "That GPX has no times in it (a planned route?), so I can't tell when you ran or "
            f"for how long. {SEND_AGAIN}."
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
            "That TCX has no times in it, so I can't tell when you ran or for how long. "
            f"{SEND_AGAIN}."
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
                    raise _too_many(max_points)
            elif frame.name == "session":
                sessions.append(frame)
    if not sessions:
        raise WorkoutProblem(
            f"That FIT file holds no finished activity (no session in it). {SEND_AGAIN}."
        )
    session = sessions[0]
    sport = session.get_value("sport", fallback=None)
    _refuse_sport(None if sport is None else str(sport))
    start = session.get_value("start_time", fallback=None)
    if not isinstance(start, datetime):
        raise WorkoutProblem(f"That FIT file doesn't say when the run started. {SEND_AGAIN}.")
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


def _child() -> None:
    """The child's work (arguments MAX_KB MAX_POINTS CPU_S): the file on standard input, the
    answer as JSON on standard output."""
    max_kb, max_points, cpu_s = (int(a) for a in sys.argv[1:4])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
    except (ImportError, ValueError, OSError):
        pass  # not on this system: the parent's timeout still holds
    data = sys.stdin.buffer.read(max_kb * 1024 + 1)
    try:
        workout = read_workout(data, max_kb=max_kb, max_points=max_points)
        answer: dict[str, object] = {"workout": workout.as_json()}
    except WorkoutProblem as exc:
        answer = {"problem": str(exc)}
    sys.stdout.write(json.dumps(answer))
