"""/link: one history for one person's Telegram and Discord accounts."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import delete, select

from bot.commands.registry import command
from bot.context import Context, UserError
from bot.groups import linking
from bot.interface import Param, Where
from bot.storage.accounts import person_of
from bot.storage.models import Account, LinkCode

SECTION = "Settings"
PLATFORMS = {"telegram": "Telegram", "discord": "Discord"}


def _called(platform: str) -> str:
    return PLATFORMS.get(platform, platform.title())


def _others(platform: str) -> str:
    others = [name for key, name in PLATFORMS.items() if key != platform]
    return " or ".join(others)


@command(
    "link",
    "Join your Telegram and Discord accounts into one history",
    examples=("/link", f"/link {linking.EXAMPLE}"),
    section=SECTION,
    params=(Param("code", "The code you got on the other platform", required=False),),
    where=Where.PRIVATE,
    details="Send /link on one platform to get a code, then send /link with that code to me "
    "on the other within minutes. Entries, goals and challenge places become one history; "
    "settings come from the side that asked for the code.",
    ephemeral=True,
)
def link(ctx: Context, args: str) -> str:
    code = linking.normalise_code(args)
    return _redeem(ctx, code) if code else _issue(ctx)


def _issue(ctx: Context) -> str:
    have = linking.platforms_of(ctx.session, ctx.user.id)
    if set(PLATFORMS) <= have:
        sides = " and ".join(_called(p) for p in sorted(have & set(PLATFORMS)))
        return f"Your {sides} accounts are already linked: one history on both."
    ctx.session.execute(
        delete(LinkCode).where(LinkCode.user_id == ctx.user.id, LinkCode.used_at.is_(None))
    )
    code = linking.new_code()
    minutes = ctx.settings.challenges.link_code_minutes
    ctx.session.add(
        LinkCode(
            code_hash=linking.code_hash(code),
            user_id=ctx.user.id,
            platform=ctx.incoming.platform,
            created_at=ctx.now,
            expires_at=ctx.now + timedelta(minutes=minutes),
            used_at=None,
        )
    )
    return (
        f"🔗 Your link code: **{linking.shown(code)}** (works once, for {minutes} minutes).\n"
        f"Send /link {linking.shown(code)} to me on {_others(ctx.incoming.platform)}, from the "
        "account to join with this one. Afterwards your entries, goals and challenges are one "
        "history on both."
    )


BUSY = (
    "Too many wrong codes are being tried on /link right now, so I'm going slowly: "
    "try again in a minute."
)


def _wait(ctx: Context, state: linking.Guessing) -> str:
    if state.wait_until is None:
        return BUSY
    minutes = max(1, math.ceil((state.wait_until - ctx.now).total_seconds() / 60))
    at = state.wait_until.astimezone(ctx.tz).strftime("%H:%M")
    return (
        f"That's {state.wrong} wrong codes in an hour, so I'll check codes from you again "
        f"after {at} (in {minutes} minute{'s' if minutes != 1 else ''}). "
        f"Meanwhile, check the code on {_others(ctx.incoming.platform)}, or ask for a new one."
    )


def _guessing(ctx: Context) -> linking.Guessing:
    limits = ctx.settings.challenges
    return linking.guessing(
        ctx.session,
        ctx.user.id,
        ctx.now,
        per_hour=limits.link_wrong_per_hour,
        brake_per_minute=limits.link_brake_per_minute,
    )


def _wrong_code(ctx: Context, before: linking.Guessing) -> str:
    """Returned, not raised: the wrong code is kept when the transaction commits."""
    linking.record_wrong(ctx.session, ctx.user.id, ctx.now)
    unknown = f"I don't know that code. Check it (codes look like {linking.EXAMPLE})"
    if before.braked:
        return f"{unknown}. {BUSY}"
    left = ctx.settings.challenges.link_wrong_per_hour - before.wrong - 1
    if left <= 0:
        return f"{unknown}. {_wait(ctx, _guessing(ctx))}"
    tries = "1 more try" if left == 1 else f"{left} more tries"
    platform = _others(ctx.incoming.platform)
    return f"{unknown}, or send /link on {platform} for a new one. {tries.capitalize()} this hour."


def _redeem(ctx: Context, code: str) -> str:
    here = ctx.incoming.platform
    again = f"Send /link on {_others(here)} for a new one."
    state = _guessing(ctx)
    if not state.may_check:
        raise UserError(_wait(ctx, state))
    row = ctx.session.scalar(select(LinkCode).where(LinkCode.code_hash == linking.code_hash(code)))
    if row is None:
        return _wrong_code(ctx, state)
    if row.used_at is not None:
        raise UserError(f"That code was already used. {again}")
    if row.expires_at <= ctx.now:
        minutes = ctx.settings.challenges.link_code_minutes
        raise UserError(f"That code has expired: codes last {minutes} minutes. {again}")
    if row.user_id == ctx.user.id:
        if row.platform == here:
            raise UserError(
                f"That's the code you asked for here: send it to me on {_others(here)}."
            )
        raise UserError("These accounts are already linked.")
    shared = linking.platforms_of(ctx.session, row.user_id) & linking.platforms_of(
        ctx.session, ctx.user.id
    )
    if shared:
        side = _called(sorted(shared)[0])
        raise UserError(
            f"Both accounts already have a {side} side, so I can't join them: one person links "
            f"one account per platform. Send /link from {_others(row.platform)} instead."
        )
    row.used_at = ctx.now
    renumbered = linking.merge_users(ctx.session, keep=ctx.user.id, gone=row.user_id)
    ctx.user = person_of(ctx.session, ctx.user.id)  # with the settings merged in
    accounts = ctx.session.scalars(
        select(Account).where(Account.user_id == ctx.user.id).order_by(Account.id)
    )
    sides = " and ".join(f"{_called(a.platform)} ({a.display_name})" for a in accounts)
    numbers = ""
    if renumbered is not None:
        side = _called(here if renumbered.user_id == ctx.user.id else row.platform)
        other = _called(row.platform if renumbered.user_id == ctx.user.id else here)
        span = (
            f"#{renumbered.first}"
            if renumbered.first == renumbered.last
            else f"#{renumbered.first}–#{renumbered.last}"
        )
        numbers = (
            f" Entries from {side} are now {span}, after those from {other}, which keep "
            "their numbers (see /history)."
        )
    return (
        f"🔗 Linked: {sides}. Your entries, goals and challenges are one history now, and "
        f"challenges on either side count both. Settings come from {_called(row.platform)} "
        f"({ctx.user.tz}, {ctx.user.units}).{numbers}"
    )
