"""Group challenges: start, join, leave, standings, ending, and the group's digest.

Anyone in a group may start a challenge (unless its admins keep that to themselves with
`/challenge who admins`), up to `challenges.max_running` at once, and join or leave one;
its creator or the group's admins may end it; only admins set the digest and the channel
it goes to. Figures come
from bot.groups.challenges; the tick's side (digests, end summaries) is in bot.groups.digests.
"""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.commands.registry import command
from bot.context import Context, UserError
from bot.domain import Units
from bot.groups import challenges as ch
from bot.groups.group import day_end, group_of, local_today, next_digest_at
from bot.interface import Param, Where
from bot.storage.models import Challenge, ChallengeMember, Group

SECTION = "Challenges"


def _today(ctx: Context, group: Group) -> date:
    return local_today(group, ctx.now)


def _water_ml(ctx: Context) -> float:
    return ctx.settings.challenges.water_day_ml


def _card(ctx: Context, group: Group, challenge: Challenge) -> list[str]:
    """A challenge's title line, what it asks, and its standings."""
    today = _today(ctx, group)
    rows = ch.standings(ctx.session, challenge, group.platform, today, _water_ml(ctx))
    head = (
        f"**{challenge.name}** — {ch.target_text(challenge)}, "
        f"{ch.when_text(challenge, today, ctx.now)}"
    )
    return [head, *ch.standings_lines(challenge, rows)]


@command(
    "challenge",
    "Start a group challenge, see one, or end it",
    examples=(
        ch.EXAMPLE,
        ch.TOGETHER_EXAMPLE,
        "/challenge",
        "/challenge end November 100k",
        "/challenge who",
        "/challenge who admins",
    ),
    section=SECTION,
    params=(
        Param("action", "new, end, who, or a challenge's name to show it", required=False),
        Param(
            "details",
            'For new: "Name" run 100km until 2026-11-30 (add "together" for one group goal)',
            required=False,
        ),
    ),
    where=Where.GROUP,
    asks_admin=True,  # its creator or an admin may end it; admins choose who starts them
    details=f"A challenge counts {ch.METRIC_HELP}, for each member, from today (or 'from "
    "2026-11-01') until the end date, in this group's time zone. Add 'together' and the "
    "target is one goal for the whole group: everyone's entries add up to it. Entries "
    "logged anywhere count: here, or in a private chat with me. Its creator or the group's "
    "admins can end it early with /challenge end. Admins choose who may start challenges "
    "with /challenge who admins (or everyone, the default).",
)
def challenge(ctx: Context, args: str) -> str:
    head, _, rest = args.strip().partition(" ")
    if head.lower() == "new":
        return _new(ctx, rest)
    if head.lower() == "end":
        return _end(ctx, rest)
    if head.lower() == "who":
        return _who(ctx, rest)
    return _show(ctx, args)


_STARTERS = {
    "admins": ch.Starters.ADMINS,
    "admin": ch.Starters.ADMINS,
    "everyone": ch.Starters.EVERYONE,
    "anyone": ch.Starters.EVERYONE,
    "all": ch.Starters.EVERYONE,
}


def _who(ctx: Context, args: str) -> str:
    """Who may start challenges here: shown to anyone, changed by admins."""
    group = group_of(ctx)
    words = args.lower().split()
    if not words:
        if group.challenge_starters == ch.Starters.ADMINS:
            return (
                "Only this group's admins start challenges here. "
                "An admin can open it to everyone with /challenge who everyone."
            )
        return (
            "Anyone here can start a challenge. "
            "An admin can keep that to admins with /challenge who admins."
        )
    chosen = _STARTERS.get(" ".join(words))
    if chosen is None:
        raise UserError(
            "Say who may start challenges: /challenge who admins, or /challenge who everyone."
        )
    if not ctx.is_admin:
        raise UserError(
            "Only this group's admins choose who starts challenges. "
            "/challenge who shows the current setting."
        )
    group.challenge_starters = chosen.value
    if chosen is ch.Starters.ADMINS:
        return "👮 From now on, only this group's admins start challenges. Everyone can /join."
    return "🙌 From now on, anyone here can start a challenge."


def _may_start(ctx: Context, group: Group) -> None:
    """Refuse a start the group's setting or its cap rules out, before reading the rest."""
    if group.challenge_starters == ch.Starters.ADMINS and not ctx.is_admin:
        raise UserError(
            "In this group, only admins start challenges (they chose that with "
            "/challenge who admins). Ask one of them, or /join a running one: /leaderboard "
            "shows them."
        )
    most = ctx.settings.challenges.max_running
    running = ch.running_in(ctx.session, group, ctx.now)
    if len(running) >= most:
        plural = "s" if len(running) != 1 else ""
        raise UserError(
            f"This group already runs {len(running)} challenge{plural}, the most at once: "
            f"{ch.running_list(running)}. A new one can start when one of them is over; its "
            "creator or an admin can end one early with /challenge end <name>."
        )


def _new(ctx: Context, args: str) -> str:
    group = group_of(ctx)
    _may_start(ctx, group)
    today = _today(ctx, group)
    spec = ch.parse_new(
        args,
        today,
        max_days=ctx.settings.challenges.max_days,
        max_run_km=ctx.settings.limits.max_run_km,
    )
    key = ch.name_key(spec.name)
    taken = ctx.session.scalar(
        select(Challenge).where(Challenge.group_id == group.id, Challenge.name_key == key)
    )
    if taken is not None:
        raise UserError(
            f"This group already has a challenge called {taken.name!r}. "
            f'Pick another name, e.g. /challenge new "{spec.name} II" ...'
        )
    challenge = Challenge(
        group_id=group.id,
        name=spec.name,
        name_key=key,
        metric=spec.metric.value,
        target=spec.target,
        units=spec.units.value,
        mode=spec.mode.value,
        start_date=spec.start,
        end_date=spec.end,
        ends_at=day_end(spec.end, group.tz),
        creator_id=ctx.user.id,
        created_at=ctx.now,
        ended_at=None,
        summary_posted=False,
    )
    ctx.session.add(challenge)
    ctx.session.flush()
    ctx.session.add(
        ChallengeMember(challenge_id=challenge.id, user_id=ctx.user.id, joined_at=ctx.now)
    )
    starts = "today" if spec.start == today else f"{spec.start:%a %d %b}"
    lines = [
        f"🏁 **{spec.name}** is on: {ch.target_text(challenge)}, from {starts} until "
        f"{spec.end:%a %d %b %Y}.",
        f"{ctx.user.display_name} is in. Everyone else: /join. Entries logged anywhere count, "
        "in a private chat with me too.",
    ]
    if spec.mode is ch.Mode.TOGETHER:
        lines.insert(1, "🤝 One goal for the group: everyone's entries add up to it.")
    if group.tz == "UTC":
        lines.append(
            "Days follow this group's time zone (UTC); admins set it with /tz Europe/Berlin."
        )
    return "\n".join(lines)


def _end(ctx: Context, name: str) -> str:
    group = group_of(ctx)
    challenge = ch.pick(ctx.session, group, name, ctx.now, usage="/challenge end <name>")
    if challenge.creator_id != ctx.user.id and not ctx.is_admin:
        raise UserError(
            f"Only the one who started {challenge.name} or this group's admins can end it."
        )
    today = _today(ctx, group)
    challenge.end_date = min(challenge.end_date, today)
    challenge.ends_at = ctx.now
    challenge.ended_at = ctx.now
    return f"🏁 {challenge.name} is over. The summary with the group's chart follows shortly."


def _show(ctx: Context, name: str) -> str:
    group = group_of(ctx)
    if name.strip():
        chosen = [ch.pick(ctx.session, group, name, ctx.now, usage="", running=False)]
    else:
        chosen = ch.running_in(ctx.session, group, ctx.now)
        if not chosen:
            raise UserError(f"No challenge is running here. Start one: {ch.EXAMPLE}")
    blocks = []
    for challenge in chosen:
        members = len(ch.member_ids(ctx.session, [challenge.id])[challenge.id])
        lines = _card(ctx, group, challenge)
        about = f"{members} member{'s' if members != 1 else ''}"
        if (creator := challenge.creator_id) is not None:
            started_by = ch.names_on(ctx.session, group.platform, [creator])[creator]
            about = f"Started by {started_by} · {about}"
        lines.insert(1, about)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


@command(
    "join",
    "Join this group's challenge",
    examples=("/join", "/join November 100k"),
    section=SECTION,
    params=(Param("challenge", "Which one, when several are running", required=False),),
    where=Where.GROUP,
)
def join(ctx: Context, args: str) -> str:
    group = group_of(ctx)
    challenge = ch.pick(ctx.session, group, args, ctx.now, usage="/join <name>")
    member = ch.membership(ctx.session, challenge, ctx.user.id)
    if member is not None and member.left_at is None:
        raise UserError(f"You're already in {challenge.name}. /leaderboard shows where you are.")
    if member is None:
        ctx.session.add(
            ChallengeMember(challenge_id=challenge.id, user_id=ctx.user.id, joined_at=ctx.now)
        )
    else:
        member.left_at, member.joined_at = None, ctx.now
    ctx.session.flush()
    today = _today(ctx, group)
    mine = next(
        r
        for r in ch.standings(ctx.session, challenge, group.platform, today, _water_ml(ctx))
        if r.user_id == ctx.user.id
    )
    so_far = ch.figure(ch.Metric(challenge.metric), mine.value, Units(challenge.units))
    return (
        f"🙌 {mine.name} joined {challenge.name} ({ch.target_text(challenge)}). "
        f"Everything you log from {challenge.start_date:%a %d %b} counts, here or in a private "
        f"chat with me: {so_far} so far."
    )


@command(
    "leave",
    "Leave a challenge (your entries stay yours)",
    examples=("/leave", "/leave November 100k"),
    section=SECTION,
    params=(Param("challenge", "Which one, when you're in several", required=False),),
    where=Where.GROUP,
)
def leave(ctx: Context, args: str) -> str:
    group = group_of(ctx)
    if args.strip():
        challenge = ch.pick(ctx.session, group, args, ctx.now, usage="/leave <name>")
    else:
        mine = [
            c
            for c in ch.running_in(ctx.session, group, ctx.now)
            if ctx.user.id in ch.member_ids(ctx.session, [c.id])[c.id]
        ]
        if not mine:
            raise UserError("You're not in any challenge here. /join takes part in one.")
        if len(mine) > 1:
            names = ", ".join(c.name for c in mine)
            raise UserError(f"You're in {names}. Say which to leave: /leave {mine[0].name}")
        challenge = mine[0]
    member = ch.membership(ctx.session, challenge, ctx.user.id)
    if member is None or member.left_at is not None:
        raise UserError(f"You're not in {challenge.name}. /join {challenge.name} takes part.")
    member.left_at = ctx.now
    return (
        f"👋 You left {challenge.name}. Your entries stay yours; you're off its standings. "
        f"/join {challenge.name} brings you back."
    )


@command(
    "leaderboard",
    "Standings of the running challenges",
    examples=("/leaderboard", "/leaderboard November 100k"),
    section=SECTION,
    params=(Param("challenge", "Only this one", required=False),),
    where=Where.GROUP,
)
def leaderboard(ctx: Context, args: str) -> str:
    group = group_of(ctx)
    if args.strip():
        chosen = [ch.pick(ctx.session, group, args, ctx.now, usage="", running=False)]
    else:
        chosen = ch.running_in(ctx.session, group, ctx.now)
    if not chosen:
        raise UserError(f"No challenge is running here. Start one: {ch.EXAMPLE}")
    return "\n\n".join("\n".join(_card(ctx, group, c)) for c in chosen)


_TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?")


def parse_digest_time(text: str) -> str:
    """'20:00', '8pm', '7:30 am' -> 'HH:MM'."""
    m = _TIME.fullmatch(text.strip().lower())
    if m is None:
        raise UserError("Give a time like 20:00 or 8pm, e.g. /digest daily 20:00.")
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise UserError("With am/pm the hour runs from 1 to 12, e.g. /digest daily 8pm.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise UserError(f"{text.strip()} isn't a time of day. e.g. /digest daily 20:00.")
    return f"{hour:02d}:{minute:02d}"


@command(
    "digest",
    "Post the standings here every day at a time (admins)",
    examples=("/digest daily 20:00", "/digest off", "/digest"),
    section=SECTION,
    params=(Param("when", "daily 20:00, or off", required=False),),
    where=Where.GROUP,
    admin=True,
    details="The digest shows each running challenge's standings, who moved today, the most "
    "consistent member and the most improved. Times follow the group's time zone (/tz).",
)
def digest(ctx: Context, args: str) -> str:
    group = group_of(ctx)
    words = args.lower().split()
    if not words:
        if group.digest_time is None:
            return "No daily digest here yet. Start one with /digest daily 20:00."
        return (
            f"The digest is posted daily at {group.digest_time} ({group.tz}). "
            "Stop it with /digest off."
        )
    if words == ["off"]:
        if group.digest_time is None:
            raise UserError("There's no digest to stop. Start one with /digest daily 20:00.")
        group.digest_time, group.digest_next_at = None, None
        return "🔕 Daily digest stopped. /digest daily 20:00 starts it again."
    if words[0] == "daily":
        words = words[1:]
    elif words[0] in ("weekly", "hourly", "monthly"):
        raise UserError("Digests are daily: e.g. /digest daily 20:00.")
    at = parse_digest_time(" ".join(words))
    group.digest_time = at
    group.digest_next_at = next_digest_at(at, group.tz, ctx.now)
    local = group.digest_next_at.astimezone(ZoneInfo(group.tz))
    lines = [
        f"📬 Daily digest at {at} ({group.tz}). The first one: {local:%a %d %b %H:%M}.",
    ]
    if not ch.running_in(ctx.session, group, ctx.now):
        lines.append(f"It's posted while a challenge runs. Start one: {ch.EXAMPLE}")
    return "\n".join(lines)


@command(
    "steady",
    "Discord: post digests and summaries in this channel (admins)",
    examples=("/steady channel",),
    section=SECTION,
    params=(Param("setting", "channel", choices=("channel",)),),
    where=Where.GROUP,
    admin=True,
    details="On a Discord server, run it in the channel where digests and challenge "
    "summaries should go. Elsewhere they go to the chat where the group started.",
)
def steady(ctx: Context, args: str) -> str:
    if args.strip().lower() != "channel":
        raise UserError("Try /steady channel, in the channel where digests should go.")
    group = group_of(ctx)
    group.digest_chat_id = ctx.incoming.chat_id
    return "📌 Digests and challenge summaries will be posted in this channel."
