"""A watch's workout file (GPX, TCX or FIT) read as one run: when it started, how far, and
for how long the runner was moving.

The format is told by the bytes, not the name: a FIT file by its header's ".FIT" mark, an XML
file by its root element (`<gpx` or `<TrainingCenterDatabase`). A file's name only decides
whether /import treats it as a workout at all (bot/commands/data.py).

A file is someone else's bytes, so reading one is bounded three ways before a library sees it:
its size (`Limits.max_workout_kb`), its points (`Limits.max_workout_points`, counted in the
raw bytes for XML and while decoding for FIT), and XML with a document type declaration is
refused outright, since that is where entities (the "billion laughs") live and no watch writes
one. What is left is read in a child process (`read_bounded`, the parsers in
bot/reading/workout_parsers.py, which only the child imports) that is killed at
`Limits.workout_parse_s`, and limits its own CPU time in case its parent is gone: gpxpy's
namespace scan alone is quadratic in a file of many `xmlns` words, and nothing in-process can
stop a regular expression once it runs.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ENGLISH = "en"  # the catalogs' source language (bot.i18n.languages.DEFAULT)


def N_(message: str) -> str:
    """Marks a message for the catalogs (as `bot.i18n.catalogs.N_` does) without importing
    them: the child that reads a file must not spend its parse time loading Babel. Only a
    problem said in a language other than English loads the catalogs."""
    return message


EXTENSIONS = (".gpx", ".tcx", ".fit")
# Markup that declares things (<!DOCTYPE, <!ENTITY) rather than a comment or CDATA.
_DECLARATION = re.compile(rb"<!(?!--|\[CDATA\[)")
_XML_POINTS = (b"<trkpt", b"<Trackpoint", b":trkpt", b":Trackpoint")

SEND_AGAIN = N_(
    "Send the file your watch recorded (GPX, TCX or FIT), or log it by hand: /run 5k 28:30"
)


# The child finds this package where the parent did, installed or not; only it imports the
# parsing libraries (bot/reading/workout_parsers.py).
_CHILD = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r}); "
    "from bot.reading.workout_parsers import child; child()"
)


class WorkoutProblem(ValueError):
    """What is wrong with a workout file, said so that the person knows what to do.

    It keeps the English message and its figures apart (`said` puts them together in a
    language) because the child process that reads a file knows no one's language: the
    parts cross back to the parent as JSON (`as_json`, `of_json`)."""

    def __init__(self, message: str, *, send_again: bool = True, **params: str | int) -> None:
        self.message, self.send_again, self.params = message, send_again, params
        super().__init__(self.said(ENGLISH))

    def said(self, lang: str) -> str:
        """The message in `lang`; a whole-number figure in the locale's digits, and `size`
        (in KB) as the locale writes a size ("10 MB", "10 МБ")."""
        shown = {k: _shown(lang, k, v) for k, v in self.params.items()}
        text = _translate(lang, self.message).format(**shown)
        return f"{text} {_translate(lang, SEND_AGAIN)}." if self.send_again else text

    def as_json(self) -> dict[str, object]:
        return {"message": self.message, "send_again": self.send_again, "params": self.params}

    @classmethod
    def of_json(cls, data: object) -> WorkoutProblem:
        """The child's problem again; anything it could not have written reads as unreadable."""
        try:
            assert isinstance(data, dict) and isinstance(data["message"], str)
            params = data["params"]
            assert isinstance(params, dict)
            assert all(isinstance(v, str | int) for v in params.values())
            return cls(data["message"], send_again=bool(data["send_again"]), **params)
        except (AssertionError, KeyError, TypeError, IndexError, ValueError):
            return cls(UNREADABLE)


UNREADABLE = N_("I couldn't read that file.")


def _translate(lang: str, message: str) -> str:
    if lang == ENGLISH:
        return message
    from bot.i18n.catalogs import translate  # only for another language (see N_)

    return translate(lang, message)


def _number(lang: str, value: int) -> str:
    if lang == ENGLISH:
        return f"{value:,}"
    from bot.i18n.figures import figures  # only for another language (see N_)

    return figures(lang).number(value)


def _shown(lang: str, name: str, value: str | int) -> str:
    if isinstance(value, str):
        return value
    return file_size(lang, value) if name == "size" else _number(lang, value)


def file_size(lang: str, kb: int) -> str:
    """A size limit as a person reads it: "10 MB", "512 KB"; "10 МБ" in Russian."""
    amount, unit = (kb // 1024, N_("MB")) if kb >= 1024 else (kb, N_("KB"))
    if lang == ENGLISH:
        return f"{amount} {unit}"
    return f"{_number(lang, amount)}\u00a0{_translate(lang, unit)}"


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
            N_("That file is larger than {size}, more than any run needs."), size=max_kb
        )
    if not data.strip():
        raise WorkoutProblem(N_("That file is empty."))
    kind = sniff(data)
    if kind is None:
        raise WorkoutProblem(N_("That isn't a GPX, TCX or FIT file I can read."))
    if kind != "FIT":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WorkoutProblem(
                N_("That {kind} file isn't UTF-8 text, so I won't read it."), kind=kind
            ) from None
        if _DECLARATION.search(data):
            raise WorkoutProblem(
                N_(
                    "That {kind} file declares its own document type (<!DOCTYPE or <!ENTITY), "
                    "which watches never do, so I won't read it."
                ),
                kind=kind,
            )
        if sum(data.count(tag) for tag in _XML_POINTS) > max_points:
            raise too_many(max_points)
    return kind


def too_many(max_points: int) -> WorkoutProblem:
    return WorkoutProblem(
        N_("That file has more than {max_points} points, more than I read for one run."),
        max_points=max_points,
    )


def read_bounded(data: bytes, *, max_kb: int, max_points: int, timeout_s: float) -> Workout:
    """The run in a file, read by `workout_parsers.read_workout` in a child process that is
    killed after `timeout_s`."""
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
        done = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=timeout_s,
            env={},  # no secrets
        )
    except subprocess.TimeoutExpired:
        raise WorkoutProblem(N_("That file took too long to read, so I stopped.")) from None
    try:
        answer = json.loads(done.stdout)
        problem, found = answer.get("problem"), answer.get("workout")
    except (ValueError, AttributeError):  # killed for its CPU time, or out of memory
        problem, found = None, None
    if problem is not None:
        raise WorkoutProblem.of_json(problem)
    try:
        return Workout.of_json(found)
    except (ValueError, KeyError, TypeError):
        raise WorkoutProblem(UNREADABLE) from None
