"""What the tick posts in groups: the daily digest, and each challenge's end summary.

Both claim their rows with one indexed query (FOR UPDATE SKIP LOCKED on PostgreSQL, so
workers running the tick side by side never take the same group), write the message to
the outbox under a unique key in the same transaction, and move the row on. Running either
twice, or on two workers, posts once: the key `digest:<group>:<local date>` or
`challenge-end:<challenge>` is already there.

The digest is about progress, not only totals: who moved today, the most consistent member
(active days in the last seven) and the most improved (this week's figure against the week
before, relative, so a beginner's first 8 km can beat a strong runner's extra 10).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.context import Services
from bot.delivery.outbox import enqueue
from bot.domain import Units
from bot.groups import challenges as ch
from bot.groups.challenge_chart import progress_chart, together_chart
from bot.groups.group import group_language, next_digest_at
from bot.interface import Attachment, Destination, Reply
from bot.reading.units import distance_amount
from bot.storage.models import Challenge, Group

log = logging.getLogger("steady.digests")

IMPROVEMENT_FLOOR = {ch.Metric.RUN_DISTANCE: 5000.0}  # others count: a floor of one
WEEK = 7


def run_due_digests(services: Services, now: datetime) -> int:
    """Post every digest that is due; returns how many were enqueued."""
    query = (
        select(Group).where(Group.digest_next_at <= now).order_by(Group.digest_next_at, Group.id)
    )
    return _claimed(services, query, lambda s, g: _digest(s, services, g, now))


def run_due_endings(services: Services, now: datetime) -> int:
    """Post the summary of every challenge whose window has closed or that was ended, once;
    returns how many were enqueued."""
    query = (
        select(Challenge)
        .where(Challenge.summary_posted.is_(False), Challenge.ends_at <= now)
        .order_by(Challenge.ends_at, Challenge.id)
    )
    return _claimed(services, query, lambda s, c: _ending(s, services, c, now))


def _claimed(services: Services, query: Select[Any], handle: Callable[[Session, Any], bool]) -> int:
    """Claim due rows a batch per transaction until none are left. `handle` moves each row
    out of the query's reach, or leaves it (after logging why) for the next tick."""
    batch = services.settings.challenges.batch
    query = query.limit(batch)
    if services.db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    posted, seen = 0, set[int]()
    while True:
        with services.db.unit_of_work() as session:
            rows = list(session.scalars(query))
            for row in rows:
                posted += int(handle(session, row))
        ids = {row.id for row in rows}
        if len(rows) < batch or ids & seen:  # the rest are taken, or left for the next tick
            return posted
        seen |= ids


def digest_key(group_id: int, day: date) -> str:
    return f"digest:{group_id}:{day.isoformat()}"


def summary_key(challenge_id: int) -> str:
    return f"challenge-end:{challenge_id}"


class NotAPost(Exception):
    """An outbox key that is neither a digest's nor a summary's."""


def recompose(session: Session, services: Services, key: str, at: datetime) -> Reply | None:
    """The digest or summary enqueued under `key` at `at`, composed again from the data as it
    is now (after a member's data was deleted, say); None when it has nothing left to say.
    Raises NotAPost for any other key."""
    kind, _, rest = key.partition(":")
    try:
        if kind == "digest":
            group_id, day = rest.split(":")
            parsed: tuple[int, date | None] = (int(group_id), date.fromisoformat(day))
        elif kind == "challenge-end":
            parsed = (int(rest), None)
        else:
            raise ValueError(kind)
    except ValueError:
        raise NotAPost(key) from None
    row_id, day_ = parsed
    if day_ is not None:
        group = session.get(Group, row_id)
        return compose_digest(session, services, group, day_, at) if group else None
    challenge = session.get(Challenge, row_id)
    group = session.get(Group, challenge.group_id) if challenge else None
    if challenge is None or group is None:
        return None
    return compose_summary(session, services, group, challenge, at)


# --- the daily digest ---------------------------------------------------------------------


def _digest(session: Session, services: Services, group: Group, now: datetime) -> bool:
    due = group.digest_next_at
    assert due is not None
    day = due.astimezone(ZoneInfo(group.tz)).date()
    group.digest_next_at = (
        next_digest_at(group.digest_time, group.tz, now) if group.digest_time else None
    )
    late = now - due
    if late > timedelta(minutes=services.settings.challenges.digest_grace_minutes):
        log.info("skipping group %s's digest for %s: %s late", group.id, day, late)
        return False
    try:
        reply = compose_digest(session, services, group, day, now)
    except Exception:  # one group's trouble must not hold up every other group's digest
        log.exception("composing group %s's digest for %s failed; skipped", group.id, day)
        return False
    if reply is None:
        return False
    return enqueue(
        session,
        key=digest_key(group.id, day),
        destination=Destination(group.platform, group.digest_chat_id),
        reply=reply,
        now=now,
    )


def compose_digest(
    session: Session, services: Services, group: Group, day: date, now: datetime
) -> Reply | None:
    """The digest for the group's local `day`; None when no challenge is under way."""
    running = [c for c in ch.running_in(session, group, now) if c.start_date <= day <= c.end_date]
    if not running:
        return None
    members = ch.member_ids(session, [c.id for c in running])
    everyone = sorted({uid for ids in members.values() for uid in ids})
    since = min([day - timedelta(days=2 * WEEK - 1), *(c.start_date for c in running)])
    activity = ch.load_activity(
        session, everyone, since, day, services.settings.challenges.water_day_ml
    )
    names = ch.names_on(session, group.platform, everyone)

    lines = [f"📣 **Daily digest · {day:%a %d %b}**"]
    improved_names: list[str] = []
    leaders: list[str] = []
    for challenge in running:
        metric = ch.Metric(challenge.metric)
        ids = members[challenge.id]
        values = {uid: activity.total(metric, uid, challenge.start_date, day) for uid in ids}
        rows = ch.rank(values, names)
        lines.append("")
        lines.append(
            f"**{challenge.name}** — {ch.target_text(challenge)}, "
            f"{ch.when_text(challenge, day, now)}"
        )
        lines += ch.standings_lines(challenge, rows)
        if rows and rows[0].value > 0:
            leaders.append(rows[0].name)
        if (best := most_improved(activity, metric, ids, day, names)) is not None:
            name, delta = best
            improved_names.append(name)
            gained = ch.figure(metric, delta, Units(challenge.units))
            lines.append(f"📈 Most improved: {name} (+{gained} on the week before)")

    moved = sorted((names[uid] for uid in activity.moved_on(day) if uid in names), key=str.lower)
    lines.append("")
    if moved:
        lines.append(f"💪 Moved today: {', '.join(moved)}")
    else:
        lines.append("No one has logged today yet: a short run or a glass of water still counts.")
    consistent = most_consistent(activity, everyone, day, names)
    if consistent is not None:
        who, active = consistent
        lines.append(f"🗓️ Most consistent: {_and(who)}, active {active} of the last {WEEK} days")

    facts: dict[str, object] = {
        "moment": "digest",
        "group_key": f"group-{group.id}",
        "group": ", ".join(c.name for c in running),
        "platform": group.platform,
        "challenges": len(running),
        "members": len(everyone),
        "moved_today": len(moved),
        "moved_names": ", ".join(moved),
        "leader": leaders[0] if leaders else "",
        "most_consistent": _and(consistent[0]) if consistent else "",
        "most_improved": improved_names[0] if improved_names else "",
        "days_left": min((c.end_date - day).days for c in running),
    }
    facts["lang"] = group_language(session, group)  # the voice speaks the group's language
    if line := services.voice.group_line(session, facts):
        lines += ["", f"_{line}_"]
    return Reply("\n".join(lines))


def most_consistent(
    activity: ch.Activity, user_ids: Iterable[int], day: date, names: dict[int, str]
) -> tuple[list[str], int] | None:
    """Who showed up on the most of the last seven days; None until someone has shown up
    on two of them."""
    found = most_active(activity, user_ids, day - timedelta(days=WEEK - 1), day, names)
    return found if found and found[1] >= 2 else None


def most_active(
    activity: ch.Activity, user_ids: Iterable[int], start: date, end: date, names: dict[int, str]
) -> tuple[list[str], int] | None:
    """Who was active on the most days start..end, everyone tied in name order."""
    active = {uid: activity.active_days(uid, start, end) for uid in user_ids}
    best = max(active.values(), default=0)
    if best == 0:
        return None
    tied = [names.get(uid, "someone") for uid, n in active.items() if n == best]
    return sorted(tied, key=str.casefold), best


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def most_improved(
    activity: ch.Activity,
    metric: ch.Metric,
    user_ids: Iterable[int],
    day: date,
    names: dict[int, str],
) -> tuple[str, float] | None:
    """The biggest step up from the week before to this week, relative to where each one
    started (with a floor, so going from nothing counts as a step of its size)."""
    floor = IMPROVEMENT_FLOOR.get(metric, 1.0)
    this_start = day - timedelta(days=WEEK - 1)
    before_end, before_start = this_start - timedelta(days=1), this_start - timedelta(days=WEEK)
    best: tuple[float, str, float] | None = None
    for uid in user_ids:
        now_ = activity.total(metric, uid, this_start, day)
        before = activity.total(metric, uid, before_start, before_end)
        delta = now_ - before
        if delta <= 0:
            continue
        score = delta / max(before, floor)
        name = names.get(uid, "someone")
        if best is None or (score, name.casefold()) > (best[0], best[1].casefold()):
            best = (score, name, delta)
    return (best[1], best[2]) if best else None


# --- the end of a challenge ---------------------------------------------------------------


def _ending(session: Session, services: Services, challenge: Challenge, now: datetime) -> bool:
    group = session.get(Group, challenge.group_id)
    assert group is not None
    try:
        reply = compose_summary(session, services, group, challenge, now)
    except Exception:  # left unposted: tried again at the next tick, never lost
        log.exception("composing the summary of challenge %s failed", challenge.id)
        return False
    challenge.summary_posted = True
    if challenge.ended_at is None:
        challenge.ended_at = now
    return enqueue(
        session,
        key=summary_key(challenge.id),
        destination=Destination(group.platform, group.digest_chat_id),
        reply=reply,
        now=now,
    )


def compose_summary(
    session: Session, services: Services, group: Group, challenge: Challenge, now: datetime
) -> Reply:
    """Final standings, what everyone did together, and the chart of the group's progress."""
    metric, units = ch.Metric(challenge.metric), Units(challenge.units)
    start, end = challenge.start_date, max(challenge.start_date, challenge.end_date)
    ids = ch.member_ids(session, [challenge.id])[challenge.id]
    activity = ch.load_activity(
        session, ids, start, challenge.end_date, services.settings.challenges.water_day_ml
    )
    names = ch.names_on(session, group.platform, ids)
    values = {uid: activity.total(metric, uid, start, end) for uid in ids}
    rows = ch.rank(values, names)

    span = (
        f"on {start:%a %d %b}"
        if end == start
        else f"{start:%a %d %b} – {challenge.end_date:%a %d %b}"
    )
    lines = [f"🏁 **{challenge.name}** is over: {ch.target_text(challenge)}, {span}."]
    together = ch.is_together(challenge)
    total = sum(values.values())
    made_it = bool(rows) and total >= challenge.target
    if together:
        lines += _together_outcome(challenge, rows, total)
    else:
        lines += [
            "**Final standings**",
            *ch.standings_lines(challenge, rows, empty="No one took part this time."),
        ]
    if rows:
        if not together:
            lines.append(f"Together: {ch.figure(metric, total, units)}.")
            reached = [r.name for r in rows if r.value >= challenge.target]
            if reached:
                lines.append(f"🎯 Reached the target: {', '.join(reached)}.")
            else:
                lines.append("No one reached the full target, and every step of it counted.")
        if shown_up := most_active(activity, ids, start, end, names):
            who, active = shown_up
            lines.append(
                f"🗓️ Showed up most: {_and(who)} ({active} active day{'s' if active != 1 else ''})."
            )
    lines.append(f"Thanks for moving together. Start the next one: {ch.EXAMPLE}")
    facts: dict[str, object] = {
        "moment": "challenge_end",
        "group_key": f"group-{group.id}",
        "group": challenge.name,
        "platform": group.platform,
        "challenge": challenge.name,
        "members": len(ids),
        # A group goal made is reached by everyone in it.
        "reached": (len(rows) if made_it else 0)
        if together
        else sum(1 for r in rows if r.value >= challenge.target),
        "leader": rows[0].name if rows and rows[0].value > 0 else "",
    }
    facts["lang"] = group_language(session, group)  # the voice speaks the group's language
    if line := services.voice.group_line(session, facts):
        lines += ["", f"_{line}_"]
    days, totals = _running_totals(activity, metric, units, ids, names, start, end)
    draw = together_chart if together else progress_chart
    chart = draw(
        challenge.name,
        days,
        totals,
        target=_in_units(metric, challenge.target, units),
        unit=ch.unit_of(metric, units),
        whole=metric is not ch.Metric.RUN_DISTANCE,
    )
    return Reply(
        "\n".join(lines),
        attachments=(Attachment(f"challenge-{challenge.id}.png", chart, is_image=True),),
    )


def _together_outcome(challenge: Challenge, rows: list[ch.Standing], total: float) -> list[str]:
    """Whether the group made its goal, said kindly either way, and everyone's share."""
    if not rows:
        return ["No one took part this time."]
    figures = ch.together_figures(challenge, total)
    pct = ch.percent_of(total, challenge.target)
    if total >= challenge.target:
        outcome = f"🎉 **You made it together: {figures} ({pct:.0f}%).**"
    elif total > 0:
        outcome = (
            f"**Together: {figures} ({pct:.0f}%).** Not the whole way this time, and every "
            "bit of it counted."
        )
    else:
        outcome = (
            f"**Together: {figures}.** Not this time, and that's alright: "
            "the next goal is a fresh start."
        )
    return [outcome, "**Everyone's share**", *ch.share_lines(challenge, rows)]


def _running_totals(
    activity: ch.Activity,
    metric: ch.Metric,
    units: Units,
    ids: list[int],
    names: dict[int, str],
    start: date,
    end: date,
) -> tuple[list[date], dict[str, list[float]]]:
    """Each member's total so far on every day of the window, in the chart's unit."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    totals: dict[str, list[float]] = {}
    for uid in ids:
        running, series = 0.0, []
        for day in days:
            running += activity.on(metric, uid, day)
            series.append(_in_units(metric, running, units))
        totals[names.get(uid, "someone")] = series
    return days, totals


def _in_units(metric: ch.Metric, value: float, units: Units) -> float:
    return distance_amount(value, units) if metric is ch.Metric.RUN_DISTANCE else value
