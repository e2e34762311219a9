"""What a command is handed: the message's `Context`, the `Services` behind it, the `Voice`
it may ask for a line, and `UserError` for what the person got wrong.

A leaf: it imports nothing of bot/ but the seam (bot/interface.py), plain values
(bot/domain.py), settings, the clock, storage and the languages (bot/i18n/, a leaf too), so
every other module can import it without a cycle. What it needs of the command registry
it names as a Protocol (`Commands`), which `bot.commands.registry.Registry` meets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import Kind, Totals, Units
from bot.i18n import catalogs
from bot.i18n.figures import Figures, figures
from bot.i18n.told import Told
from bot.interface import ChatKind, CommandInfo, Incoming, Reply
from bot.settings import Settings
from bot.storage.accounts import Person
from bot.storage.db import Database
from bot.storage.rows import EntryLike, GoalLike, StoredGoal

APOLOGY = catalogs.N_(
    "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
)


def apology(lang: str | None) -> str:
    """`APOLOGY` in `lang`: what a failed message is answered with, where all that may be
    known of the person is what their app reports (`Incoming.language`)."""
    return catalogs.translate(lang or "en", APOLOGY)


Result = list[Reply] | Reply | str | None
Handler = Callable[["Context", str], Result]


class UserError(Told):
    """Shown to the user in their language (`Told`): written as `UserError(N_("English
    {name}"), name=...)`, or as text already translated; the transaction is rolled back, so
    nothing changes."""


class CommandSpec(CommandInfo, Protocol):
    """What the core reads of one registered command: an adapter's view, and its handler."""

    @property
    def handler(self) -> Handler: ...
    @property
    def follows_edits(self) -> bool: ...


class Commands(Protocol):
    """The command registry as commands see it (`registry.Registry`): by name, or all."""

    def get(self, name: str) -> CommandSpec | None: ...
    def __iter__(self) -> Iterator[CommandSpec]: ...
    def names(self) -> list[str]: ...


@dataclass(frozen=True)
class Progress:
    """Today's and this week's totals with the person's goals: what a log's reply shows and
    what the voice's facts start from, read once per log."""

    today: date
    day: Totals
    week: Totals
    goals: dict[Kind, StoredGoal]


@dataclass(frozen=True, slots=True)
class NudgeAsk:
    """One nudge of a batch the voice is asked a line for, with what the dispatcher knows
    already, so the voice need not read it again."""

    user_id: int
    name: str
    units: str  # 'metric' or 'imperial'
    encourage: bool  # False: the person turned encouragement lines off
    kind: Kind  # what the nudge is about
    local: datetime  # the nudge's moment in the person's zone: gives today, hour and weekday
    day: Totals  # that local day's totals
    week: Totals  # Monday up to that day
    goals: Mapping[Kind, GoalLike]
    lang: str = "en"  # the language the nudge speaks


class Voice(Protocol):
    """Chooses the line of encouragement for a moment: after a log, in a nudge, in a group
    digest. None means say nothing. `progress` is the totals and goals a log's reply has
    read already, so the voice need not read them again.

    Nudges come a batch at a time (the tick's fan-out): `nudge_lines` gives one line or None
    per ask, in order, and is called once per batch, so its cost per batch can stay a few
    statements however many people the batch holds."""

    def after_log(
        self, ctx: Context, entry: EntryLike, progress: Progress | None = None
    ) -> str | None: ...

    def nudge_lines(
        self, session: Session, asks: Sequence[NudgeAsk], now: datetime
    ) -> list[str | None]: ...

    def group_line(self, session: Session, facts: dict[str, object]) -> str | None: ...


class SilentVoice:
    def after_log(
        self, ctx: Context, entry: EntryLike, progress: Progress | None = None
    ) -> str | None:
        return None

    def nudge_lines(
        self, session: Session, asks: Sequence[NudgeAsk], now: datetime
    ) -> list[str | None]:
        return [None] * len(asks)

    def group_line(self, session: Session, facts: dict[str, object]) -> str | None:
        return None


@dataclass
class Services:
    """Everything a command may use; bot/services.py builds it once."""

    settings: Settings
    db: Database
    registry: Commands
    clock: Clock
    voice: Voice = field(default_factory=SilentVoice)


@dataclass
class Asking:
    """Someone typing into a command's option, for a suggestion provider (`Param.suggest`).

    Read-only: `connection` is in a transaction that is never committed, and `user` is None
    for someone Steady has not met (asking must not create them). `filled` holds the
    command's other options as typed so far, by param name."""

    connection: Connection
    incoming: Incoming
    user: Person | None
    services: Services
    now: datetime
    filled: Mapping[str, str] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def units(self) -> Units:
        return Units(self.user.units if self.user is not None else Units.METRIC)

    @property
    def in_group(self) -> bool:
        return self.incoming.chat_kind is ChatKind.GROUP


@dataclass
class Context:
    """One message being handled: its transaction, its person, its moment.

    The transaction is `connection`, for statements that run on it directly (bot/storage/
    prepared.py), as every log's do; `session`, an ORM Session joined to the same
    transaction, is made only for a command that asks for it, since making one costs more
    than the statements of a whole /today."""

    _connection: Connection
    incoming: Incoming
    account_id: int
    user: Person
    services: Services
    now: datetime
    erased: bool = False  # /deleteme removed the person: nothing of this message is kept
    # A press of an offer's ✅ button: the message the offer read, whose entry this logs
    # (bot/commands/plain_words.py: `confirmed`).
    offered_in: str | None = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @cached_property
    def session(self) -> Session:
        return Session(bind=self._connection, expire_on_commit=False)

    @property
    def connection(self) -> Connection:
        """The transaction's connection, with the session's pending changes written to it."""
        if "session" in self.__dict__:
            self.session.flush()
        return self._connection

    def close(self) -> None:
        if "session" in self.__dict__:
            self.session.close()

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.user.tz)

    @cached_property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        return self.local_now.date()

    @property
    def units(self) -> Units:
        return Units(self.user.units)

    @property
    def lang(self) -> str:
        """The language to answer in: the person's choice, else their app's, else English."""
        return self.user.lang

    def _(self, message: str) -> str:
        """`message` (English, as written in the code) in the person's language."""
        return catalogs.translate(self.user.lang, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return catalogs.translate_plural(self.user.lang, singular, plural, n)

    @property
    def figures(self) -> Figures:
        """Numbers, units, dates and weekdays written the person's language's way."""
        return figures(self.user.lang)

    @property
    def in_group(self) -> bool:
        return self.incoming.chat_kind is ChatKind.GROUP

    @property
    def is_admin(self) -> bool:
        """Whether the sender administers this group: asked of the platform before the
        transaction began, for the commands that say they need it (`Command.needs_admin`)."""
        return bool(self.incoming.is_admin)
