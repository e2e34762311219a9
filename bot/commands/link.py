"""/link: one history for one person's Telegram and Discord accounts."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import delete, select

from bot.commands.registry import command
from bot.context import Context, UserError
from bot.groups import linking, wording
from bot.i18n.catalogs import N_
from bot.interface import Param, Where
from bot.storage.accounts import person_of
from bot.storage.models import Account, LinkCode

SECTION = "Settings"
PLATFORMS = {"telegram": "Telegram", "discord": "Discord"}
UNITS = {"metric": N_("metric"), "imperial": N_("imperial")}


def _called(platform: str) -> str:
    return PLATFORMS.get(platform, platform.title())


def _others(ctx: Context, platform: str) -> str:
    others = [name for key, name in PLATFORMS.items() if key != platform]
    return wording.listing(ctx.lang, others, style="or")


@command(
    "link",
    "Join your Telegram and Discord accounts into one history",
    examples=("/link", f"/link {linking.EXAMPLE}"),
    section=SECTION,
    params=(Param("code", "The code you got on the other platform", required=False),),
    where=Where.PRIVATE,
    details=N_(
        "Send /link on one platform to get a code, then send /link with that code to me "
        "on the other within minutes. Entries, goals and challenge places become one history; "
        "settings come from the side that asked for the code."
    ),
    ephemeral=True,
)
def link(ctx: Context, args: str) -> str:
    code = linking.normalise_code(args)
    return _redeem(ctx, code) if code else _issue(ctx)


def _issue(ctx: Context) -> str:
    have = linking.platforms_of(ctx.session, ctx.user.id)
    if set(PLATFORMS) <= have:
        sides = wording.listing(ctx.lang, [_called(p) for p in sorted(have & set(PLATFORMS))])
        return ctx._("Your {sides} accounts are already linked: one history on both.").format(
            sides=sides
        )
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
    return "\n".join(
        [
            ctx.ngettext(
                "🔗 Your link code: **{code}** (works once, for {n} minute).",
                "🔗 Your link code: **{code}** (works once, for {n} minutes).",
                minutes,
            ).format(code=linking.shown(code), n=minutes),
            ctx._(
                "Send /link {code} to me on {platform}, from the account to join with this "
                "one. Afterwards your entries, goals and challenges are one history on both."
            ).format(code=linking.shown(code), platform=_others(ctx, ctx.incoming.platform)),
        ]
    )


BUSY = N_(
    "Too many wrong codes are being tried on /link right now, so I'm going slowly: "
    "try again in a minute."
)


def _wait(ctx: Context, state: linking.Guessing) -> str:
    if state.wait_until is None:
        return ctx._(BUSY)
    minutes = max(1, math.ceil((state.wait_until - ctx.now).total_seconds() / 60))
    at = state.wait_until.astimezone(ctx.tz).strftime("%H:%M")
    return ctx.ngettext(
        "That's {wrong} wrong codes in an hour, so I'll check codes from you again after "
        "{at} (in {n} minute). Meanwhile, check the code on {platform}, or ask for a new one.",
        "That's {wrong} wrong codes in an hour, so I'll check codes from you again after "
        "{at} (in {n} minutes). Meanwhile, check the code on {platform}, or ask for a new one.",
        minutes,
    ).format(wrong=state.wrong, at=at, n=minutes, platform=_others(ctx, ctx.incoming.platform))


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
    if before.braked:
        return _unknown(ctx) + " " + ctx._(BUSY)
    left = ctx.settings.challenges.link_wrong_per_hour - before.wrong - 1
    if left <= 0:
        return _unknown(ctx) + " " + _wait(ctx, _guessing(ctx))
    return ctx.ngettext(
        "I don't know that code. Check it (codes look like {example}), or send /link on "
        "{platform} for a new one. {n} more try this hour.",
        "I don't know that code. Check it (codes look like {example}), or send /link on "
        "{platform} for a new one. {n} more tries this hour.",
        left,
    ).format(example=linking.EXAMPLE, platform=_others(ctx, ctx.incoming.platform), n=left)


def _unknown(ctx: Context) -> str:
    return ctx._("I don't know that code. Check it (codes look like {example}).").format(
        example=linking.EXAMPLE
    )


def _redeem(ctx: Context, code: str) -> str:
    here = ctx.incoming.platform
    again = ctx._("Send /link on {platform} for a new one.").format(platform=_others(ctx, here))
    state = _guessing(ctx)
    if not state.may_check:
        raise UserError(_wait(ctx, state))
    row = ctx.session.scalar(select(LinkCode).where(LinkCode.code_hash == linking.code_hash(code)))
    if row is None:
        return _wrong_code(ctx, state)
    if row.used_at is not None:
        raise UserError(ctx._("That code was already used.") + " " + again)
    if row.expires_at <= ctx.now:
        minutes = ctx.settings.challenges.link_code_minutes
        raise UserError(
            ctx.ngettext(
                "That code has expired: codes last {n} minute.",
                "That code has expired: codes last {n} minutes.",
                minutes,
            ).format(n=minutes)
            + " "
            + again
        )
    if row.user_id == ctx.user.id:
        if row.platform == here:
            raise UserError(
                ctx._("That's the code you asked for here: send it to me on {platform}.").format(
                    platform=_others(ctx, here)
                )
            )
        raise UserError(ctx._("These accounts are already linked."))
    shared = linking.platforms_of(ctx.session, row.user_id) & linking.platforms_of(
        ctx.session, ctx.user.id
    )
    if shared:
        side = _called(sorted(shared)[0])
        raise UserError(
            ctx._(
                "Both accounts already have a {side} side, so I can't join them: one person "
                "links one account per platform. Send /link from {platform} instead."
            ).format(side=side, platform=_others(ctx, row.platform))
        )
    row.used_at = ctx.now
    renumbered = linking.merge_users(ctx.session, keep=ctx.user.id, gone=row.user_id)
    ctx.user = person_of(ctx.session, ctx.user.id)  # with the settings merged in
    accounts = ctx.session.scalars(
        select(Account).where(Account.user_id == ctx.user.id).order_by(Account.id)
    )
    sides = wording.listing(
        ctx.lang, [f"{_called(a.platform)} ({a.display_name})" for a in accounts]
    )
    numbers = ""
    if renumbered is not None:
        side = _called(here if renumbered.user_id == ctx.user.id else row.platform)
        other = _called(row.platform if renumbered.user_id == ctx.user.id else here)
        span = (
            f"#{renumbered.first}"
            if renumbered.first == renumbered.last
            else f"#{renumbered.first}–#{renumbered.last}"
        )
        numbers = " " + ctx._(
            "Entries from {side} are now {span}, after those from {other}, which keep "
            "their numbers (see /history)."
        ).format(side=side, span=span, other=other)
    return (
        ctx._(
            "🔗 Linked: {sides}. Your entries, goals and challenges are one history now, and "
            "challenges on either side count both. Settings come from {platform} ({zone}, {units})."
        ).format(
            sides=sides,
            platform=_called(row.platform),
            zone=ctx.user.tz,
            units=ctx._(UNITS.get(ctx.user.units, ctx.user.units)),
        )
        + numbers
    )
