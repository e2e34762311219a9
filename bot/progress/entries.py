"""A person's entries one by one: their numbers, finding one, changing or removing it.

Every entry carries its person's own number (1, 2, 3...), given when it is stored and never
changed, so `/edit 12` means the same entry next week as today. A log's INSERT takes the
next number in the statement itself (`NEXT_NUMBER`); on PostgreSQL two logs of one person
at the same moment may both choose it, so that INSERT skips a taken number and is run again
(`store` in bot/commands/log.py). Any other insert gets its number from the column's
default (bot/storage/models.py). Numbers are per person after `/link` too
(bot/groups/linking.py says how two histories are numbered when they become one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ScalarSelect, bindparam, func, select, update

from bot.context import Context
from bot.domain import NewEntry, RunValue, StrengthValue, Units, WaterValue
from bot.i18n.languages import DEFAULT
from bot.progress import formatting
from bot.progress.days import day_text
from bot.storage.models import Entry
from bot.storage.prepared import Db, Prepared
from bot.storage.rows import StoredEntry

# A log of each kind, for messages that show how to write one.
EXAMPLES = {
    "run": "/run 5k 28:30",
    "strength": "/strength squats 3x10 40kg",
    "water": "/water 500ml",
}

# What follows an entry's number in an /edit, for each kind: its own command's arguments.
EDIT_ARGUMENTS = {"run": "5k 27:30", "strength": "squats 3x12 40kg", "water": "750ml"}

# The columns an entry's figures live in: a change of kind clears the ones it no longer uses.
FIGURES = (
    "distance_m",
    "duration_s",
    "exercise",
    "sets",
    "reps",
    "weight_kg",
    "set_s",
    "volume_ml",
)

_numbered = Entry.__table__.alias("numbered")  # an alias: never correlated with the INSERT's
NEXT_NUMBER: ScalarSelect[int] = (
    select(func.coalesce(func.max(_numbered.c.number), 0) + 1)
    .where(_numbered.c.user_id == bindparam("user_id"))
    .scalar_subquery()
)

_BY_NUMBER = Prepared(
    select(*Entry.__table__.c).where(
        Entry.user_id == bindparam("user_id"), Entry.number == bindparam("number")
    ),
    StoredEntry,
)
_BY_MESSAGE = Prepared(
    select(*Entry.__table__.c).where(
        Entry.source_platform == bindparam("platform"),
        Entry.source_chat_id == bindparam("chat_id"),
        Entry.source_message_id == bindparam("message_id"),
    ),
    StoredEntry,
)
_REWRITE = Prepared(
    update(Entry)
    .where(Entry.id == bindparam("entry_id"))
    .values(
        {c: bindparam(c, type_=Entry.__table__.c[c].type) for c in ("kind", "note", *FIGURES)}
        | {"local_date": bindparam("on_date", type_=Entry.local_date.type)}
    )
    .returning(*Entry.__table__.c),
    StoredEntry,
)
_REMOVE = Prepared(
    update(Entry)
    .where(Entry.id == bindparam("entry_id"), Entry.deleted_at.is_(None))
    .values(deleted_at=bindparam("now", type_=Entry.deleted_at.type))
)
_RECENT = Prepared(
    select(*Entry.__table__.c)
    .where(Entry.user_id == bindparam("user_id"), Entry.deleted_at.is_(None))
    .order_by(Entry.number.desc())
    .limit(bindparam("limit")),
    StoredEntry,
)


def figures_of(new: NewEntry) -> dict[str, object]:
    """The kind, note and figure columns of a parsed log (every figure column named, the ones
    its kind doesn't use as None)."""
    values: dict[str, object] = dict.fromkeys(FIGURES) | {"kind": new.kind.value}
    values["note"] = new.note
    value = new.value
    if isinstance(value, RunValue):
        values |= {"distance_m": value.distance_m, "duration_s": value.duration_s}
    elif isinstance(value, StrengthValue):
        values |= {
            "exercise": value.exercise,
            "sets": value.sets,
            "reps": value.reps,
            "weight_kg": value.weight_kg,
            "duration_s": value.duration_s,
            "set_s": value.set_s,
        }
    elif isinstance(value, WaterValue):
        values["volume_ml"] = value.volume_ml
    return values


def by_number(db: Db, user_id: int, number: int) -> StoredEntry | None:
    """The person's entry with this number, undone or not."""
    return _BY_NUMBER.first(db, {"user_id": user_id, "number": number})


def from_message(db: Db, platform: str, chat_id: str, message_id: str) -> StoredEntry | None:
    """The entry a platform message logged, undone or not; None if it logged none."""
    params = {"platform": platform, "chat_id": chat_id, "message_id": message_id}
    return _BY_MESSAGE.first(db, params)


def rewrite(db: Db, entry: StoredEntry, new: NewEntry) -> StoredEntry:
    """The entry with the new log's kind, figures and note; its day too when the new log
    names one, else it keeps its own. Its number, time and source stay."""
    params = figures_of(new) | {
        "entry_id": entry.id,
        "on_date": new.on_date or entry.local_date,
    }
    (changed,) = _REWRITE.all(db, params)
    return changed


def remove(db: Db, entry: StoredEntry, now: datetime) -> bool:
    """Hides the entry as /undo does (the row stays, so its message is still recognised if
    the platform sends it again). False: it was removed already."""
    return _REMOVE.execute(db, {"entry_id": entry.id, "now": now}) == 1


@dataclass(frozen=True)
class Label:
    """An entry as a list of choices shows it: `#12 · Wed 25 Nov · run 5.00 km in 28:30`."""

    number: int
    local_date: date
    text: str
    lang: str = DEFAULT

    def __str__(self) -> str:
        return f"#{self.number} · {day_text(self.local_date, self.lang)} · {self.text}"


def recent(db: Db, user_id: int, units: Units, limit: int = 25, lang: str = DEFAULT) -> list[Label]:
    """The person's latest live entries, newest number first, each with a short label: what
    a picker of entries (an /edit autocomplete) offers."""
    rows = _RECENT.all(db, {"user_id": user_id, "limit": limit})
    return [Label(e.number, e.local_date, formatting.describe(e, units, lang), lang) for e in rows]


def edit_not_followed(ctx: Context) -> str | None:
    """An edited message that no longer reads as a log (or never did): nothing is run. If it
    had logged an entry, the person hears that the entry stays and how to remove it; if it
    had logged nothing, the edit goes unanswered (editing a message doesn't run a command
    again)."""
    incoming = ctx.incoming
    assert incoming.edits_message_id is not None
    found = from_message(
        ctx.connection, incoming.platform, incoming.chat_id, incoming.edits_message_id
    )
    if found is None or found.user_id != ctx.user.id or found.deleted_at is not None:
        return None
    return ctx._(
        "Your edited message doesn't read as a log, so #{number} stays as it was: "
        "{entry}. Edit it to a log like {example}, or remove it with /delete {number}."
    ).format(
        number=found.number,
        entry=formatting.describe(found, ctx.units, ctx.lang),
        example=EXAMPLES[found.kind],
    )
