"""/deleteme's work: the person's rows, what they left in rows keyed otherwise (bot/storage/
ownership.py), and the group messages in the outbox that show them.

A digest or challenge summary not yet posted is composed again from the data as it is after
the deletion, so the group still gets it, without them (a summary's chart included); one
that has nothing left to say is dropped. A group message already posted keeps its row (its
key stops it being posted again) but not its content. After the commit, the core empties
SQLite's write-ahead log (`scrub_files`), where the deleted rows' old pages would linger.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.context import Context, Services
from bot.groups.digests import NotAPost, recompose
from bot.interface import Reply, reply_to_dict
from bot.storage.models import PENDING, OutboxMessage
from bot.storage.ownership import Traces, erase_user

log = logging.getLogger("steady.erasure")

FORGOTTEN = reply_to_dict(Reply(""))  # what a posted group message keeps once it named them


def erase(ctx: Context) -> None:
    """Delete the person behind this message, everywhere, in this message's transaction."""
    session = ctx.session
    traces = erase_user(session, ctx.user.id)
    session.flush()
    forget_in_posts(session, ctx.services, traces)
    ctx.erased = True


def forget_in_posts(session: Session, services: Services, traces: Traces) -> None:
    """Group messages (no user of their own) posted in their groups' chats, or naming them."""
    where = [traces.maybe_named_in(OutboxMessage.reply)]
    if traces.group_chats:
        where.append(
            tuple_(OutboxMessage.platform, OutboxMessage.chat_id).in_(list(traces.group_chats))
        )
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id.is_(None), or_(*where))
    ).all()
    for row in rows:
        if row.status == PENDING:
            _compose_again(session, services, traces, row)
        elif (row.platform, row.chat_id) in traces.group_chats or traces.named_in(row.reply):
            row.reply = FORGOTTEN


def _compose_again(
    session: Session, services: Services, traces: Traces, row: OutboxMessage
) -> None:
    at: datetime = row.created_at
    try:
        reply = recompose(session, services, row.key, at)
    except NotAPost:
        if traces.named_in(row.reply):
            session.delete(row)
        return
    except SQLAlchemyError:
        raise
    except Exception:  # better a group misses one message than hears of them after all
        log.exception("composing %s again after an erasure failed; it is dropped", row.key)
        reply = None
    if reply is None:
        session.delete(row)
    else:
        row.reply = reply_to_dict(reply)
