"""The export format: entries as CSV (one row per entry, with a header), everything as JSON,
and reading such a CSV back for /import.

Figures are kept in base units (metres, seconds, kilograms, millilitres) and written so that
they read back exactly: an export imported into an empty database gives the same history.
`date` is the local day the entry belongs to; `logged_at` is when it was logged, in UTC.

A cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) is written with a leading `'`, which spreadsheets show as text; /import takes that
quote off again, and refuses a formula cell written without it. Import checks every field
with the same checks the commands use (bot/reading/parsing.py), so a file can hold nothing a command
would refuse.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain import Kind, StrengthValue
from bot.i18n.catalogs import N_, translate
from bot.i18n.languages import DEFAULT
from bot.reading import parsing
from bot.settings import Limits
from bot.storage.accounts import Person
from bot.storage.models import Entry
from bot.storage.ownership import owned_rows

# Makes the error for one line of the file: an English message (N_) and its placeholders.
Fail = Callable[..., "ImportProblem"]

FORMAT = "steady-export"
VERSION = 1
CSV_COLUMNS = (
    "date",
    "logged_at",
    "kind",
    "distance_m",
    "duration_s",
    "exercise",
    "sets",
    "reps",
    "weight_kg",
    "volume_ml",
    "note",
    "set_s",  # last: files from before timed sets have no such column, and need none
)
# The value columns each kind may fill; the others stay empty.
KIND_COLUMNS = {
    Kind.RUN: {"distance_m", "duration_s", "note"},
    Kind.STRENGTH: {"exercise", "sets", "reps", "weight_kg", "duration_s", "note", "set_s"},
    Kind.WATER: {"volume_ml", "note"},
}
EXAMPLE_ROW = "2026-11-20,2026-11-20T07:30:00+00:00,run,5000,1710,,,,,,easy"


def example(lang: str) -> str:
    return translate(
        lang, "A row looks like: {row} (send /export to get a file in this format)."
    ).format(row=EXAMPLE_ROW)


class ImportProblem(ValueError):
    """What is wrong with a file, said so that a person can fix it (in their language)."""


@dataclass(frozen=True)
class EntryRow:
    """One entry as the export holds it."""

    date: date
    logged_at: datetime
    kind: Kind
    distance_m: float | None = None
    duration_s: float | None = None
    exercise: str | None = None
    sets: int | None = None
    reps: int | None = None
    weight_kg: float | None = None
    volume_ml: float | None = None
    note: str | None = None
    set_s: float | None = None

    @classmethod
    def of(cls, entry: Entry) -> EntryRow:
        return cls(
            date=entry.local_date,
            logged_at=entry.logged_at.astimezone(UTC),
            kind=Kind(entry.kind),
            distance_m=entry.distance_m,
            duration_s=entry.duration_s,
            exercise=entry.exercise,
            sets=entry.sets,
            reps=entry.reps,
            weight_kg=entry.weight_kg,
            volume_ml=entry.volume_ml,
            note=entry.note,
            set_s=entry.set_s,
        )

    @property
    def key(self) -> tuple[Any, ...]:
        """What makes two entries the same entry, for skipping ones already there."""
        return tuple(
            round(v, 6) if isinstance(v, float) else v
            for v in (getattr(self, f.name) for f in fields(self))
        )

    def as_json(self) -> dict[str, Any]:
        return {name: _json_value(getattr(self, name)) for name in CSV_COLUMNS}

    def as_csv(self) -> list[str]:
        return [_escaped(_csv_value(getattr(self, name))) for name in CSV_COLUMNS]


_TEXT_COLUMNS = ("exercise", "note")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_formula(cell: str) -> bool:
    """Whether a spreadsheet could read the cell as a formula, or it is such a cell already
    behind quotes (so that quoting is undone exactly once)."""
    bare = cell.lstrip("'")
    return bare.startswith(_FORMULA_STARTS)


def _escaped(cell: str) -> str:
    return f"'{cell}" if _is_formula(cell) else cell


def _unescaped(cell: str) -> str:
    """The cell as it was before export."""
    return cell[1:] if cell.startswith("'") and _is_formula(cell[1:]) else cell


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def entries_csv(rows: Iterable[EntryRow]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(row.as_csv())
    return out.getvalue().encode("utf-8")


def everything_json(session: Session, user: Person, rows: list[EntryRow], now: datetime) -> bytes:
    """The profile, the entries (as in the CSV) and every other row that points at the person,
    table by table, so data kept by features added later is exported too."""
    tables = owned_rows(session, user.id)
    tables.pop(Entry.__tablename__, None)  # given above as "entries", in the CSV's shape
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.isoformat(),
        "profile": {
            "display_name": user.display_name,
            "tz": user.tz,
            "units": user.units,
            "encourage": user.encourage,
            "language": user.language,  # chosen with /lang
            "app_language": user.app_language,  # as their app last reported it
            "created_at": user.created_at.isoformat(),
        },
        "entries": [row.as_json() for row in rows],
        "tables": tables,
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=_json_value).encode("utf-8")


def too_large(lang: str, name: str, max_kb: int) -> str:
    """A file over the import limit (the console says it too, before reading the file)."""
    return translate(
        lang, "{name} is larger than {max_kb} KB. Split it and import the parts."
    ).format(name=name, max_kb=max_kb)


def read_csv(
    data: bytes, *, today: date, tz: ZoneInfo, limits: Limits, lang: str = DEFAULT
) -> list[EntryRow]:
    """Every row of an export CSV, checked; the first problem raises ImportProblem, said
    in `lang`.

    An empty `logged_at` (a file written by hand) means noon of that local day."""

    def _(message: str) -> str:
        return translate(lang, message)

    if len(data) > limits.max_import_kb * 1024:
        raise ImportProblem(too_large(lang, _("That file"), limits.max_import_kb))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        said = _("That file isn't a text CSV.")
        raise ImportProblem(f"{said} {example(lang)}") from None
    if text.lstrip().startswith("{"):
        raise ImportProblem(
            _("That's the JSON file; /import takes the CSV one from /export (steady-export-….csv).")
        )
    reader = csv.DictReader(io.StringIO(text, newline=""), restval="")
    try:
        header = [name.strip() for name in reader.fieldnames or ()]
        _check_header(header, lang)
        reader.fieldnames = header
        rows: list[EntryRow] = []
        for record in reader:
            if None in record:
                raise ImportProblem(
                    _("Line {line} has more fields than the header.").format(line=reader.line_num)
                )
            if not any((v or "").strip() for v in record.values()):
                continue
            if len(rows) >= limits.max_import_rows:
                raise ImportProblem(
                    _(
                        "That file has more than {count} entries. Split it and import the parts."
                    ).format(count=limits.max_import_rows)
                )
            rows.append(_row(record, reader.line_num, today, tz, limits, lang))
    except csv.Error as exc:
        said = _("I couldn't read that CSV ({problem}).").format(problem=exc)
        raise ImportProblem(f"{said} {example(lang)}") from None
    return rows


def _check_header(header: list[str], lang: str) -> None:
    def said(message: str, **params: str) -> ImportProblem:
        first = translate(lang, "The first line should be:")
        text = translate(lang, message).format(**params)
        return ImportProblem(f"{text} {first}\n{','.join(CSV_COLUMNS)}")

    if not header:
        raise said(N_("That file is empty."))
    twice = [name for name in header if header.count(name) > 1]
    if twice:
        raise said(N_("The header names the column {name} twice; keep one."), name=repr(twice[0]))
    unknown = [name for name in header if name not in CSV_COLUMNS]  # not echoed
    missing = [name for name in ("date", "kind") if name not in header]
    if unknown:
        raise said(N_("That doesn't look like a Steady export: I don't know one of its columns."))
    if missing:
        raise said(
            N_("That doesn't look like a Steady export: It has no {name} column."),
            name=repr(missing[0]),
        )


def _row(
    record: dict[str, str], line: int, today: date, tz: ZoneInfo, limits: Limits, lang: str
) -> EntryRow:
    def fail(message: str, **params: object) -> ImportProblem:
        """`message` is English (marked with N_), translated here with its placeholders."""
        text = translate(lang, message).format(**params)
        said = translate(lang, "Line {line}: {problem} Nothing was imported.").format(
            line=line, problem=text
        )
        return ImportProblem(f"{said} {example(lang)}")

    cells = {name: (raw or "").strip() for name, raw in record.items()}
    for name in _TEXT_COLUMNS:  # the others are read as dates and numbers, or refused
        if _is_formula(cell := cells.get(name, "")) and not cell.startswith("'"):
            raise fail(
                N_(
                    "the {name} cell starts like a spreadsheet formula (= + - @); "
                    "put a ' before it to keep it as text."
                ),
                name=name,
            )
    cells = {name: _unescaped(cell) for name, cell in cells.items()}

    try:
        day = date.fromisoformat(cells["date"])
    except ValueError:
        raise fail(
            N_("the date {text} should look like 2026-11-20."), text=repr(cells["date"])
        ) from None
    if day > today:
        raise fail(N_("{day} is in the future."), day=day)
    if day.year < 1970:
        raise fail(N_("{day} is too long ago."), day=day)
    kind_text = cells.get("kind", "").lower()
    if kind_text not in set(Kind):
        raise fail(
            N_("the kind {text} should be run, strength or water."),
            text=repr(cells.get("kind", "")),
        )
    kind = Kind(kind_text)
    stray = [c for c in CSV_COLUMNS[3:] if c not in KIND_COLUMNS[kind] and cells.get(c, "") != ""]
    if stray:
        raise fail(
            N_("a {kind} has no {column}; leave that column empty."),
            kind=kind.value,
            column=stray[0],
        )
    row = EntryRow(
        date=day,
        logged_at=_logged_at(cells.get("logged_at", ""), day, today, tz, fail),
        kind=kind,
        distance_m=_number(cells, "distance_m", fail),
        duration_s=_number(cells, "duration_s", fail),
        exercise=" ".join(cells.get("exercise", "").lower().split()) or None,
        sets=_whole(cells, "sets", fail),
        reps=_whole(cells, "reps", fail),
        weight_kg=_number(cells, "weight_kg", fail),
        volume_ml=_number(cells, "volume_ml", fail),
        note=" ".join(cells.get("note", "").split()) or None,
        set_s=_number(cells, "set_s", fail),
    )
    _check_values(row, limits, fail)
    return row


def _logged_at(text: str, day: date, today: date, tz: ZoneInfo, fail: Fail) -> datetime:
    """When the entry was logged, in UTC, from 1970 to now. A moment at the calendar's edge
    (year 1 or 9999 in another zone) cannot even be moved to UTC: that is refused too."""
    if not text:
        return datetime.combine(day, time(12), tz).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(text)
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except ValueError:
        raise fail(
            N_("logged_at {text} should look like 2026-11-20T07:30:00+00:00."), text=repr(text[:40])
        ) from None
    except OverflowError:
        moment = None
    if moment is None or moment < _EPOCH:
        raise fail(
            N_(
                "logged_at {text} is out of range: it should be a moment from 1970 "
                "until now, like 2026-11-20T07:30:00+00:00."
            ),
            text=repr(text[:40]),
        )
    if moment.date() > today + timedelta(days=1):
        raise fail(N_("logged_at {text} is in the future."), text=repr(text[:40]))
    return moment


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _number(cells: dict[str, str], name: str, fail: Fail) -> float | None:
    text = cells.get(name, "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise fail(N_("{name} {text} is not a number."), name=name, text=repr(text)) from None
    if not math.isfinite(value) or value <= 0:
        raise fail(N_("{name} has to be a number above zero."), name=name)
    return value


def _whole(cells: dict[str, str], name: str, fail: Fail) -> int | None:
    text = cells.get(name, "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) < 10) or int(text) == 0:
        raise fail(
            N_("{name} {text} should be a whole number above zero."), name=name, text=repr(text)
        )
    return int(text)


def _check_values(row: EntryRow, limits: Limits, fail: Fail) -> None:
    """The commands' own checks (bot/reading/parsing.py), with the file's line in the message."""
    try:
        parsing.check_note(row.note or "", limits, "")
        if row.kind is Kind.RUN:
            if row.distance_m is None:
                raise fail(N_("a run needs distance_m (metres)."))
            parsing.check_run(row.distance_m, row.duration_s, limits, "")
        elif row.kind is Kind.STRENGTH:
            value = StrengthValue(
                row.exercise, row.sets, row.reps, row.weight_kg, row.duration_s, row.set_s
            )
            parsing.check_strength(value, limits, "")
        elif row.volume_ml is None:
            raise fail(
                N_("water needs volume_ml (millilitres, up to {most})."),
                most=f"{limits.max_water_ml:g}",
            )
        else:
            parsing.check_water(row.volume_ml, limits, "")
    except parsing.ParseError as exc:
        raise fail("{problem}", problem=str(exc).strip()) from None
