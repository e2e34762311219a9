"""Steady's voice: facts -> the best rule that may speak -> a message not seen lately.

`SteadyVoice` implements the `Voice` protocol of bot/core.py. Everything happens inside the
caller's transaction: the firing of a limited rule (cooldown or once) and the message shown
are remembered in the same commit as the log or the nudge they belong to, so a rolled-back
log leaves no trace in the voice's memory either.

`load_voice` reads config/rules.toml and config/encouragement.toml and raises ConfigError
listing every problem; `check_files` gives the same problems for `steady rules check`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot import facts as f
from bot.checks import ConfigError, Problem, read_toml
from bot.clock import Clock, SystemClock
from bot.domain import Kind, Units
from bot.encouragement import Library, choose, load_library, remember
from bot.facts import Facts, Scope
from bot.rules import Rule, Rulebook, load_rulebook
from bot.stats import Progress, progress_of
from bot.storage.models import Entry, RuleFiring, ShownMessages, User

if TYPE_CHECKING:
    from bot.core import Context

log = logging.getLogger("steady.voice")

RULES_FILE = "rules.toml"
MESSAGES_FILE = "encouragement.toml"


@dataclass(frozen=True)
class Audience:
    """Who hears a line, as the voice's memory knows them."""

    key: str  # "user:12" or "group:telegram:-100123"
    user_id: int | None = None

    @classmethod
    def person(cls, user_id: int) -> Audience:
        return cls(f"user:{user_id}", user_id)


class SteadyVoice:
    def __init__(
        self,
        rulebook: Rulebook,
        library: Library,
        *,
        glass_ml: float = 250.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.rulebook, self.library = rulebook, library
        self.glass_ml = glass_ml
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()

    def after_log(self, ctx: Context, entry: Entry, progress: Progress | None = None) -> str | None:
        """The line under a log's reply. `progress` is what the reply already read."""
        progress = progress or progress_of(ctx.session, ctx.user.id, ctx.today)
        facts = f.for_log(
            ctx.session,
            ctx.user,
            entry,
            ctx.now,
            progress,
            milestones=self.rulebook.streak_milestones,
            glass_ml=self.glass_ml,
        )
        audience = Audience.person(ctx.user.id)
        return self.speak(ctx.session, Scope.AFTER_LOG, facts, audience, ctx.now)

    def nudge(self, session: Session, user: User, kind: Kind, now: datetime) -> str | None:
        """The line in a nudge about `kind`; None for someone who turned encouragement off."""
        if not user.encourage:
            return None
        today = now.astimezone(ZoneInfo(user.tz)).date()
        progress = progress_of(session, user.id, today)
        facts = f.for_nudge(session, user, kind, now, progress, glass_ml=self.glass_ml)
        return self.speak(session, Scope.NUDGE, facts, Audience.person(user.id), now)

    def group_line(self, session: Session, facts: dict[str, object]) -> str | None:
        """The line in a group's digest. Pass `group_key` (e.g. "telegram:-100123") so the
        group doesn't hear the same line again soon; the digest facts are in bot/facts.py."""
        given = f.for_digest(facts)
        key = str(given["group_key"] or given["group"])
        audience = Audience(f"group:{key}") if key else None
        return self.speak(session, Scope.DIGEST, given, audience, self.clock.now())

    def speak(
        self,
        session: Session,
        scope: Scope,
        facts: Facts,
        audience: Audience | None,
        now: datetime,
    ) -> str | None:
        """The first matching rule, by priority, that may speak and has a message that
        renders; its firing and the message are remembered for `audience`."""
        matched = self.rulebook.matching(scope, facts)
        limited = [r for r in matched if r.limited]
        fired = _firings(session, audience, limited, facts) if limited and audience else {}
        units = Units(facts.get("units", Units.METRIC))
        for rule in matched:
            key = rule.once_key(facts)
            if not rule.may_speak(fired.get((rule.name, key)), now):
                continue
            for category in self.rng.sample(rule.say, len(rule.say)):  # one, picked at random
                recent = _recent(session, audience, category) if audience else []
                chosen = choose(self.library.categories[category], recent, facts, units, self.rng)
                if chosen is None:
                    continue  # nothing in it renders now: another category, or the next rule
                message, text = chosen
                log.debug("rule %s says %s message %s", rule.name, category, message.id)
                if audience is not None:
                    _remember_shown(session, audience, category, remember(recent, message.id), now)
                    if rule.limited:
                        _remember_firing(session, audience, rule, key, now)
                return text
        return None


# --- memory -----------------------------------------------------------------------------
# Statements are built once with bound parameters (building one costs more than running it).

_FIRINGS = select(RuleFiring.rule, RuleFiring.once_key, RuleFiring.fired_at).where(
    RuleFiring.audience == bindparam("audience"),
    tuple_(RuleFiring.rule, RuleFiring.once_key).in_(bindparam("keys", expanding=True)),
)
_RECENT = select(ShownMessages.recent).where(
    ShownMessages.audience == bindparam("audience"),
    ShownMessages.category == bindparam("category"),
)


def _firings(
    session: Session, audience: Audience, rules: Sequence[Rule], facts: Facts
) -> dict[tuple[str, str], datetime]:
    """When each limited rule last fired under the key it would fire under now."""
    keys = [(r.name, r.once_key(facts)) for r in rules]
    rows = session.connection().execute(_FIRINGS, {"audience": audience.key, "keys": keys})
    return {(rule, key): at for rule, key, at in rows}


def _recent(session: Session, audience: Audience, category: str) -> list[str]:
    recent = session.connection().scalar(_RECENT, {"audience": audience.key, "category": category})
    return list(recent or [])


@cache
def _upsert(dialect: str, model: type, keys: tuple[str, ...], changes: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET changes, for this database."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model)
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: statement.excluded[c] for c in changes}
    )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _remember_shown(
    session: Session, audience: Audience, category: str, recent: list[str], now: datetime
) -> None:
    statement = _upsert(
        _dialect(session), ShownMessages, ("audience", "category"), ("recent", "updated_at")
    )
    values = {"audience": audience.key, "user_id": audience.user_id, "category": category}
    session.connection().execute(statement, {**values, "recent": recent, "updated_at": now})


def _remember_firing(
    session: Session, audience: Audience, rule: Rule, key: str, now: datetime
) -> None:
    statement = _upsert(
        _dialect(session), RuleFiring, ("audience", "rule", "once_key"), ("fired_at",)
    )
    values = {"audience": audience.key, "user_id": audience.user_id, "rule": rule.name}
    session.connection().execute(statement, {**values, "once_key": key, "fired_at": now})


# --- loading ----------------------------------------------------------------------------


def load_voice(
    config_dir: Path, *, glass_ml: float = 250.0, clock: Clock | None = None
) -> SteadyVoice:
    """The voice from the config folder; ConfigError (naming file, rule and problem) if a
    file is broken, so a bad edit stops start-up instead of silencing Steady."""
    library, problems = load_library(config_dir / MESSAGES_FILE)
    rulebook, rule_problems = load_rulebook(config_dir / RULES_FILE, library)
    problems += rule_problems
    if problems or rulebook is None or library is None:
        raise ConfigError(problems)
    return SteadyVoice(rulebook, library, glass_ml=glass_ml, clock=clock)


def check_files(config_dir: Path, file: Path | None = None) -> tuple[list[Problem], str]:
    """Problems in the voice files, and a summary when there are none.

    With `file`, that file is checked in place of the configured one of its type (a rules
    file has [[rule]] tables), against the configured other file."""
    rules_path, messages_path = config_dir / RULES_FILE, config_dir / MESSAGES_FILE
    if file is not None:
        data, problems = read_toml(file)
        if data is None:
            return problems, ""
        if "rule" in data or "streak_milestones" in data:
            rules_path = file
        else:
            messages_path = file
    library, problems = load_library(messages_path)
    rulebook, rule_problems = load_rulebook(rules_path, library)
    problems += rule_problems
    if problems or rulebook is None or library is None:
        return problems, ""
    summary = (
        f"{rules_path}: {len(rulebook.rules)} rules; {messages_path}: {len(library)} messages "
        f"in {len(library.categories)} categories. No problems."
    )
    return [], summary
