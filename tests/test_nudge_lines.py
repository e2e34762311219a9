"""The line of encouragement in a nudge, as a person receives it through the tick: chosen by
the nudge rules of config/rules.toml, never the same twice in a row, remembered for cooldowns,
absent for people who turned encouragement off."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.context import NudgeAsk
from bot.delivery.outbox import OutboxSender
from bot.domain import Kind, Totals
from bot.interface import PlatformLimits
from bot.reminders.tick import tick
from bot.storage.models import RuleFiring, ShownMessages
from bot.voice import encouragement
from tests.support import Chat
from tests.voice_lines import CONFIG, category_of, shipped_library


class Phone:
    platform = "console"
    pacing = PlatformLimits()  # unpaced
    open_dms_hint = None

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (chat id, text)

    async def send(self, destination, reply) -> None:
        self.sent.append((destination.chat_id, reply.text))


def minute(core) -> dict[str, str]:
    """One tick and one outbox drain: each chat's nudge text this minute."""
    phone = Phone()
    tick(core.services)
    asyncio.run(OutboxSender(core.services.db, core.services.clock, phone).drain_once())
    return dict(phone.sent)


def line_in(nudge: str) -> str | None:
    """The italic line under a nudge, without its markup."""
    last = nudge.splitlines()[-1]
    return last[1:-1] if last.startswith("_") and last.endswith("_") else None


def at(clock, when: str) -> None:
    clock.set(datetime.fromisoformat(when).replace(tzinfo=UTC))


def test_a_water_nudge_carries_a_hydration_line(make_core, any_db_url, clock):
    chat = Chat(make_core(any_db_url))
    chat.say("/remind water every 2h 09:00-21:00")
    at(clock, "2026-11-25 13:00")
    [nudge] = minute(chat.core).values()
    assert nudge.startswith("💧 **Time for some water** · 13:00")
    assert category_of(line_in(nudge)) == "hydration"


def test_a_strength_nudge_suggests_squats_or_lunges_and_a_run_nudge_patience(chat, clock):
    chat.say("/remind strength 12:30")
    ben = Chat(chat.core, "ben")
    ben.say("/remind run 12:30")
    at(clock, "2026-11-25 12:30")
    nudges = minute(chat.core)
    assert category_of(line_in(nudges["chat-ana"])) == "strength_pairing"
    assert category_of(line_in(nudges["chat-ben"])) in {"consistency", "patience"}


def test_someone_quiet_for_four_days_gets_an_open_door(make_core, any_db_url, clock):
    chat = Chat(make_core(any_db_url))
    chat.say("/water 500ml")
    chat.say("/remind run 12:30")
    days = {}
    for day in range(1, 7):
        clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=UTC) + timedelta(days=day))
        [nudge] = minute(chat.core).values()
        days[day] = category_of(line_in(nudge))
    # quiet days: none on the 26th, one on the 27th, ... four on the 30th
    assert days[2] == "rest_day"
    assert days[3] != "invitation" and days[4] != "invitation"
    assert days[5] == days[6] == "invitation"


def test_no_line_comes_twice_in_a_row_across_ticks(make_core, any_db_url, clock):
    chat = Chat(make_core(any_db_url))
    chat.say("/goal water 2l/day")  # every hydration message renders with a goal
    chat.say("/remind water 12:30")
    hydration = len(shipped_library().categories["hydration"])
    lines = []
    for day in range(hydration + 3):
        clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=UTC) + timedelta(days=day))
        [nudge] = minute(chat.core).values()
        lines.append(line_in(nudge))
    assert all(category_of(line) == "hydration" for line in lines)
    # none of the last ten, or as many as a category of seven can spare: seven in a row differ
    for start in range(len(lines) - hydration + 1):
        assert len(set(lines[start : start + hydration])) == hydration


def test_encouragement_off_means_a_plain_nudge(make_core, any_db_url, clock):
    chat = Chat(make_core(any_db_url))
    ben = Chat(chat.core, "ben")
    for person in (chat, ben):
        person.say("/remind water every 2h 09:00-21:00")
    chat.say("/encourage off")
    at(clock, "2026-11-25 13:00")
    nudges = minute(chat.core)
    assert line_in(nudges["chat-ana"]) is None
    assert category_of(line_in(nudges["chat-ben"])) == "hydration"
    with chat.core.services.db.unit_of_work() as session:  # nothing remembered for Ana
        assert {s.audience for s in session.query(ShownMessages)} == {"user:2"}


def config_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    for name in ("rules.toml", "encouragement.toml", "steady.toml"):
        (folder / name).write_text((CONFIG / name).read_text())
    rules = folder / "rules.toml"
    assert old in rules.read_text()
    rules.write_text(rules.read_text().replace(old, new))
    return folder


def test_a_nudge_rules_cooldown_holds_across_ticks(make_core, any_db_url, clock, tmp_path):
    folder = config_with(
        tmp_path,
        'when = "quiet_days >= 4"\nsay = "invitation"',
        'when = "quiet_days >= 4"\nsay = "invitation"\ncooldown_hours = 48',
    )
    chat = Chat(make_core(any_db_url, config_dir=folder))
    chat.say("/water 500ml")
    chat.say("/remind run 12:30")
    at(clock, "2026-11-30 12:30")  # four quiet days
    said = []
    for _ in range(4):
        [nudge] = minute(chat.core).values()
        said.append(category_of(line_in(nudge)))
        clock.advance(days=1)
    assert said[0] == "invitation" and said[2] == "invitation"
    assert said[1] != "invitation" and said[3] != "invitation"  # 24 h after: still cooling
    with chat.core.services.db.unit_of_work() as session:
        [firing] = session.query(RuleFiring).filter_by(rule="nudge-open-door").all()
        assert firing.fired_at == clock.now() - timedelta(days=2)


def test_a_once_nudge_rule_speaks_once_per_key(make_core, sqlite_url, clock, tmp_path):
    folder = config_with(
        tmp_path,
        'when = "kind == \'water\'"\nsay = "hydration"',
        'when = "kind == \'water\'"\nsay = "hydration"\nonce = "week_start"',
    )
    chat = Chat(make_core(sqlite_url, config_dir=folder))
    chat.say("/remind water 12:30")
    said = []
    for day in range(8):  # Wednesday to the next Wednesday
        clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=UTC) + timedelta(days=day))
        [nudge] = minute(chat.core).values()
        said.append(category_of(line_in(nudge)))
    assert said.count("hydration") == 2
    assert said[0] == "hydration" and said[5] == "hydration"  # Monday the 30th: a new week


def ask(user_id: int, name: str, kind: Kind = Kind.WATER) -> NudgeAsk:
    return NudgeAsk(
        user_id=user_id,
        name=name,
        units="metric",
        encourage=True,
        kind=kind,
        local=datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
        day=Totals(),
        week=Totals(),
        goals={},
    )


def test_two_nudges_for_one_person_in_a_batch_do_not_repeat_a_line(chat, clock):
    chat.say("/tz UTC")
    voice, db = chat.core.services.voice, chat.core.services.db
    with db.unit_of_work() as session:
        first, second = voice.nudge_lines(session, [ask(1, "Ana"), ask(1, "Ana")], clock.now())
    assert first != second
    assert category_of(first) == category_of(second) == "hydration"
    with db.unit_of_work() as session:
        [shown] = session.query(ShownMessages).all()
        assert len(shown.recent) == 2


def test_a_line_that_fails_for_one_person_leaves_the_others_theirs(
    chat, clock, monkeypatch, caplog
):
    ben = Chat(chat.core, "ben")
    for person in (chat, ben):
        person.say("/remind water every 2h 09:00-21:00")
    real = encouragement.Message.render

    def render(message, facts, units, lang="en"):
        if facts["name"] == "Ana":
            raise ValueError("a placeholder tripped")
        return real(message, facts, units, lang)

    monkeypatch.setattr(encouragement.Message, "render", render)
    at(clock, "2026-11-25 13:00")
    with caplog.at_level(logging.ERROR):
        nudges = minute(chat.core)
    assert line_in(nudges["chat-ana"]) is None
    assert category_of(line_in(nudges["chat-ben"])) == "hydration"
    assert "no nudge line for user:1" in caplog.text


class FailsInTheDatabase:
    """A voice whose statement fails: on PostgreSQL that spoils the transaction."""

    def nudge_lines(self, session, asks, now):
        session.execute(text("SELECT no_such_column FROM users"))
        return ["never"] * len(asks)

    def after_log(self, ctx, entry, progress=None):
        return None

    def group_line(self, session, facts):
        return None


def test_a_database_error_in_the_voice_leaves_the_nudges_plain(make_core, any_db_url, clock):
    chat = Chat(make_core(any_db_url))
    chat.say("/remind water every 2h 09:00-21:00")
    chat.core.services.voice = FailsInTheDatabase()
    at(clock, "2026-11-25 13:00")
    [nudge] = minute(chat.core).values()
    assert nudge == "💧 **Time for some water** · 13:00"
    at(clock, "2026-11-25 15:00")  # the reminder moved on: the batch was committed
    assert len(minute(chat.core)) == 1


class Counting:
    """A voice that says which batch each line came from."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def nudge_lines(self, session, asks, now):
        self.batches.append(sorted(ask.name for ask in asks))
        return [f"batch {len(self.batches)}" for _ in asks]

    def after_log(self, ctx, entry, progress=None):
        return None

    def group_line(self, session, facts):
        return None


def test_the_voice_is_asked_once_per_batch(chat, clock):
    people = [chat, Chat(chat.core, "ben"), Chat(chat.core, "cleo")]
    for person in people:
        person.say("/remind run 12:30")
    voice = Counting()
    chat.core.services.voice = voice
    at(clock, "2026-11-25 12:30")
    report = tick(chat.core.services, batch=2)
    assert report.enqueued == 3
    assert [len(names) for names in voice.batches] == [2, 1]  # two batches, one call each
    assert sorted(name for names in voice.batches for name in names) == ["Ana", "Ben", "Cleo"]


def test_a_nudge_still_speaks_after_the_days_generic_lines_and_its_line_counts(chat, clock):
    """A nudge is a moment: the daily cap never silences it. Its generic line counts toward
    the day, so the logs after it hear one fewer."""
    at(clock, "2026-11-24 09:00")
    chat.say("/water 250ml")  # yesterday: today is no first entry, comeback or new week
    chat.say("/remind run 12:30")
    at(clock, "2026-11-25 08:00")
    said = [category_of(line_in(chat.say("/water 250ml"))) for _ in range(5)]
    assert said.count("consistency") + said.count("patience") == 3
    at(clock, "2026-11-25 12:30")
    [nudge] = minute(chat.core).values()
    assert category_of(line_in(nudge)) in {"consistency", "patience"}

    at(clock, "2026-11-26 08:00")  # the next day: the nudge first, then the logs
    chat.say("/remind off 1")
    chat.say("/remind run 08:30")
    at(clock, "2026-11-26 08:30")
    [nudge] = minute(chat.core).values()
    assert category_of(line_in(nudge)) in {"consistency", "patience"}
    said = [category_of(line_in(chat.say("/water 250ml"))) for _ in range(5)]
    assert said.count("consistency") + said.count("patience") == 2
