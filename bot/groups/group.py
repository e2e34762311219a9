"""The group a message belongs to, its time zone and its digest schedule.

A group is keyed by platform and the platform's id for it: the chat id, or a Discord
server's id when the adapter gives `Incoming.server_id`. It is created on the first group
command, with the chat it came from as the place where digests and summaries are posted.
When a platform gives a chat a new id (Telegram turns a group into a supergroup), the
group follows it: `move_chat`.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from bot.context import Context
from bot.i18n.languages import DEFAULT, LANGUAGES, supported
from bot.interface import Incoming
from bot.reminders.scheduling import Schedule, next_fire
from bot.storage.models import PENDING, Challenge, ChallengeMember, Group, OutboxMessage, User

log = logging.getLogger("steady.groups")


def group_key(incoming: Incoming) -> str:
    return incoming.server_id or incoming.chat_id


def find_group(session: Session, platform: str, key: str) -> Group | None:
    return session.scalar(select(Group).where(Group.platform == platform, Group.external_id == key))


def group_of(ctx: Context) -> Group:
    """The group of this message, created on first use (a race is retried by the core)."""
    incoming = ctx.incoming
    group = find_group(ctx.session, incoming.platform, group_key(incoming))
    if group is None:
        group = Group(
            platform=incoming.platform,
            external_id=group_key(incoming),
            digest_chat_id=incoming.chat_id,
            tz="UTC",
            digest_time=None,
            digest_next_at=None,
            created_at=ctx.now,
        )
        ctx.session.add(group)
        ctx.session.flush()
    return group


def group_language(session: Session, group: Group) -> str:
    """The language a group's digests and summaries speak: an admin's /lang, else the one
    most of its members speak (people in its challenges; a tie goes to the language listed
    first in `LANGUAGES`), else English."""
    chosen = supported(group.language)
    if chosen is not None:
        return chosen
    spoken = func.coalesce(User.language, User.app_language)
    members = (
        select(User.id, spoken.label("lang"))
        .join(ChallengeMember, ChallengeMember.user_id == User.id)
        .join(Challenge, Challenge.id == ChallengeMember.challenge_id)
        .where(Challenge.group_id == group.id, ChallengeMember.left_at.is_(None))
        .distinct()
        .subquery()
    )
    counts = session.execute(select(members.c.lang, func.count()).group_by(members.c.lang)).all()
    tally = {lang: 0 for lang in LANGUAGES}
    for lang, count in counts:
        tally[supported(lang) or DEFAULT] += count
    best = max(LANGUAGES, key=lambda lang: (tally[lang], -LANGUAGES.index(lang)))
    return best if tally[best] > 0 else DEFAULT


def local_today(group: Group, now: datetime) -> date:
    return now.astimezone(ZoneInfo(group.tz)).date()


def day_end(day: date, tz: str) -> datetime:
    """The UTC moment a local day is over: midnight at its end, in the zone."""
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(tz)).astimezone(UTC)


def next_digest_at(digest_time: str, tz: str, after: datetime) -> datetime:
    """The first local `HH:MM` strictly after `after`, in UTC: once a local day, through the
    daylight-saving changes, by the same guarded search as reminders (bot/reminders/scheduling.py;
    a bare CronTrigger fires twice on fall-back nights and can skip a day after
    spring-forward)."""
    hour, minute = (int(part) for part in digest_time.split(":"))
    return next_fire(Schedule(at=hour * 60 + minute), tz, after)


def set_group_tz(session: Session, group: Group, zone: str, now: datetime) -> None:
    """A new zone moves the next digest and the closing moment of every running challenge;
    challenge dates stay the same local dates."""
    group.tz = zone
    if group.digest_time is not None:
        group.digest_next_at = next_digest_at(group.digest_time, zone, now)
    running = session.scalars(
        select(Challenge).where(
            Challenge.group_id == group.id,
            Challenge.ended_at.is_(None),
            Challenge.ends_at > now,
        )
    )
    for challenge in running:
        challenge.ends_at = day_end(challenge.end_date, zone)


def move_chat(session: Session, platform: str, old_chat_id: str, new_chat_id: str) -> None:
    """A chat has a new id: the group keyed by the old one, the digests posted there and
    the messages still waiting for it follow. Telegram makes a group a supergroup, with a
    new id, when it grows or an admin changes certain settings; without this its challenges
    would vanish from it. Moving twice (Telegram tells both chats) finds nothing the second
    time."""
    moving = find_group(session, platform, old_chat_id)
    if moving is not None:
        taken = find_group(session, platform, new_chat_id)
        if taken is not None and not session.scalar(
            select(exists().where(Challenge.group_id == taken.id))
        ):
            session.delete(taken)  # made by a command in the new chat, before word of the move
            session.flush()
            taken = None
        if taken is None:
            moving.external_id = new_chat_id
        else:
            log.warning(
                "%s chat %s moved to %s, which has challenges of its own: kept apart",
                platform,
                old_chat_id,
                new_chat_id,
            )
    session.execute(
        update(Group)
        .where(Group.platform == platform, Group.digest_chat_id == old_chat_id)
        .values(digest_chat_id=new_chat_id)
    )
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.platform == platform,
            OutboxMessage.chat_id == old_chat_id,
            OutboxMessage.status == PENDING,
        )
        .values(chat_id=new_chat_id)
    )
