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
from bot.groups import wording
from bot.groups.group import day_end, group_of, local_today, next_digest_at
from bot.i18n.catalogs import N_
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
        f"**{challenge.name}** — {ch.target_text(challenge, ctx.lang)}, "
        f"{ch.when_text(challenge, today, ctx.now, ctx.lang)}"
    )
    return [head, *ch.standings_lines(challenge, rows, lang=ctx.lang)]


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
    details=N_(
        "A challenge counts run distance (run 100km), run count (runs 20), strength sessions "
        "(strength 12), water days on goal (water 20 days) or active days (active 25 days), "
        "for each member, from today (or 'from 2026-11-01') until the end date, in this "
        "group's time zone. Add 'together' and the target is one goal for the whole group: "
        "everyone's entries add up to it. Entries logged anywhere count: here, or in a "
        "private chat with me. Its creator or the group's admins can end it early with "
        "/challenge end. Admins choose who may start challenges with /challenge who admins "
        "(or everyone, the default)."
    ),
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
            return ctx._(
                "Only this group's admins start challenges here. "
                "An admin can open it to everyone with /challenge who everyone."
            )
        return ctx._(
            "Anyone here can start a challenge. "
            "An admin can keep that to admins with /challenge who admins."
        )
    chosen = _STARTERS.get(" ".join(words))
    if chosen is None:
        raise UserError(
            ctx._(
                "Say who may start challenges: /challenge who admins, or /challenge who everyone."
            )
        )
    if not ctx.is_admin:
        raise UserError(
            ctx._(
                "Only this group's admins choose who starts challenges. "
                "/challenge who shows the current setting."
            )
        )
    group.challenge_starters = chosen.value
    if chosen is ch.Starters.ADMINS:
        return ctx._(
            "👮 From now on, only this group's admins start challenges. Everyone can /join."
        )
    return ctx._("🙌 From now on, anyone here can start a challenge.")


def _may_start(ctx: Context, group: Group) -> None:
    """Refuse a start the group's setting or its cap rules out, before reading the rest."""
    if group.challenge_starters == ch.Starters.ADMINS and not ctx.is_admin:
        raise UserError(
            ctx._(
                "In this group, only admins start challenges (they chose that with "
                "/challenge who admins). Ask one of them, or /join a running one: /leaderboard "
                "shows them."
            )
        )
    most = ctx.settings.challenges.max_running
    running = ch.running_in(ctx.session, group, ctx.now)
    if len(running) >= most:
        raise UserError(
            ctx.ngettext(
                "This group already runs {n} challenge, the most at once: {running}. A new "
                "one can start when one of them is over; its creator or an admin can end one "
                "early with /challenge end <name>.",
                "This group already runs {n} challenges, the most at once: {running}. A new "
                "one can start when one of them is over; its creator or an admin can end one "
                "early with /challenge end <name>.",
                len(running),
            ).format(n=len(running), running=ch.running_list(running, ctx.lang))
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
        lang=ctx.lang,
    )
    key = ch.name_key(spec.name)
    taken = ctx.session.scalar(
        select(Challenge).where(Challenge.group_id == group.id, Challenge.name_key == key)
    )
    if taken is not None:
        raise UserError(
            ctx._(
                "This group already has a challenge called {name}. Pick another name, "
                "e.g. {example}"
            ).format(name=repr(taken.name), example=f'/challenge new "{spec.name} II" ...')
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
    target, until = ch.target_text(challenge, ctx.lang), wording.full_day(ctx.lang, spec.end)
    if spec.start == today:
        on = ctx._("🏁 **{name}** is on: {target}, from today until {end}.").format(
            name=spec.name, target=target, end=until
        )
    else:
        on = ctx._("🏁 **{name}** is on: {target}, from {start} until {end}.").format(
            name=spec.name, target=target, start=wording.day(ctx.lang, spec.start), end=until
        )
    lines = [
        on,
        ctx._(
            "{name} is in. Everyone else: /join. Entries logged anywhere count, "
            "in a private chat with me too."
        ).format(name=ctx.user.display_name),
    ]
    if spec.mode is ch.Mode.TOGETHER:
        lines.insert(1, ctx._("🤝 One goal for the group: everyone's entries add up to it."))
    if group.tz == "UTC":
        lines.append(
            ctx._("Days follow this group's time zone (UTC); admins set it with /tz Europe/Berlin.")
        )
    return "\n".join(lines)


def _end(ctx: Context, name: str) -> str:
    group = group_of(ctx)
    challenge = ch.pick(
        ctx.session, group, name, ctx.now, usage="/challenge end <name>", lang=ctx.lang
    )
    if challenge.creator_id != ctx.user.id and not ctx.is_admin:
        raise UserError(
            ctx._("Only the one who started {name} or this group's admins can end it.").format(
                name=challenge.name
            )
        )
    today = _today(ctx, group)
    challenge.end_date = min(challenge.end_date, today)
    challenge.ends_at = ctx.now
    challenge.ended_at = ctx.now
    return ctx._("🏁 {name} is over. The summary with the group's chart follows shortly.").format(
        name=challenge.name
    )


def _show(ctx: Context, name: str) -> str:
    group = group_of(ctx)
    if name.strip():
        chosen = [
            ch.pick(ctx.session, group, name, ctx.now, usage="", running=False, lang=ctx.lang)
        ]
    else:
        chosen = ch.running_in(ctx.session, group, ctx.now)
        if not chosen:
            raise UserError(ch.none_running(ctx.lang))
    blocks = []
    for challenge in chosen:
        members = len(ch.member_ids(ctx.session, [challenge.id])[challenge.id])
        lines = _card(ctx, group, challenge)
        about = ctx.ngettext("{n} member", "{n} members", members).format(n=members)
        if (creator := challenge.creator_id) is not None:
            started_by = ch.names_on(ctx.session, group.platform, [creator])[creator]
            about = ctx._("Started by {name} · {members}").format(name=started_by, members=about)
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
    challenge = ch.pick(ctx.session, group, args, ctx.now, usage="/join <name>", lang=ctx.lang)
    member = ch.membership(ctx.session, challenge, ctx.user.id)
    if member is not None and member.left_at is None:
        raise UserError(
            ctx._("You're already in {name}. /leaderboard shows where you are.").format(
                name=challenge.name
            )
        )
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
    so_far = ch.figure(ch.Metric(challenge.metric), mine.value, Units(challenge.units), ctx.lang)
    return ctx._(
        "🙌 {name} joined {challenge} ({target}). Everything you log from {start} counts, "
        "here or in a private chat with me: {so_far} so far."
    ).format(
        name=mine.name,
        challenge=challenge.name,
        target=ch.target_text(challenge, ctx.lang),
        start=wording.day(ctx.lang, challenge.start_date),
        so_far=so_far,
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
        challenge = ch.pick(ctx.session, group, args, ctx.now, usage="/leave <name>", lang=ctx.lang)
    else:
        mine = [
            c
            for c in ch.running_in(ctx.session, group, ctx.now)
            if ctx.user.id in ch.member_ids(ctx.session, [c.id])[c.id]
        ]
        if not mine:
            raise UserError(ctx._("You're not in any challenge here. /join takes part in one."))
        if len(mine) > 1:
            names = ", ".join(c.name for c in mine)
            raise UserError(
                ctx._("You're in {names}. Say which to leave: {example}").format(
                    names=names, example=f"/leave {mine[0].name}"
                )
            )
        challenge = mine[0]
    member = ch.membership(ctx.session, challenge, ctx.user.id)
    if member is None or member.left_at is not None:
        raise UserError(
            ctx._("You're not in {name}. /join {name} takes part.").format(name=challenge.name)
        )
    member.left_at = ctx.now
    return ctx._(
        "👋 You left {name}. Your entries stay yours; you're off its standings. "
        "/join {name} brings you back."
    ).format(name=challenge.name)


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
        chosen = [
            ch.pick(ctx.session, group, args, ctx.now, usage="", running=False, lang=ctx.lang)
        ]
    else:
        chosen = ch.running_in(ctx.session, group, ctx.now)
    if not chosen:
        raise UserError(ch.none_running(ctx.lang))
    return "\n\n".join("\n".join(_card(ctx, group, c)) for c in chosen)


_TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?")


def parse_digest_time(ctx: Context, text: str) -> str:
    """'20:00', '8pm', '7:30 am' -> 'HH:MM'."""
    m = _TIME.fullmatch(text.strip().lower())
    if m is None:
        raise UserError(ctx._("Give a time like 20:00 or 8pm, e.g. /digest daily 20:00."))
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise UserError(ctx._("With am/pm the hour runs from 1 to 12, e.g. /digest daily 8pm."))
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise UserError(
            ctx._("{text} isn't a time of day. e.g. /digest daily 20:00.").format(text=text.strip())
        )
    return f"{hour:02d}:{minute:02d}"


@command(
    "digest",
    "Post the standings here every day at a time (admins)",
    examples=("/digest daily 20:00", "/digest off", "/digest"),
    section=SECTION,
    params=(Param("when", "daily 20:00, or off", required=False),),
    where=Where.GROUP,
    admin=True,
    details=N_(
        "The digest shows each running challenge's standings, who moved today, the most "
        "consistent member and the most improved. Times follow the group's time zone (/tz). "
        "It speaks the group's language: admins choose it with /lang."
    ),
)
def digest(ctx: Context, args: str) -> str:
    group = group_of(ctx)
    words = args.lower().split()
    if not words:
        if group.digest_time is None:
            return ctx._("No daily digest here yet. Start one with /digest daily 20:00.")
        return ctx._(
            "The digest is posted daily at {time} ({zone}). Stop it with /digest off."
        ).format(time=group.digest_time, zone=group.tz)
    if words == ["off"]:
        if group.digest_time is None:
            raise UserError(ctx._("There's no digest to stop. Start one with /digest daily 20:00."))
        group.digest_time, group.digest_next_at = None, None
        return ctx._("🔕 Daily digest stopped. /digest daily 20:00 starts it again.")
    if words[0] == "daily":
        words = words[1:]
    elif words[0] in ("weekly", "hourly", "monthly"):
        raise UserError(ctx._("Digests are daily: e.g. /digest daily 20:00."))
    at = parse_digest_time(ctx, " ".join(words))
    group.digest_time = at
    group.digest_next_at = next_digest_at(at, group.tz, ctx.now)
    local = group.digest_next_at.astimezone(ZoneInfo(group.tz))
    lines = [
        ctx._("📬 Daily digest at {time} ({zone}). The first one: {first}.").format(
            time=at, zone=group.tz, first=wording.moment(ctx.lang, local)
        ),
    ]
    if not ch.running_in(ctx.session, group, ctx.now):
        lines.append(
            ctx._("It's posted while a challenge runs. Start one: {example}").format(
                example=ch.EXAMPLE
            )
        )
    return "\n".join(lines)


@command(
    "steady",
    "Discord: post digests and summaries in this channel (admins)",
    examples=("/steady channel",),
    section=SECTION,
    params=(Param("setting", "channel", choices=("channel",)),),
    where=Where.GROUP,
    admin=True,
    details=N_(
        "On a Discord server, run it in the channel where digests and challenge "
        "summaries should go. Elsewhere they go to the chat where the group started."
    ),
)
def steady(ctx: Context, args: str) -> str:
    if args.strip().lower() != "channel":
        raise UserError(ctx._("Try /steady channel, in the channel where digests should go."))
    group = group_of(ctx)
    group.digest_chat_id = ctx.incoming.chat_id
    return ctx._("📌 Digests and challenge summaries will be posted in this channel.")
