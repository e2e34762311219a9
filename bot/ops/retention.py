"""Retention: what is past keeping goes, a small batch per table per minute tick.

Pruned after `retention.days` (14): done inbox events, outbox messages sent or given up on,
handled-message records, shown-message lists not touched since, and cooldown firings;
the files of kept replies after 48 hours (bot/storage/kept_files.py), and /remind invites
once they expire.
What stays whatever its age:
- a "once" firing (the welcome, a streak milestone, a goal period): pruning it would let
  the rule speak again;
- a cooldown's last firing while the cooldown runs, when the cooldown is longer than the
  retention;
- anything not finished: waiting, working or set-aside inbox events, pending outbox rows.

Each table's batch is read first (ids only) and deleted by id in a short transaction of its
own, so SQLite's write lock is held for the delete alone and a tick never stalls. When every
table came back short, there is nothing left to catch up and the next look is an hour later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, and_, delete, func, not_, or_, select

from bot.context import Services
from bot.storage import kept_files
from bot.storage.db import Database
from bot.storage.models import (
    DEAD,
    DONE,
    SENT,
    HandledMessage,
    InboxEvent,
    OutboxMessage,
    ReminderInvite,
    ReplyFile,
    RuleFiring,
    ShownMessages,
)
from bot.voice.encouragement import REMEMBER_DAYS

log = logging.getLogger("steady.retention")

IDLE = timedelta(hours=1)  # after a tick with nothing left over, look again this much later
_next_look: WeakKeyDictionary[Database, datetime] = WeakKeyDictionary()


@dataclass(frozen=True)
class Policy:
    """How old is too old. `cooldowns` holds each cooldown rule's hours (from the rulebook);
    None means they are unknown, and then no firing is pruned at all."""

    keep: timedelta
    batch: int
    cooldowns: Mapping[str, float] | None

    def conditions(self, now: datetime) -> dict[str, tuple[Any, ColumnElement[bool]]]:
        """Each table's model and the rows of it that may go."""
        cutoff = now - self.keep
        found: dict[str, tuple[Any, ColumnElement[bool]]] = {
            "inbox": (
                InboxEvent,
                and_(
                    InboxEvent.state == DONE,
                    func.coalesce(InboxEvent.done_at, InboxEvent.received_at) < cutoff,
                ),
            ),
            "outbox": (
                OutboxMessage,
                and_(OutboxMessage.status.in_((SENT, DEAD)), OutboxMessage.created_at < cutoff),
            ),
            "handled_messages": (HandledMessage, HandledMessage.handled_at < cutoff),
            # Never sooner than the voice's own memory: no line again within a week.
            "shown_messages": (
                ShownMessages,
                ShownMessages.updated_at < min(cutoff, now - timedelta(days=REMEMBER_DAYS)),
            ),
            # Files of kept replies: 48 hours whatever `keep` says (they show people's data).
            "reply_files": (ReplyFile, ReplyFile.created_at < now - kept_files.KEEP),
            "reminder_invites": (ReminderInvite, ReminderInvite.expires_at < now),
        }
        if self.cooldowns is not None:
            found["rule_firings"] = (RuleFiring, self._firings(now, cutoff))
        return found

    def _firings(self, now: datetime, cutoff: datetime) -> ColumnElement[bool]:
        long = {
            rule: now - timedelta(hours=hours)
            for rule, hours in (self.cooldowns or {}).items()
            if timedelta(hours=hours) > self.keep
        }
        ordinary = and_(RuleFiring.fired_at < cutoff, not_(RuleFiring.rule.in_(sorted(long))))
        past_cooldown = [
            and_(RuleFiring.rule == rule, RuleFiring.fired_at < since)
            for rule, since in sorted(long.items())
        ]
        return and_(RuleFiring.once_key == "", or_(ordinary, *past_cooldown))


def policy_of(services: Services) -> Policy:
    """The settings' retention, and the cooldowns of the voice's rules (a voice without a
    rulebook keeps every firing)."""
    rulebook = getattr(services.voice, "rulebook", None)
    cooldowns = (
        None
        if rulebook is None
        else {rule.name: rule.cooldown_hours for rule in rulebook.rules if rule.once is None}
    )
    retention = services.settings.retention
    return Policy(timedelta(days=retention.days), retention.batch, cooldowns)


def prune(db: Database, policy: Policy, now: datetime) -> dict[str, int]:
    """One batch per table; how many rows each lost."""
    pruned = {}
    for name, (model, condition) in policy.conditions(now).items():
        with db.engine.connect() as connection:
            ids = (
                # No ORDER BY: any rows past keeping will do, and the scan stops at the
                # batch's last one instead of sorting every candidate first.
                connection.execute(select(model.id).where(condition).limit(policy.batch))
                .scalars()
                .all()
            )
        if ids:
            with db.engine.begin() as connection:
                connection.execute(delete(model).where(model.id.in_(ids)))
        pruned[name] = len(ids)
    return pruned


def prune_due(services: Services, now: datetime) -> dict[str, int]:
    """The tick's job: a batch per table, unless the last look found nothing left over and
    an hour has not passed since."""
    db = services.db
    if (next_look := _next_look.get(db)) is not None and now < next_look:
        return {}
    policy = policy_of(services)
    pruned = prune(db, policy, now)
    if any(pruned.values()):
        log.info("retention: pruned %s", {k: v for k, v in pruned.items() if v})
    caught_up = all(count < policy.batch for count in pruned.values())
    _next_look[db] = now + IDLE if caught_up else now
    return pruned
