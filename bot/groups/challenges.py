"""Challenges: what `/challenge new` accepts, and what members' entries add up to.

Every figure is computed from stored entries when asked, never kept: an entry logged
anywhere (a private chat, the group, the other platform after /link) counts in every
challenge its author joined, for the local days inside the window. Entries carry their
author's local day and windows are the group's local days; a day is compared as a date.
"""

from __future__ import annotations

import difflib
import enum
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.context import UserError
from bot.domain import Kind, Period, Units
from bot.progress.formatting import bar
from bot.progress.stats import sum_or_zero
from bot.reading import parsing
from bot.reading import units as u
from bot.reading.units import NotAQuantity, quantity
from bot.storage.models import Account, Challenge, ChallengeMember, Entry, Goal, Group, User

EXAMPLE = '/challenge new "November 100k" run 100km until 2026-11-30'


class Metric(enum.StrEnum):
    RUN_DISTANCE = "run_distance"
    RUN_COUNT = "run_count"
    STRENGTH_SESSIONS = "strength_sessions"
    WATER_DAYS = "water_days"
    ACTIVE_DAYS = "active_days"


class Mode(enum.StrEnum):
    """Whether each member aims for the target, or all of them share one."""

    EACH = "each"
    TOGETHER = "together"


class Starters(enum.StrEnum):
    """Who may start a group's challenges (`/challenge who`)."""

    EVERYONE = "everyone"
    ADMINS = "admins"


TOGETHER_EXAMPLE = '/challenge new "December together" run 500km together until 2026-12-31'
# A shared distance may add up many people's running: the bound on one person's (the
# max_run_km setting, every day of the window) is multiplied by this many.
TOGETHER_PEOPLE = 1000

METRIC_HELP = (
    "run distance (run 100km), run count (runs 20), strength sessions (strength 12), "
    "water days on goal (water 20 days) or active days (active 25 days)"
)

_QUOTES = {'"': '"”“', "“": '”“"', "”": '”"', "'": "'’", "‘": "’'", "«": "»"}
_ISO = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_COUNT_PATTERNS: tuple[tuple[re.Pattern[str], Metric], ...] = tuple(
    (re.compile(pattern), metric)
    for pattern, metric in (
        (r"runs?\s+(\d+)\s*(?:runs?|times)", Metric.RUN_COUNT),
        (r"runs\s+(\d+)", Metric.RUN_COUNT),
        (r"run\s+count\s+(\d+)", Metric.RUN_COUNT),
        (r"strength\s+(\d+)(?:\s*(?:sessions?|times))?", Metric.STRENGTH_SESSIONS),
        (r"strength\s+sessions\s+(\d+)", Metric.STRENGTH_SESSIONS),
        (r"water\s+(\d+)\s*days?", Metric.WATER_DAYS),
        (r"water\s+days\s+(\d+)", Metric.WATER_DAYS),
        (r"active\s+(\d+)\s*days?", Metric.ACTIVE_DAYS),
        (r"active\s+days\s+(\d+)", Metric.ACTIVE_DAYS),
    )
)
MAX_COUNT = 1000
MAX_NAME = 60  # the casefolded name is kept too, and may be longer (ß -> ss)


@dataclass(frozen=True)
class ChallengeSpec:
    """A parsed `/challenge new`: target in metres for distance, else a count."""

    name: str
    metric: Metric
    target: float
    units: Units
    start: date
    end: date
    mode: Mode = Mode.EACH


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def split_name(text: str) -> tuple[str, str]:
    """The quoted name at the start of `text`, and what follows it."""
    text = text.strip()
    closers = _QUOTES.get(text[:1])
    if closers is None:
        raise UserError(f"Put the challenge's name in quotes, e.g. {EXAMPLE}")
    end = next((i for i in range(1, len(text)) if text[i] in closers), None)
    if end is None:
        raise UserError(f"The name's closing quote is missing, e.g. {EXAMPLE}")
    name = " ".join(text[1:end].split())
    if not name:
        raise UserError(f"Give the challenge a name, e.g. {EXAMPLE}")
    if len(name_key(name)) > MAX_NAME:
        raise UserError(f"Keep the name shorter, up to {MAX_NAME} characters: e.g. {EXAMPLE}")
    return name, text[end + 1 :].strip()


def _take_date(words: list[str], keywords: Iterable[str]) -> date | None:
    """Remove `<keyword> <date>` from words and return the date."""
    for i, word in enumerate(words):
        if word.lower() in keywords:
            if i + 1 >= len(words) or not _ISO.fullmatch(words[i + 1]):
                raise UserError(f"After '{word}' I need a date like 2026-11-30. e.g. {EXAMPLE}")
            try:
                found = date.fromisoformat(
                    "-".join(part.zfill(2) for part in words[i + 1].split("-"))
                )
            except ValueError:
                raise UserError(f"{words[i + 1]} is not a date on the calendar.") from None
            del words[i : i + 2]
            return found
    return None


def parse_metric(text: str) -> tuple[Metric, float, Units]:
    parsing.refuse_arithmetic(text, f"e.g. {EXAMPLE}")
    low = " ".join(text.lower().split())
    for pattern, metric in _COUNT_PATTERNS:
        if m := pattern.fullmatch(low):
            digits = m.group(1)
            count = int(digits) if len(digits) <= 9 else MAX_COUNT + 1
            if not 0 < count <= MAX_COUNT:
                raise UserError(f"The target has to be from 1 to {MAX_COUNT}. e.g. {EXAMPLE}")
            return metric, float(count), Units.METRIC
    if m := re.fullmatch(r"run\s+(.+)", low):
        token = parsing.normalise(m.group(1)).replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            raise UserError(f"Give the distance a unit, e.g. run {token}km or run {token}mi.")
        if re.fullmatch(r"\d+(?:\.\d+)?k", token):
            token += "m"
        try:
            metres = quantity(token, "length")
        except NotAQuantity:
            raise UserError(
                f"I couldn't read {m.group(1)!r} as a distance. e.g. {EXAMPLE}"
            ) from None
        if not (math.isfinite(metres) and metres > 0):
            raise UserError(f"The distance has to be more than zero. e.g. {EXAMPLE}")
        imperial = re.search(r"mi|mile", token) is not None
        return Metric.RUN_DISTANCE, metres, Units.IMPERIAL if imperial else Units.METRIC
    shown = text.strip() or "nothing"
    raise UserError(
        f"I don't know the challenge metric {shown!r}. A challenge can count {METRIC_HELP}. "
        f"e.g. {EXAMPLE}"
    )


def parse_new(text: str, today: date, *, max_days: int, max_run_km: float) -> ChallengeSpec:
    """`"November 100k" run 100km until 2026-11-30 [from 2026-11-01]`; dates are the
    group's local days, the end inclusive."""
    name, rest = split_name(text)
    words = rest.split()
    end = _take_date(words, ("until", "till", "through", "by"))
    start = _take_date(words, ("from", "starting")) or today
    mode = _take_mode(words)
    if end is None:
        raise UserError(f"Say when it ends with 'until' and a date, e.g. {EXAMPLE}")
    metric, target, units = parse_metric(" ".join(words))
    if end < today:
        raise UserError(
            f"{end:%a %d %b %Y} has already passed here. Pick an end date from today on, "
            f"e.g. until {today + timedelta(days=30)}."
        )
    if start > end:
        raise UserError(
            "The start date comes after the end date: swap them? "
            "e.g. from 2026-11-01 until 2026-11-30"
        )
    if (today - start).days > max_days:
        raise UserError(
            f"The start is more than {max_days} days ago: pick a later one, "
            f"e.g. from {today.replace(day=1)}."
        )
    days = (end - start).days + 1
    if days > max_days:
        raise UserError(
            f"A challenge can last up to {max_days} days; this one has {days}. "
            f"e.g. until {start + timedelta(days=29)}"
        )
    together = mode is Mode.TOGETHER
    # Days add up across members in a group goal: 40 active days in a month is a fine one.
    if metric in (Metric.WATER_DAYS, Metric.ACTIVE_DAYS) and target > days and not together:
        raise UserError(
            f"The window has {days} day{'s' if days != 1 else ''}, so {target:g} days can't be "
            "reached by one person. Lower the target, move the end date, or make it a group "
            f'goal with "together": /challenge new "{name}" active {round(target)} days '
            f"together until {end}"
        )
    runners = TOGETHER_PEOPLE if together else 1
    if metric is Metric.RUN_DISTANCE and target > max_run_km * 1000 * days * runners:
        who = "a group" if together else "anyone"
        raise UserError(
            f"That distance is more than {who} could run in the window. "
            f"e.g. {TOGETHER_EXAMPLE if together else EXAMPLE}"
        )
    return ChallengeSpec(name, metric, target, units, start, end, mode)


def _take_mode(words: list[str]) -> Mode:
    """Remove 'together' (one shared target) or 'each' (the default) from words."""
    found = [w for w in words if w.lower() in ("together", "each")]
    if len({w.lower() for w in found}) > 1:
        raise UserError(
            "A target is either for each member or for the group together, not both. "
            f"e.g. {TOGETHER_EXAMPLE}"
        )
    words[:] = [w for w in words if w.lower() not in ("together", "each")]
    return Mode.TOGETHER if found and found[0].lower() == "together" else Mode.EACH


# --- describing ---------------------------------------------------------------------------


def figure(metric: Metric, value: float, units: Units) -> str:
    """A member's figure: '42.5 km', '3 runs', '4 sessions', '9 days'."""
    if metric is Metric.RUN_DISTANCE:
        return f"{u.distance_amount(value, units):.1f} {u.distance_unit(units)}"
    n = round(value)
    noun = {
        Metric.RUN_COUNT: "run",
        Metric.STRENGTH_SESSIONS: "session",
        Metric.WATER_DAYS: "day",
        Metric.ACTIVE_DAYS: "day",
    }[metric]
    return f"{n} {noun}{'' if n == 1 else 's'}"


def goal_text(challenge: Challenge) -> str:
    """'run 100 km', '20 runs', '12 strength sessions', '20 water days', '25 active days'."""
    metric, units = Metric(challenge.metric), Units(challenge.units)
    if metric is Metric.RUN_DISTANCE:
        amount = u.distance_amount(challenge.target, units)
        return f"run {amount:g} {u.distance_unit(units)}"
    n = round(challenge.target)
    return {
        Metric.RUN_COUNT: f"{n} runs",
        Metric.STRENGTH_SESSIONS: f"{n} strength sessions",
        Metric.WATER_DAYS: f"{n} water days on goal",
        Metric.ACTIVE_DAYS: f"{n} active days",
    }[metric]


def target_text(challenge: Challenge) -> str:
    """'run 100 km each', 'run 500 km together'."""
    return f"{goal_text(challenge)} {challenge.mode}"


def is_together(challenge: Challenge) -> bool:
    return challenge.mode == Mode.TOGETHER


def amount_of(metric: Metric, value: float, units: Units) -> str:
    """A figure's number alone, as `figure` writes it: '312.4', '14'."""
    if metric is Metric.RUN_DISTANCE:
        return f"{u.distance_amount(value, units):.1f}"
    return f"{round(value)}"


def unit_of(metric: Metric, units: Units) -> str:
    """What a challenge's figures count: 'km', 'runs', 'water days on goal'."""
    return {
        Metric.RUN_DISTANCE: u.distance_unit(units),
        Metric.RUN_COUNT: "runs",
        Metric.STRENGTH_SESSIONS: "strength sessions",
        Metric.WATER_DAYS: "water days on goal",
        Metric.ACTIVE_DAYS: "active days",
    }[metric]


def together_figures(challenge: Challenge, total: float) -> str:
    """'312.4 / 500 km', '14 / 20 runs': the group's total against its target."""
    metric, units = Metric(challenge.metric), Units(challenge.units)
    if metric is Metric.RUN_DISTANCE:
        target = f"{u.distance_amount(challenge.target, units):g}"
    else:
        target = f"{round(challenge.target)}"
    return f"{amount_of(metric, total, units)} / {target} {unit_of(metric, units)}"


def percent_of(value: float, target: float) -> float:
    return 100 * value / target if target else 0.0


def is_running(challenge: Challenge, now: datetime) -> bool:
    return challenge.ended_at is None and challenge.ends_at > now


def when_text(challenge: Challenge, today: date, now: datetime) -> str:
    if not is_running(challenge, now):
        return f"finished {challenge.end_date:%a %d %b}"
    if today < challenge.start_date:
        return f"starts {challenge.start_date:%a %d %b}, ends {challenge.end_date:%a %d %b}"
    left = (challenge.end_date - today).days
    tail = "last day today" if left == 0 else f"{left} day{'s' if left != 1 else ''} left"
    return f"until {challenge.end_date:%a %d %b} ({tail})"


# --- finding ------------------------------------------------------------------------------


def challenges_in(session: Session, group: Group) -> list[Challenge]:
    return list(
        session.scalars(
            select(Challenge)
            .where(Challenge.group_id == group.id)
            .order_by(Challenge.end_date, Challenge.id)
        )
    )


def running_in(session: Session, group: Group, now: datetime) -> list[Challenge]:
    return [c for c in challenges_in(session, group) if is_running(c, now)]


def pick(
    session: Session, group: Group, name: str, now: datetime, *, usage: str, running: bool = True
) -> Challenge:
    """The challenge a command names; with no name, the only running one. `usage` shows how
    to name one, e.g. '/join <name>'."""
    name = name.strip().strip("\"“”'‘’«»").strip()
    candidates = running_in(session, group, now) if running else challenges_in(session, group)
    if name:
        key = name_key(name)
        for challenge in challenges_in(session, group):
            if challenge.name_key == key:
                if running and not is_running(challenge, now):
                    raise UserError(
                        f"{challenge.name} has finished: /challenge {challenge.name} shows "
                        f"how it ended. Start a new one: {EXAMPLE}"
                    )
                return challenge
        known = [c.name for c in candidates]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        if close:
            hint = f" Did you mean {close[0]}?"
        elif known:
            hint = f" Here: {', '.join(known)}."
        else:
            hint = f" Start one: {EXAMPLE}"
        raise UserError(f"There's no challenge called {name!r} here.{hint}")
    if not candidates:
        raise UserError(f"No challenge is running here. Start one: {EXAMPLE}")
    if len(candidates) > 1:
        names = ", ".join(c.name for c in candidates)
        raise UserError(
            f"Several challenges are running ({names}). Say which one: "
            f"{usage.replace('<name>', candidates[0].name)}"
        )
    return candidates[0]


def membership(session: Session, challenge: Challenge, user_id: int) -> ChallengeMember | None:
    return session.scalar(
        select(ChallengeMember).where(
            ChallengeMember.challenge_id == challenge.id, ChallengeMember.user_id == user_id
        )
    )


def member_ids(session: Session, challenge_ids: Iterable[int]) -> dict[int, list[int]]:
    """Current members (not left) of each challenge."""
    ids = list(challenge_ids)
    found: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.execute(
        select(ChallengeMember.challenge_id, ChallengeMember.user_id).where(
            ChallengeMember.challenge_id.in_(ids), ChallengeMember.left_at.is_(None)
        )
    )
    for challenge_id, user_id in rows:
        found[challenge_id].append(user_id)
    return found


def names_on(session: Session, platform: str, user_ids: Iterable[int]) -> dict[int, str]:
    """How each person is called on this platform (their account's name), else their name."""
    ids = set(user_ids)
    if not ids:
        return {}
    users = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    names = {uid: name for uid, name in users}
    accounts = session.execute(
        select(Account.user_id, Account.display_name)
        .where(Account.user_id.in_(ids), Account.platform == platform)
        .order_by(Account.id)
    )
    names.update({uid: name for uid, name in accounts})
    return names


# --- figures ------------------------------------------------------------------------------


@dataclass
class Activity:
    """Members' entries per local day over a span: what standings, digests and charts read.

    `days[user][day][kind]` is (entries, metres, millilitres); `water_ml[user]` is how much
    makes a water day count for them.
    """

    days: dict[int, dict[date, dict[Kind, tuple[int, float, float]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    water_ml: dict[int, float] = field(default_factory=dict)

    def on(self, metric: Metric, user_id: int, day: date) -> float:
        """The member's figure for one day."""
        kinds = self.days.get(user_id, {}).get(day)
        if not kinds:
            return 0.0
        if metric is Metric.ACTIVE_DAYS:
            return 1.0
        if metric is Metric.RUN_DISTANCE:
            return kinds.get(Kind.RUN, (0, 0.0, 0.0))[1]
        if metric is Metric.RUN_COUNT:
            return float(kinds.get(Kind.RUN, (0, 0.0, 0.0))[0])
        if metric is Metric.STRENGTH_SESSIONS:
            return float(kinds.get(Kind.STRENGTH, (0, 0.0, 0.0))[0])
        drunk = kinds.get(Kind.WATER, (0, 0.0, 0.0))[2]
        return 1.0 if drunk >= self.water_ml.get(user_id, float("inf")) else 0.0

    def total(self, metric: Metric, user_id: int, start: date, end: date) -> float:
        days = self.days.get(user_id, {})
        return sum(self.on(metric, user_id, d) for d in days if start <= d <= end)

    def active_days(self, user_id: int, start: date, end: date) -> int:
        return sum(1 for d in self.days.get(user_id, {}) if start <= d <= end)

    def moved_on(self, day: date) -> set[int]:
        return {user for user, days in self.days.items() if day in days}


def load_activity(
    session: Session, user_ids: Iterable[int], start: date, end: date, water_day_ml: float
) -> Activity:
    """One grouped query over the members' live entries for local days start..end."""
    ids = sorted(set(user_ids))
    activity = Activity()
    if not ids or end < start:
        return activity
    rows = session.execute(
        select(
            Entry.user_id,
            Entry.local_date,
            Entry.kind,
            func.count(),
            sum_or_zero(Entry.distance_m),
            sum_or_zero(Entry.volume_ml),
        )
        .where(
            Entry.user_id.in_(ids),
            Entry.deleted_at.is_(None),
            Entry.local_date.between(start, end),
        )
        .group_by(Entry.user_id, Entry.local_date, Entry.kind)
    )
    for user_id, day, kind, count, metres, ml in rows:
        activity.days[user_id][day][Kind(kind)] = (int(count), float(metres), float(ml))
    activity.water_ml = {user_id: water_day_ml for user_id in ids}
    goals = session.execute(
        select(Goal.user_id, Goal.period, Goal.amount).where(
            Goal.user_id.in_(ids), Goal.kind == Kind.WATER.value
        )
    )
    for user_id, period, amount in goals:
        activity.water_ml[user_id] = amount if period == Period.DAY else amount / 7
    return activity


@dataclass(frozen=True)
class Standing:
    user_id: int
    name: str
    value: float
    rank: int  # equal figures share a rank


def rank(values: dict[int, float], names: dict[int, str]) -> list[Standing]:
    """Highest figure first; equal figures share a rank and read in name order."""
    order = sorted(values, key=lambda uid: (-values[uid], names.get(uid, "").casefold(), uid))
    standings: list[Standing] = []
    for i, uid in enumerate(order):
        tied = standings and abs(standings[-1].value - values[uid]) < 1e-9
        place = standings[-1].rank if tied else i + 1
        standings.append(Standing(uid, names.get(uid, "someone"), values[uid], place))
    return standings


def window_until(challenge: Challenge, today: date) -> tuple[date, date]:
    """The part of the window that has happened by `today` (empty when end < start)."""
    return challenge.start_date, min(challenge.end_date, today)


def standings(
    session: Session,
    challenge: Challenge,
    platform: str,
    today: date,
    water_day_ml: float,
) -> list[Standing]:
    members = member_ids(session, [challenge.id])[challenge.id]
    start, end = window_until(challenge, today)
    activity = load_activity(session, members, start, end, water_day_ml)
    metric = Metric(challenge.metric)
    values = {uid: activity.total(metric, uid, start, end) for uid in members}
    return rank(values, names_on(session, platform, members))


def standings_lines(
    challenge: Challenge,
    rows: list[Standing],
    empty: str = "No one has joined yet: /join to take part.",
) -> list[str]:
    """'1. Ana — 42.5 km ▓▓▓▓░░░░░░ 42%' per member; for a group goal, the group's total
    against the target first, then each member's share of it."""
    metric, units = Metric(challenge.metric), Units(challenge.units)
    if not rows:
        return [empty]
    if is_together(challenge):
        return [together_line(challenge, rows), *share_lines(challenge, rows)]
    lines = []
    for row in rows:
        pct = 100 * row.value / challenge.target if challenge.target else 0.0
        mark = " ✓" if pct >= 100 else ""
        lines.append(
            f"{row.rank}. {row.name} — {figure(metric, row.value, units)} "
            f"{bar(min(pct, 100.0))} {pct:.0f}%{mark}"
        )
    return lines


def together_line(challenge: Challenge, rows: list[Standing]) -> str:
    """'🤝 Together: 312.4 / 500 km ▓▓▓▓▓▓░░░░ 62% · 187.6 km to go'."""
    metric, units = Metric(challenge.metric), Units(challenge.units)
    total = sum(r.value for r in rows)
    pct = percent_of(total, challenge.target)
    line = f"🤝 Together: {together_figures(challenge, total)} {bar(min(pct, 100.0))} {pct:.0f}%"
    if total >= challenge.target:
        return f"{line} ✓"
    return f"{line} · {figure(metric, challenge.target - total, units)} to go"


def share_lines(challenge: Challenge, rows: list[Standing]) -> list[str]:
    """'1. Ana — 200.0 km (64%)': each member's figure and their share of the group's."""
    metric, units = Metric(challenge.metric), Units(challenge.units)
    total = sum(r.value for r in rows)
    lines = []
    for row in rows:
        share = f" ({percent_of(row.value, total):.0f}%)" if total > 0 else ""
        lines.append(f"{row.rank}. {row.name} — {figure(metric, row.value, units)}{share}")
    return lines


def running_list(challenges: Iterable[Challenge]) -> str:
    """'November 100k (until Mon 30 Nov), Lift (until Tue 15 Dec)'."""
    return ", ".join(f"{c.name} (until {c.end_date:%a %d %b})" for c in challenges)


def challenge_chat_of(session: Session, user_id: int, platform: str, now: datetime) -> str | None:
    """The chat where this person's most recently joined running challenge on `platform`
    posts its digests, if they are in one: the place to reach someone who can't get DMs."""
    return session.scalar(
        select(Group.digest_chat_id)
        .join(Challenge, Challenge.group_id == Group.id)
        .join(ChallengeMember, ChallengeMember.challenge_id == Challenge.id)
        .where(
            ChallengeMember.user_id == user_id,
            ChallengeMember.left_at.is_(None),
            Group.platform == platform,
            Challenge.ended_at.is_(None),
            Challenge.ends_at > now,
        )
        .order_by(ChallengeMember.joined_at.desc())
        .limit(1)
    )
