"""Group challenges in a Telegram group, end to end through python-telegram-bot and the fake
Bot API: what Telegram does differently from a Discord server. Admin rights come from
getChatMember, asked before the core runs and only for a command that needs them; a
summary too long for a photo's caption still arrives whole, its chart after its text; a
group that Telegram turns into a supergroup, with a new chat id, keeps its challenge and
digest."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.telegram_adapter import SendLimits
from bot.app import run_tick
from bot.clock import FixedClock
from bot.core import Core
from tests.fakes.bot_api import FakeBotAPI
from tests.group_e2e import NEW, TELEGRAM_IDS, TelegramSide
from tests.telegram_adapter.conftest import GROUP, Rig, running

EIGHT_PM = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
WINDOW_CLOSES = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
BASIC_GROUP, SUPERGROUP = -4001, -1004001  # a supergroup's id starts -100


def asked_about(rig: Rig) -> list[int]:
    """Whose admin status the bot asked Telegram about, in order."""
    return [call.params["user_id"] for call in rig.fake.calls_to("getChatMember")]


async def test_admin_rights_come_from_get_chat_member_when_a_command_needs_them(
    rig: Rig,
) -> None:
    group = TelegramSide(rig)
    rig.fake.set_member(GROUP, TELEGRAM_IDS["Ana"], "creator")  # the group's owner
    rig.fake.set_member(GROUP, TELEGRAM_IDS["Cat"], "administrator")
    await group.group("Ben", "/join")  # nothing to join yet: no command here needs rights
    await group.group("Ben", "/leaderboard")
    assert asked_about(rig) == []
    await group.group("Ana", NEW)
    await group.group("Ben", "/join")
    await group.group("Ben", "/challenge end November 100k")  # neither creator nor admin
    assert "November 100k" in await group.group("Ben", "/leaderboard")  # still running
    ana, ben, cat = (TELEGRAM_IDS[name] for name in ("Ana", "Ben", "Cat"))
    assert asked_about(rig) == [ana, ben]  # /challenge may ask; /join and /leaderboard never

    assert await group.group("Ben", "/digest daily 20:00") == (
        "Only this group's admins can use /digest."
    )
    assert "Daily digest at 20:00 (UTC)" in await group.group("Ana", "/digest daily 20:00")
    assert "Daily digest at 07:30 (UTC)" in await group.group("Cat", "/digest daily 7:30am")
    assert asked_about(rig) == [ana, ben, ben, ana, cat]


async def test_a_big_groups_summary_arrives_as_text_then_its_chart(
    telegram_core: Core, fake: FakeBotAPI, clock: FixedClock
) -> None:
    # Telegram's 20 messages a minute in one group would stretch the joins over a minute.
    async with running(telegram_core, fake, clock, limits=SendLimits(per_group=100)) as rig:
        await big_group_ends(rig)


async def big_group_ends(rig: Rig) -> None:
    group = TelegramSide(rig)
    await group.group("Ana", NEW)
    for n in range(24):  # enough standings lines to outgrow a photo's 1,024-character caption
        runner = rig.person(5000 + n, f"Runner {n:02d}")
        await rig.say(runner, "/join", chat_id=GROUP)
    await rig.say(rig.person(5000, "Runner 00"), "/run 5k 30:00")

    rig.clock.set(WINDOW_CLOSES)
    await run_tick(rig.core.services)
    shown = await group.deliver()
    await run_tick(rig.core.services)
    assert await group.deliver() == []
    methods = [sent.method for sent in rig.fake.sent[-len(shown) :]]
    assert methods[-1] == "sendPhoto" and set(methods[:-1]) == {"sendMessage"}
    assert {s.chat_id for s in shown} == {group.group_chat}
    text = "\n".join(s.text for s in shown)
    assert "November 100k is over" in text
    assert "1. Runner 00 — 5.0 km" in text and "Runner 23 — 0.0 km" in text
    [(name, png)] = shown[-1].images
    assert name.endswith(".png") and png.startswith(b"\x89PNG\r\n\x1a\n")


async def basic_group_with_a_challenge(rig: Rig) -> None:
    rig.fake.basic_groups.add(BASIC_GROUP)
    basic = TelegramSide(rig, BASIC_GROUP)
    await basic.group("Ana", NEW)
    await basic.group("Ben", "/join")
    await basic.group("Ana", "/digest daily 20:00")


async def test_a_group_that_becomes_a_supergroup_keeps_its_challenge_and_digest(
    rig: Rig,
) -> None:
    await basic_group_with_a_challenge(rig)
    rig.fake.migrate(BASIC_GROUP, SUPERGROUP, rig.person(TELEGRAM_IDS["Ana"], "Ana"))
    moved = TelegramSide(rig, SUPERGROUP)
    board = await moved.group("Ben", "/leaderboard")
    assert "November 100k — run 100 km each" in board and "1. Ana — 0.0 km" in board

    rig.clock.set(EIGHT_PM)
    await run_tick(rig.core.services)
    [digest] = await moved.deliver()
    assert digest.chat_id == str(SUPERGROUP) and "Daily digest · Wed 25 Nov" in digest.text
    # The three answers before the move; the digest went straight to the new chat.
    assert [c.params["chat_id"] for c in rig.fake.calls_to("sendMessage")].count(BASIC_GROUP) == 3


async def test_a_move_the_bot_never_heard_of_is_followed_when_it_next_posts(rig: Rig) -> None:
    await basic_group_with_a_challenge(rig)
    rig.fake.migrate(BASIC_GROUP, SUPERGROUP, rig.person(TELEGRAM_IDS["Ana"], "Ana"), tell=False)

    rig.clock.set(EIGHT_PM)
    await run_tick(rig.core.services)
    [digest] = await TelegramSide(rig, SUPERGROUP).deliver()
    assert digest.chat_id == str(SUPERGROUP)  # the adapter follows Telegram's answer...
    board = await TelegramSide(rig, SUPERGROUP).group("Ben", "/leaderboard")
    assert "1. Ana — 0.0 km" in board  # ...and the group, with its challenge, follows too
