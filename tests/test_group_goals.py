"""Group goals ("together we run 500 km") and who may start challenges, through the core as
people in a group chat; the tick's digest and end summary for a group goal."""

import asyncio
import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import event, func, select

from bot.app import run_tick
from bot.context import SilentVoice
from bot.groups.digests import compose_digest
from bot.storage.models import Challenge, Group
from tests.group_support import GroupChat, delivered, private
from tests.support import postgres_database

TOGETHER = '/challenge new "December together" run 500km together until 2026-12-31'


def count(core, model) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_group_goal_adds_everyones_distance_against_one_target(core):
    ana, ben = GroupChat(core, "ana"), GroupChat(core, "ben")
    started = ana.say(TOGETHER)
    assert "run 500 km together" in started and "One goal for the group" in started
    assert "each" not in started
    assert "run 500 km together" in ben.say("/join")
    private(core, "ana").say("/run 200k 20:00:00")
    ben.say("/run 112.4k 12:00:00")
    board = ben.say("/leaderboard")
    assert "**December together** — run 500 km together" in board
    assert "🤝 Together: 312.4 / 500 km ▓▓▓▓▓▓░░░░ 62% · 187.6 km to go" in board
    assert board.index("1. Ana — 200.0 km (64%)") < board.index("2. Ben — 112.4 km (36%)")
    assert "Started by Ana · 2 members" in ana.say("/challenge December together")


def test_a_group_goal_reached_is_ticked_and_a_fresh_one_shows_no_shares(core):
    ana, ben = GroupChat(core, "ana"), GroupChat(core, "ben")
    ana.say('/challenge new "Ten runs" runs 3 together until 2026-11-30')
    ben.say("/join")
    board = ana.say("/leaderboard")
    assert "Together: 0 / 3 runs ░░░░░░░░░░ 0% · 3 runs to go" in board
    assert "1. Ana — 0 runs\n" in board + "\n" and "(0%)" not in board  # no share of nothing
    for who, line in (("ana", "/run 5k"), ("ben", "/run 3k"), ("ben", "/run 4k")):
        private(core, who).say(line)
    board = ana.say("/leaderboard")
    assert "Together: 3 / 3 runs ▓▓▓▓▓▓▓▓▓▓ 100% ✓" in board
    assert "1. Ben — 2 runs (67%)" in board and "2. Ana — 1 run (33%)" in board


@pytest.mark.parametrize(
    ("spec", "logs", "together", "share"),
    [
        ("runs 10", {"ana": ["/run 5k", "/run 3k"], "ben": ["/run 2k"]}, "3 / 10 runs", "67%"),
        (
            "strength 20",
            {"ana": ["/strength squats 3x10"], "ben": ["/strength 30min", "/strength 20min"]},
            "3 / 20 strength sessions",
            "67%",
        ),
        (
            "water 40 days",
            {"ana": ["/water 2l"], "ben": ["/water 2.5l"]},
            "2 / 40 water days on goal",
            "50%",
        ),
        (
            "active 45 days",
            {"ana": ["/run 5k", "/water 1l yesterday"], "ben": ["/strength 30min"]},
            "3 / 45 active days",
            "67%",
        ),
        ("run 300mi", {"ana": ["/run 5mi"], "ben": ["/run 15mi"]}, "20.0 / 300 mi", "75%"),
    ],
)
def test_every_metric_can_be_a_group_goal(core, spec, logs, together, share):
    """Day targets above the window's length are fine together: members' days add up."""
    ana, ben = GroupChat(core, "ana"), GroupChat(core, "ben")
    started = ana.say(f'/challenge new "Team" {spec} together from 2026-11-24 until 2026-12-20')
    assert "is on" in started and "together" in started, started
    ben.say("/join")
    for who, lines in logs.items():
        for line in lines:
            assert "Logged" in private(core, who).say(line), line
    board = ana.say("/leaderboard")
    assert f"Together: {together}" in board, board
    assert f"({share})" in board, board


def test_a_days_target_beyond_the_window_needs_together(core):
    ana = GroupChat(core, "ana")
    refused = ana.say('/challenge new "Month" active 40 days until 2026-12-20')
    assert "can't be reached by one person" in refused
    assert '/challenge new "Month" active 40 days together until 2026-12-20' in refused
    assert count(core, Challenge) == 0
    assert "is on" in ana.say(refused[refused.index("/challenge new") :])  # as suggested
    assert "40 active days together" in ana.say("/leaderboard")


def test_bad_group_goals_are_refused_and_change_nothing(core):
    ana = GroupChat(core, "ana")
    cases = {
        '/challenge new "Both" run 50km together each until 2026-11-30': "not both",
        '/challenge new "Far" run 9000000km together until 2026-11-30': "more than a group",
        '/challenge new "Swim" swim 10km together until 2026-11-30': "don't know the challenge",
        '/challenge new "Soon" run 10km together': "until",
    }
    for text, why in cases.items():
        reply = ana.say(text)
        assert why in reply, (text, reply)
        assert "e.g. /challenge new" in reply  # every refusal shows a correct example
    assert count(core, Challenge) == 0
    assert "run 50 km each" in ana.say('/challenge new "Each" run 50km each until 2026-11-30')


def test_admins_choose_who_starts_challenges(core):
    ana = GroupChat(core, "ana")
    boss = GroupChat(core, "boss", is_admin=True)
    assert "Anyone here can start a challenge" in ana.say("/challenge who")
    refused = ana.say("/challenge who admins")
    assert "Only this group's admins choose who starts challenges" in refused
    assert "Anyone here can start a challenge" in ana.say("/challenge who")
    assert "Say who may start challenges" in boss.say("/challenge who the cat")

    assert "only this group's admins start challenges" in boss.say("/challenge who admins")
    assert "Only this group's admins start challenges here" in ana.say("/challenge who")
    kept = ana.say(TOGETHER)
    assert "only admins start challenges" in kept and "/join a running one" in kept
    assert count(core, Challenge) == 0
    assert "is on" in boss.say(TOGETHER)
    assert "Ana joined December together" in ana.say("/join")  # joining stays open to all

    assert "anyone here can start a challenge" in boss.say("/challenge who everyone")
    assert "is on" in ana.say('/challenge new "Lift" strength 8 until 2026-12-15')
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(Group.challenge_starters)) == "everyone"


def test_a_group_runs_at_most_five_challenges_at_once(core, clock):
    ana = GroupChat(core, "ana")
    for n in range(1, 6):
        assert "is on" in ana.say(f'/challenge new "C{n}" runs {n} until 2026-12-{n:02d}')
    refused = ana.say(TOGETHER)
    assert "already runs 5 challenges, the most at once" in refused
    assert "C1 (until Tue 01 Dec), C2 (until Wed 02 Dec)" in refused
    assert "C5 (until Sat 05 Dec)" in refused and "/challenge end <name>" in refused
    assert count(core, Challenge) == 5
    assert "C3 is over" in ana.say("/challenge end C3")
    assert "is on" in ana.say(TOGETHER)
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))  # C1's window has closed
    assert "is on" in ana.say('/challenge new "Next" runs 5 until 2026-12-20')
    assert "already runs 5" in ana.say('/challenge new "One more" runs 5 until 2026-12-20')


def test_the_cap_follows_the_setting(make_core, sqlite_url):
    core = make_core(sqlite_url, challenges={"max_running": 1})
    ana = GroupChat(core, "ana")
    assert "is on" in ana.say(TOGETHER)
    refused = ana.say('/challenge new "Lift" strength 8 until 2026-12-15')
    assert "already runs 1 challenge, the most at once: December together" in refused


# --- the tick: digest and end summary -----------------------------------------------------


def together_group(core, platform="telegram"):
    admin = GroupChat(core, "ana", platform=platform, is_admin=True)
    admin.say('/challenge new "November together" run 100km together until 2026-11-30')
    admin.say("/digest daily 20:00")
    ben = GroupChat(core, "ben", platform=platform)
    ben.say("/join")
    return admin, ben


def png_of(reply):
    [chart] = reply.attachments
    assert chart.is_image and chart.filename.endswith(".png")
    image = Image.open(io.BytesIO(chart.data))
    image.load()
    assert image.format == "PNG" and image.width >= 400 and image.height >= 300
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20  # bands, lines, text: not a blank canvas
    return image


def test_a_group_goal_made_through_the_ticks_digest_and_summary(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    _, ben = together_group(core)
    private(core, "ana").say("/run 30k 3:00:00")
    ben.say("/run 12k 1:10:00")

    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    asyncio.run(run_tick(core.services))
    asyncio.run(run_tick(core.services))  # nothing twice
    [(_, digest)] = delivered(core, "telegram")
    assert "Daily digest · Wed 25 Nov" in digest.text
    assert "**November together** — run 100 km together, until Mon 30 Nov" in digest.text
    assert "🤝 Together: 42.0 / 100 km ▓▓▓▓░░░░░░ 42% · 58.0 km to go" in digest.text
    assert digest.text.index("1. Ana — 30.0 km (71%)") < digest.text.index("2. Ben — 12.0 km (29%)")

    for day in (27, 29):
        clock.set(datetime(2026, 11, day, 9, 0, tzinfo=UTC))
        private(core, "ben").say("/run 30k 3:00:00")
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))  # the window has closed
    asyncio.run(run_tick(core.services))
    asyncio.run(run_tick(core.services))
    [(_, summary)] = delivered(core, "telegram")
    assert "**November together** is over: run 100 km together" in summary.text
    assert "🎉 **You made it together: 102.0 / 100 km (102%).**" in summary.text
    assert "Everyone's share" in summary.text
    assert summary.text.index("1. Ben — 72.0 km (71%)") < summary.text.index(
        "2. Ana — 30.0 km (29%)"
    )
    assert "Reached the target" not in summary.text  # no one is singled out in a group goal
    png_of(summary)


def test_a_group_goal_missed_is_told_kindly_with_its_chart(core, clock):
    admin, ben = together_group(core)
    ben.say("/run 12k 1:10:00")
    assert "November together is over" in admin.say("/challenge end")
    asyncio.run(run_tick(core.services))
    [(_, summary)] = delivered(core, "telegram")
    assert "**Together: 12.0 / 100 km (12%).** Not the whole way this time" in summary.text
    assert "every bit of it counted" in summary.text
    assert "1. Ben — 12.0 km (100%)" in summary.text and "2. Ana — 0.0 km (0%)" in summary.text
    for blame in ("failed", "missed", "only"):
        assert blame not in summary.text.lower()
    png_of(summary)


def test_a_group_goal_with_many_members_draws_them_all(core, clock):
    admin = GroupChat(core, "ana", is_admin=True)
    admin.say('/challenge new "Crowd" active 100 days together until 2026-11-30')
    for n in range(13):
        GroupChat(core, f"p{n}").say("/join")
        private(core, f"p{n}").say(f"/water {n + 1}00ml")
    admin.say("/challenge end")
    asyncio.run(run_tick(core.services))
    [(_, summary)] = delivered(core, "telegram")
    assert "**Together: 13 / 100 active days (13%).**" in summary.text
    png_of(summary)


def statements_of(core, work) -> int:
    seen: list[str] = []

    def count_it(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = core.services.db.engine
    event.listen(engine, "before_cursor_execute", count_it)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count_it)
    return len(seen)


def test_a_group_goal_costs_the_digest_no_more_statements(core, clock):
    """The digest reads the same few statements whether a challenge is for each member or
    for the group: the group's total comes from the activity already read."""
    core.services.voice = SilentVoice()  # the digest's own statements, not the voice's
    for chat_id, mode in (("-1001", "each"), ("-1002", "together")):
        admin = GroupChat(core, "ana", chat_id=chat_id, is_admin=True)
        admin.say(f'/challenge new "Run" run 100km {mode} until 2026-11-30')
        for who in ("ben", "cat", "dan"):
            GroupChat(core, who, chat_id=chat_id).say("/join")
            private(core, who).say("/run 5k")
    day = clock.now().date()

    def digest_of(chat_id):
        def work():
            with core.services.db.unit_of_work() as s:
                group = s.scalar(select(Group).where(Group.external_id == chat_id))
                reply = compose_digest(s, core.services, group, day, clock.now())
                assert reply is not None and "Run" in reply.text

        return work

    each, together = (
        statements_of(core, digest_of("-1001")),
        statements_of(core, digest_of("-1002")),
    )
    assert together == each


def test_a_redelivered_group_goal_starts_once(core):
    ana = GroupChat(core, "ana")
    first = ana.say(TOGETHER, message_id="g-1")
    assert ana.say(TOGETHER, message_id="g-1") == first
    assert count(core, Challenge) == 1
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(Challenge.mode)) == "together"


def test_the_migration_keeps_challenges_for_each_member_and_groups_open(tmp_path):
    """Challenges made before group goals read as they did (a target for each member, their
    members kept), and every group lets anyone start challenges, on both databases."""
    with postgres_database() as pg_url:
        for url in (f"sqlite:///{tmp_path / 'old.db'}", pg_url):
            _check_migration(url)


def _check_migration(url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from bot.storage.db import Database, alembic_config, upgrade

    when = datetime(2026, 11, 20, 12, 0)
    db = Database(url)
    upgrade(db.engine, "0007_finite_amounts")
    with db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO users (id, display_name, tz, units, encourage, created_at) "
                "VALUES (1, 'Ana', 'UTC', 'metric', true, :now)"
            ),
            {"now": when},
        )
        c.execute(
            text(
                "INSERT INTO groups (id, platform, external_id, digest_chat_id, tz, "
                "created_at) VALUES (1, 't', 'g', 'g', 'UTC', :now)"
            ),
            {"now": when},
        )
        c.execute(
            text(
                "INSERT INTO challenges (id, group_id, name, name_key, metric, target, "
                "units, start_date, end_date, ends_at, created_at, summary_posted) VALUES "
                "(1, 1, 'Old', 'old', 'run_distance', 50000, 'metric', '2026-11-20', "
                "'2026-11-30', :now, :now, false)"
            ),
            {"now": when},
        )
        c.execute(
            text(
                "INSERT INTO challenge_members (challenge_id, user_id, joined_at) "
                "VALUES (1, 1, :now)"
            ),
            {"now": when},
        )
    upgrade(db.engine, "head")
    with db.engine.begin() as c:
        assert c.execute(text("SELECT mode FROM challenges")).scalar_one() == "each"
        assert c.execute(text("SELECT challenge_starters FROM groups")).scalar_one() == ("everyone")
        assert c.execute(text("SELECT count(*) FROM challenge_members")).scalar_one() == 1
    command.downgrade(alembic_config(db.engine), "0007_finite_amounts")  # nothing else goes
    with db.engine.begin() as c:
        assert c.execute(text("SELECT count(*) FROM challenge_members")).scalar_one() == 1
    db.dispose()
