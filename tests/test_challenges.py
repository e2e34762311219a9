"""Group challenges through the core, as people in a Telegram group or a Discord channel."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.storage.models import Challenge, ChallengeMember, Group
from tests.group_support import GroupChat, private

NEW = '/challenge new "November 100k" run 100km until 2026-11-30'


def count(core, model) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture(params=["telegram", "discord"])
def platform(request) -> str:
    return request.param


def test_create_join_and_leaderboard_order(core, platform):
    ana = GroupChat(core, "ana", platform=platform)
    ben = GroupChat(core, "ben", platform=platform)
    started = ana.say(NEW)
    assert "November 100k" in started and "run 100 km each" in started
    assert "until Mon 30 Nov 2026" in started and "Ana is in" in started
    assert "Ben joined November 100k" in ben.say("/join")
    private(core, "ana", platform).say("/run 10k 55:00")  # logged in a private chat
    ben.say("/run 12k 70:00")  # logged in the group itself
    board = ana.say("/leaderboard")
    assert board.index("1. Ben — 12.0 km") < board.index("2. Ana — 10.0 km")
    assert "12%" in board and "10%" in board
    info = ben.say("/challenge")
    assert "Started by Ana · 2 members" in info and "5 days left" in info


def test_entries_count_only_after_joining_and_only_inside_the_window(core, clock):
    ana = GroupChat(core, "ana")
    ana.say(NEW)
    cat_dm = private(core, "cat")
    cat_dm.say("/run 5k 30:00")
    cat_dm.say("/run 8k 50:00 yesterday")  # before the challenge started
    assert "Cat" not in ana.say("/leaderboard")  # not joined: not shown
    joined = GroupChat(core, "cat").say("/join")
    assert "5.0 km so far" in joined
    assert "Cat — 5.0 km" in ana.say("/leaderboard")
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # after the window
    cat_dm.say("/run 10k 60:00")
    assert "Cat — 5.0 km" in ana.say("/challenge November 100k")


def test_leaving_keeps_entries_and_removes_from_standings(core):
    ana, ben = GroupChat(core, "ana"), GroupChat(core, "ben")
    ana.say(NEW)
    ben.say("/join")
    ben.say("/run 5k 30:00")
    assert "You left November 100k" in ben.say("/leave")
    assert "Ben" not in ana.say("/leaderboard")
    assert "run 5.00 km" in private(core, "ben").say("/today")
    assert "You're not in any challenge here" in ben.say("/leave")
    ben.say("/join")
    assert "Ben — 5.0 km" in ana.say("/leaderboard")


@pytest.mark.parametrize(
    ("spec", "logs", "figure"),
    [
        ("runs 3", ["/run 5k", "/run 3k", "/strength 30min"], "2 runs"),
        ("strength 12", ["/strength squats 3x10", "/strength 30min", "/run 5k"], "2 sessions"),
        ("active 5 days", ["/run 5k yesterday", "/water 1l", "/strength 30min"], "1 day"),
        ("water 3 days", ["/water 1l", "/water 1.2l"], "1 day"),
        ("run 20mi", ["/run 5mi"], "5.0 mi"),
    ],
)
def test_each_metric_counts_its_own_entries(core, spec, logs, figure):
    ana = GroupChat(core, "ana")
    assert "is on" in ana.say(f'/challenge new "Test" {spec} until 2026-11-30')
    dm = private(core, "ana")
    for line in logs:
        assert "Logged" in dm.say(line)
    assert f"Ana — {figure}" in ana.say("/leaderboard")


def test_water_days_follow_a_members_own_daily_goal(core, clock):
    ana = GroupChat(core, "ana")
    ana.say('/challenge new "Hydrate" water 5 days until 2026-11-30')
    dm = private(core, "ana")
    dm.say("/goal water 1l/day")
    dm.say("/water 1l")  # enough for her goal, below the 2 l default
    assert "Ana — 1 day" in ana.say("/leaderboard")
    ben = GroupChat(core, "ben")
    ben.say("/join")
    private(core, "ben").say("/water 1l")  # no goal: 2 l makes the day
    assert "Ben — 0 days" in ana.say("/leaderboard")


def test_bad_input_gets_a_friendly_error_and_changes_nothing(core):
    ana = GroupChat(core, "ana")
    ana.say(NEW)
    before = count(core, Challenge)
    cases = {
        '/challenge new "Swim" swim 10km until 2026-11-30': "don't know the challenge metric",
        '/challenge new "Old" run 10km until 2026-11-01': "has already passed",
        '/challenge new "november 100K" run 50km until 2026-12-31': "already has a challenge",
        "/challenge new November run 10km until 2026-11-30": "in quotes",
        '/challenge new "Soon" run 10 until 2026-11-30': "Give the distance a unit",
        '/challenge new "Soon" run 10km': "until",
        '/challenge new "Soon" run 10km until 2026-02-30': "not a date on the calendar",
        '/challenge new "Short" active 9 days until 2026-11-27': "can't be reached",
        f'/challenge new "{"Straße " * 8}" runs 5 until 2026-11-30': "Keep the name shorter",
    }
    for text, why in cases.items():
        reply = ana.say(text)
        assert why in reply, (text, reply)
    assert count(core, Challenge) == before
    assert '/challenge new "November 100k"' in ana.say(
        '/challenge new "Swim" swim 10km until 2026-11-30'
    )


def test_only_the_creator_or_an_admin_ends_a_challenge(core):
    ana = GroupChat(core, "ana")
    ben = GroupChat(core, "ben")
    boss = GroupChat(core, "boss", is_admin=True)
    ana.say(NEW)
    ben.say("/join")
    refusal = ben.say("/challenge end")
    assert "Only the one who started November 100k or this group's admins" in refusal
    assert "1. " in ben.say("/leaderboard")  # still running
    assert "November 100k is over" in ana.say("/challenge end")  # the creator, not an admin
    assert "No challenge is running here" in ben.say("/leaderboard")
    ben.say('/challenge new "December" runs 10 until 2026-12-31')
    assert "December is over" in boss.say("/challenge end")  # an admin ends someone's


def test_admin_only_settings_are_refused_with_the_reason(core):
    ben = GroupChat(core, "ben")
    assert "Only this group's admins can use /digest" in ben.say("/digest daily 20:00")
    assert "Only this group's admins can change its time zone" in ben.say("/tz Europe/Berlin")
    assert "Only this group's admins can use /steady" in ben.say("/steady channel")
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(Group.tz)) in (None, "UTC")
        assert s.scalar(select(Group.digest_time)) is None


def test_group_time_zone_sets_challenge_days(core, clock):
    admin = GroupChat(core, "ana", is_admin=True)
    assert "time zone is now Pacific/Auckland" in admin.say("/tz Pacific/Auckland")
    clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))  # already Tue 1 Dec in Auckland
    assert "has already passed" in admin.say(NEW)
    assert "run 10 km" in admin.say('/challenge new "Dec" run 10km until 2026-12-01')
    assert "last day today" in admin.say("/challenge")
    assert "Your time zone is UTC" in private(core, "ana").say("/tz")  # their own is untouched


def test_several_challenges_need_a_name(core):
    ana, ben = GroupChat(core, "ana"), GroupChat(core, "ben")
    ana.say(NEW)
    ana.say('/challenge new "Lift" strength 8 until 2026-12-15')
    assert "Several challenges are running (November 100k, Lift)" in ben.say("/join")
    assert "Ben joined Lift" in ben.say("/join lift")
    assert "There's no challenge called 'Lifts' here. Did you mean Lift?" in ben.say("/join Lifts")
    board = ben.say("/leaderboard")
    assert "November 100k" in board and "Lift" in board
    assert "You're already in Lift" in ben.say('/join "Lift"')


def test_group_commands_explain_they_work_in_groups(core):
    assert "works in a group chat" in private(core, "ana").say("/join")


def test_a_redelivered_join_joins_once(core):
    ana, ben = GroupChat(core, "ana"), GroupChat(core, "ben")
    ana.say(NEW)
    first = ben.say("/join", message_id="m-1")
    assert ben.say("/join", message_id="m-1") == first
    assert count(core, ChallengeMember) == 2


def test_a_discord_server_shares_challenges_across_channels(core):
    general = GroupChat(core, "ana", platform="discord", chat_id="111", server_id="900")
    runs = GroupChat(core, "ben", platform="discord", chat_id="222", server_id="900")
    other_server = GroupChat(core, "cat", platform="discord", chat_id="333", server_id="901")
    general.say(NEW)
    assert "Ben joined November 100k" in runs.say("/join")
    assert "No challenge is running here" in other_server.say("/join")
    admin = GroupChat(
        core, "ana", platform="discord", chat_id="222", server_id="900", is_admin=True
    )
    assert "posted in this channel" in admin.say("/steady channel")
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(Group.digest_chat_id).where(Group.external_id == "900")) == "222"


def test_a_chat_given_a_new_id_keeps_its_group(core):
    """Telegram turns a group into a supergroup with a new id; the core is told twice."""
    before = GroupChat(core, "ana", chat_id="-4001", is_admin=True)
    before.say(NEW)
    before.say("/digest daily 20:00")
    after = GroupChat(core, "ben", chat_id="-1004001", is_admin=True)
    assert "No daily digest here yet" in after.say("/digest")  # a group made early, empty
    core.move_chat("telegram", "-4001", "-1004001")
    core.move_chat("telegram", "-4001", "-1004001")
    assert "Ana — 0.0 km" in after.say("/leaderboard")
    assert "The digest is posted daily at 20:00" in after.say("/digest")
    assert count(core, Group) == 1


def test_a_new_id_with_challenges_of_its_own_keeps_them_apart(core):
    before = GroupChat(core, "ana", chat_id="-4001")
    before.say(NEW)
    after = GroupChat(core, "ben", chat_id="-1004001")
    after.say('/challenge new "Lift" strength 8 until 2026-12-15')
    core.move_chat("telegram", "-4001", "-1004001")
    board = after.say("/leaderboard")
    assert "Lift" in board and "November 100k" not in board
    with core.services.db.unit_of_work() as s:
        places = set(s.scalars(select(Group.digest_chat_id)))
    assert places == {"-1004001"}  # the old group's digests now reach the chat it became
