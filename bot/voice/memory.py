"""What the voice remembers of each audience: when a limited rule last spoke to it (for
cooldowns and "once" rules) and which messages of each category it saw lately (no repeats).

Each category's row keeps what was shown, newest last, as `[id, unix seconds, local day]`
(`Shown`): the seconds keep a line from coming back within `NO_REPEAT_DAYS`, the day counts
generic lines against the daily cap (rules.toml `[daily_cap]`). A row keeps `REMEMBER_DAYS`
of it (and at least the last ten), at most `MAX_REMEMBERED` entries. Rows written before
the time was kept hold bare ids, read as shown long ago.

A `Memory` is read for a whole batch of moments at once: one query per table, however many
people a fan-out of nudges reaches (a single log is a batch of one). Lines are then chosen
in Python against it, and each choice is noted in it straight away, so two nudges for the
same person in one batch see each other. `write` puts what changed back with one statement
per table, inside the caller's transaction: a rolled-back log or tick leaves no trace here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ARRAY, String, any_, bindparam, select, tuple_

from bot.storage import bulk
from bot.storage.models import RuleFiring, ShownMessages
from bot.storage.prepared import Db, Prepared, connection_of
from bot.voice.encouragement import Shown, remember

FiringKey = tuple[str, str, str]  # (audience key, rule name, once key)
# Three parameters a key, and SQLite takes up to 32,766 in one statement: a batch of a
# thousand people needs a second query only when five limited rules match for each of them.
FIRINGS_PER_QUERY = 5000


@dataclass(frozen=True)
class Audience:
    """Who hears a line, as the voice's memory knows them."""

    key: str  # "user:12" or "group:telegram:-100123"
    user_id: int | None = None

    @classmethod
    def person(cls, user_id: int) -> Audience:
        return cls(f"user:{user_id}", user_id)


# Statements are built once: building one costs more than running it on SQLite. PostgreSQL
# takes each list as one array parameter.
_TEXTS = ARRAY(String)
_RECENT = {
    False: select(ShownMessages.audience, ShownMessages.category, ShownMessages.recent).where(
        ShownMessages.audience.in_(bindparam("audiences", expanding=True)),
        ShownMessages.category.in_(bindparam("categories", expanding=True)),
    ),
    True: select(ShownMessages.audience, ShownMessages.category, ShownMessages.recent).where(
        ShownMessages.audience == any_(bindparam("audiences", type_=_TEXTS)),
        ShownMessages.category == any_(bindparam("categories", type_=_TEXTS)),
    ),
}
# A log is a batch of one: its memory is read with point lookups, run on the driver's cursor.
_RECENT_OF_ONE = Prepared(
    select(ShownMessages.category, ShownMessages.recent).where(
        ShownMessages.audience == bindparam("audience")
    )
)
_FIRED = Prepared(
    select(RuleFiring.fired_at).where(
        RuleFiring.audience == bindparam("audience"),
        RuleFiring.rule == bindparam("rule"),
        RuleFiring.once_key == bindparam("once_key"),
    )
)
_FIRINGS = select(
    RuleFiring.audience, RuleFiring.rule, RuleFiring.once_key, RuleFiring.fired_at
).where(
    tuple_(RuleFiring.audience, RuleFiring.rule, RuleFiring.once_key).in_(
        bindparam("keys", expanding=True)
    )
)


class Memory:
    """One batch's view of the memory: read once, noted in as lines are chosen, written once."""

    def __init__(self) -> None:
        self._recent: dict[tuple[str, str], list[Shown]] = {}
        self._fired: dict[FiringKey, datetime] = {}
        self._users: dict[str, int | None] = {}
        self._shown: set[tuple[str, str]] = set()  # changed since read
        self._fires: set[FiringKey] = set()

    @classmethod
    def read(
        cls,
        db: Db,
        audiences: Iterable[Audience],
        categories: Collection[str],
        firings: Collection[FiringKey],
    ) -> Memory:
        """The memory of `audiences` in `categories`, and the firings under the keys given
        (only limited rules that could speak need them, so often there are none to read)."""
        memory = cls()
        memory._users = {a.key: a.user_id for a in audiences}
        if len(memory._users) == 1:
            memory._read_one(db, next(iter(memory._users)), categories, firings)
            return memory
        if not memory._users:
            return memory
        connection = connection_of(db)
        if categories:
            statement = _RECENT[bulk.is_postgres(db)]
            params = {"audiences": sorted(memory._users), "categories": sorted(categories)}
            for audience, category, recent in connection.execute(statement, params).all():
                memory._recent[(audience, category)] = _shown(recent)
        keys = sorted(set(firings))
        for start in range(0, len(keys), FIRINGS_PER_QUERY):
            chunk = keys[start : start + FIRINGS_PER_QUERY]
            for audience, rule, key, at in connection.execute(_FIRINGS, {"keys": chunk}).all():
                memory._fired[(audience, rule, key)] = at
        return memory

    def _read_one(
        self,
        db: Db,
        audience: str,
        categories: Collection[str],
        firings: Collection[FiringKey],
    ) -> None:
        if categories:
            for category, recent in _RECENT_OF_ONE.all(db, {"audience": audience}):
                if category in categories:
                    self._recent[(audience, category)] = _shown(recent)
        for key in set(firings):
            _, rule, once_key = key
            params = {"audience": audience, "rule": rule, "once_key": once_key}
            if (at := _FIRED.scalar(db, params)) is not None:
                self._fired[key] = at

    def recent(self, audience: Audience | None, category: str) -> list[Shown]:
        """What the audience was last shown in the category, newest last."""
        if audience is None:
            return []
        return self._recent.get((audience.key, category), [])

    def shown_on(self, audience: Audience | None, categories: Iterable[str], day: str) -> int:
        """How many lines of `categories` the audience was shown on its local `day`."""
        if audience is None:
            return 0
        return sum(
            1
            for category in categories
            for shown in self._recent.get((audience.key, category), ())
            if shown[2] == day
        )

    def fired(self, audience: Audience | None, rule: str, once_key: str) -> datetime | None:
        if audience is None:
            return None
        return self._fired.get((audience.key, rule, once_key))

    def note(
        self,
        audience: Audience | None,
        category: str,
        message_id: str,
        now: datetime,
        firing: tuple[str, str] | None = None,
        day: str = "",
    ) -> None:
        """The audience was shown `message_id` on its local `day`; `firing` is (rule, once
        key) for a limited rule, which is then quiet for its cooldown or for good."""
        if audience is None:
            return
        key = (audience.key, category)
        self._recent[key] = remember(self._recent.get(key, []), message_id, now, day)
        self._shown.add(key)
        self._users.setdefault(audience.key, audience.user_id)
        if firing is not None:
            fired = (audience.key, *firing)
            self._fired[fired] = now
            self._fires.add(fired)

    def write(self, db: Db, now: datetime) -> None:
        """What changed, back to the database: one upsert per table (rows in key order, so
        concurrent writers take their row locks in the same order)."""
        shown = [
            {
                "audience": a,
                "user_id": self._users[a],
                "category": c,
                "recent": [list(shown) for shown in self._recent[a, c]],
            }
            for a, c in sorted(self._shown)
        ]
        bulk.upsert_many(
            db,
            ShownMessages.__table__,
            ("audience", "category"),
            shown,
            changes=("recent", "updated_at"),
            shared={"updated_at": now},
        )
        fires = [
            {"audience": a, "user_id": self._users[a], "rule": r, "once_key": k}
            for a, r, k in sorted(self._fires)
        ]
        bulk.upsert_many(
            db,
            RuleFiring.__table__,
            ("audience", "rule", "once_key"),
            fires,
            changes=("fired_at",),
            shared={"fired_at": now},
        )
        self._shown.clear()
        self._fires.clear()


def _shown(stored: object) -> list[Shown]:
    """A row's `recent` as `Shown` entries; a bare id (kept before times were) as shown at
    second 0, on no day."""
    found: list[Shown] = []
    for item in stored if isinstance(stored, list) else ():
        if isinstance(item, str):
            found.append((item, 0, ""))
        elif isinstance(item, list) and len(item) == 3:
            found.append((str(item[0]), int(item[1]), str(item[2])))
    return found
