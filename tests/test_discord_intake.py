"""Discord's side of the inbox, end to end against the fake Discord: what arrives is stored
before anything else happens; interactions are answered directly when the worker is quick,
deferred (privately for commands that answer privately) when it is not, and sent to the
channel once their token has run out; receivers with different shards never share an event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.discord_adapter import DiscordAdapter
from adapters.discord_adapter.adapter import DiscordIncoming
from bot.core import Core
from bot.interface import ChatKind, Event, Reply
from bot.settings import Settings
from bot.storage.models import DONE, WAITING, Entry, InboxEvent
from tests.discord_rig import answers, fake_discord, running, working
from tests.fakes.discord_api import BOT_ID, CHANNEL_ID, EPHEMERAL, GUILD_ID, FakeDiscord

ANA, BEN = 700000000000000001, 700000000000000002  # Ben organises the server


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        fake.user(BEN, "Ben", manages_server=True)
        yield fake


@pytest.fixture
def core(make_core: Callable[..., Core], sqlite_url: str) -> Core:
    return make_core(sqlite_url)


def inbox(core: Core) -> list[InboxEvent]:
    with core.services.db.unit_of_work() as session:
        rows = list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))
        session.expunge_all()
        return rows


def entries(core: Core) -> list[Entry]:
    with core.services.db.unit_of_work() as session:
        rows = list(session.scalars(select(Entry).order_by(Entry.id)))
        session.expunge_all()
        return rows


def held(core: Core, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """The core waits for the returned event before it handles anything."""
    go = asyncio.Event()
    handle = core.handle_event_async

    async def waiting(*args: Any) -> list[Reply]:
        await go.wait()
        return await handle(*args)

    monkeypatch.setattr(core, "handle_event_async", waiting)
    return go


# -- stored first ----------------------------------------------------------------------------


async def test_a_message_is_in_the_inbox_before_anything_else_happens(
    core: Core, fake: FakeDiscord
) -> None:
    """With no worker running, what Ana sent is kept, untouched, until a worker comes."""
    dm = fake.dm_channel(ANA)
    async with running(core, fake, work=False) as adapter:
        sent = await fake.say(ANA, "drank half a litre", dm=True)
        await fake.until(lambda: len(inbox(core)) == 1)
        await asyncio.sleep(0.1)
        assert fake.posted == [] and entries(core) == []
        [row] = inbox(core)
        assert (row.platform, row.event_id, row.state) == ("discord", str(sent), WAITING)
        assert (row.chat_key, row.user_key) == (f"discord:{dm}", f"discord:{ANA}")
        assert row.payload["text"] == "drank half a litre"
        async with working(core, adapter):
            [answer] = await answers(fake, dm, 1)
            await fake.until(lambda: inbox(core)[0].state == DONE)
    assert answer.content.startswith("✅ Logged water 500 ml.")
    assert [e.source_message_id for e in entries(core)] == [str(sent)]


async def test_talk_in_a_server_that_is_not_for_steady_is_not_stored(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake, discord_message_content=True):
        await fake.say(ANA, "see you all at the track tomorrow")
        await fake.say(ANA, "!water 250ml")
        await answers(fake, CHANNEL_ID, 1)
    assert [row.payload["text"] for row in inbox(core)] == ["/water 250ml"]


async def test_an_interaction_is_stored_with_what_answering_it_needs(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake, work=False, discord_defer_after=0.05):
        interaction = await fake.slash(BEN, "water", {"amount": "500ml"})
        await fake.until(lambda: len(inbox(core)) == 1)
        # Nobody answered in time: Discord is told "thinking…" so the interaction lives on.
        await fake.until(lambda: len(fake.interaction_callbacks) == 1)
    [row] = inbox(core)
    assert (row.event_id, row.chat_key) == (str(interaction), f"discord:{CHANNEL_ID}")
    stored = row.payload["interaction"]
    assert stored["id"] == str(interaction)
    assert stored["token"] == f"interaction-token-{interaction}"
    assert (stored["application_id"], stored["channel_id"]) == (str(BOT_ID), str(CHANNEL_ID))
    assert stored["guild_id"] == str(GUILD_ID)
    assert (row.payload["text"], row.payload["manages_server"]) == ("/water 500ml", True)
    assert fake.interaction_callbacks[0]["type"] == 5


async def test_after_a_restart_a_deferred_interaction_is_followed_up(
    core: Core, fake: FakeDiscord
) -> None:
    """Stored, deferred, then the process went away: the next one answers in the interaction's
    own "thinking…" message, through its follow-up webhook."""
    async with running(core, fake, work=False, discord_defer_after=0.05):
        await fake.slash(ANA, "water", {"amount": "500ml"})
        await fake.until(lambda: len(fake.interaction_callbacks) == 1)
    async with running(core, fake):
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert answer.via == "followup"
    assert answer.content.startswith("✅ Logged water 500 ml.")


async def test_a_worker_in_another_process_answers_what_a_receiver_stored(
    core: Core, fake: FakeDiscord
) -> None:
    """Receivers and workers apart: the worker's adapter only logs in to the REST API."""
    dm = fake.dm_channel(ANA)
    async with running(core, fake, work=False, discord_defer_after=0.05) as receiver:
        await fake.say(ANA, "drank half a litre", dm=True)
        await fake.slash(BEN, "water", {"amount": "250ml"})
        await fake.until(lambda: len(fake.interaction_callbacks) == 1)  # deferred
        elsewhere = DiscordAdapter(core, receiver.settings)
        await elsewhere.login()
        try:
            async with working(core, elsewhere):
                [to_ana] = await answers(fake, dm, 1)
                [to_ben] = await answers(fake, CHANNEL_ID, 1)
        finally:
            await elsewhere.close()
    assert to_ana.via == "channel" and to_ana.content.startswith("✅ Logged water 500 ml.")
    assert to_ben.via == "followup" and to_ben.content.startswith("✅ Logged water 250 ml.")
    assert len(fake.identifies) == 1  # the worker never joined the gateway


# -- answering interactions ------------------------------------------------------------------


async def test_a_quick_answer_is_the_interactions_direct_response(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "water", {"amount": "500ml"})
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert [c["type"] for c in fake.interaction_callbacks] == [4]
    assert (answer.via, answer.ephemeral) == ("callback", False)
    assert answer.content.startswith("✅ Logged water 500 ml.")


async def test_a_command_that_answers_privately_does_so_in_a_server(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "units", {"system": "imperial"})
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert (answer.via, answer.ephemeral) == ("callback", True)
    assert answer.content.startswith("📏 Units set to imperial")


async def test_a_slow_answer_is_deferred_then_followed_up(
    core: Core, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = held(core, monkeypatch)
    async with running(core, fake, discord_defer_after=0.05):
        await fake.slash(ANA, "water", {"amount": "500ml"})
        await fake.until(lambda: len(fake.interaction_callbacks) == 1)
        go.set()
        [answer] = await answers(fake, CHANNEL_ID, 1)
    [deferral] = fake.interaction_callbacks
    assert (deferral["type"], deferral.get("data", {}).get("flags", 0) & EPHEMERAL) == (5, 0)
    assert (answer.via, answer.ephemeral) == ("followup", False)
    assert answer.content.startswith("✅ Logged water 500 ml.")


async def test_a_slow_private_command_is_deferred_privately(
    core: Core, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only Ana sees "Steady is thinking…" and then her answer; nothing is deleted."""
    go = held(core, monkeypatch)
    async with running(core, fake, discord_defer_after=0.05):
        await fake.slash(ANA, "units", {"system": "imperial"})
        await fake.until(lambda: len(fake.interaction_callbacks) == 1)
        go.set()
        [answer] = await answers(fake, CHANNEL_ID, 1)
    [deferral] = fake.interaction_callbacks
    assert (deferral["type"], deferral["data"]["flags"] & EPHEMERAL) == (5, EPHEMERAL)
    assert (answer.via, answer.ephemeral) == ("followup", True)
    assert answer.content.startswith("📏 Units set to imperial")
    assert [c.method for c in fake.calls if "/webhooks/" in c.path] == ["POST"]


async def test_an_expired_interactions_reply_goes_to_the_channel(
    core: Core, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog held the answer past the token's 15 minutes: it comes as a plain message."""
    go = held(core, monkeypatch)
    async with running(core, fake, discord_defer_after=0.05) as adapter:
        await fake.slash(ANA, "water", {"amount": "500ml"})
        await fake.until(lambda: len(fake.interaction_callbacks) == 1)
        later = adapter.now() + timedelta(minutes=16)
        adapter.now = lambda: later
        go.set()
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert answer.via == "channel"
    assert answer.content.startswith("✅ Logged water 500 ml.")
    assert [c for c in fake.calls if "/webhooks/" in c.path] == []  # the token was not tried
    assert len(entries(core)) == 1


# -- the worker's hooks ----------------------------------------------------------------------


async def test_manage_server_is_asked_of_discord_when_the_event_did_not_say(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake, work=False) as adapter:

        def sent_by(user_id: int) -> DiscordIncoming:
            return DiscordIncoming(
                platform="discord",
                user_id=str(user_id),
                display_name="",
                chat_id=str(CHANNEL_ID),
                chat_kind=ChatKind.GROUP,
                server_id=str(GUILD_ID),
            )

        assert await adapter.is_admin(sent_by(BEN))
        assert not await adapter.is_admin(sent_by(ANA))
    assert len(fake.calls_to("GET", rf"/guilds/{GUILD_ID}/members/\d+")) == 2


# -- shards ----------------------------------------------------------------------------------


async def test_receivers_with_different_shards_never_both_take_a_message(
    make_core: Callable[..., Core], sqlite_url: str, fake: FakeDiscord
) -> None:
    """Two receivers of one bot (shard 0 and shard 1 of 2), each with its worker, over one
    database: every message, in four servers and a DM, is stored once and answered once."""
    servers = [GUILD_ID + (k << 22) for k in range(4)]  # two on each shard
    channels = {guild: guild + 1000 for guild in servers}
    for guild in servers[1:]:
        fake.add_guild(guild, {channels[guild]: "general"})
    channels[GUILD_ID] = CHANNEL_ID
    assert {(guild >> 22) % 2 for guild in servers} == {0, 1}
    cores = [make_core(sqlite_url), make_core(sqlite_url)]
    stored: list[list[str]] = [[], []]
    for core, mine in zip(cores, stored, strict=True):
        accept = core.accept_async

        async def recording(events: Sequence[Event], accept=accept, mine=mine) -> None:
            mine.extend(e.event_id for e in events)
            await accept(events)

        core.accept_async = recording  # type: ignore[method-assign]
    async with (
        running(cores[0], fake, discord_shard_count=2, discord_shards="0") as first,
        running(cores[1], fake, discord_shard_count=2, discord_shards="1") as second,
    ):
        assert (first.client.shard_ids, second.client.shard_ids) == ([0], [1])
        sent = []
        for round_ in range(3):
            for guild in servers:
                text = f"<@{BOT_ID}> drank {100 + round_}ml"
                sent.append(await fake.say(ANA, text, channel_id=channels[guild]))
            sent.append(await fake.say(BEN, f"drank {200 + round_}ml", dm=True))
        await fake.until(lambda: len(fake.calls_to("POST", r"/channels/\d+/messages")) >= 15)
        await asyncio.sleep(0.2)  # a second answer to any of them would arrive by now
    assert sorted(stored[0] + stored[1]) == sorted(str(s) for s in sent)
    assert stored[0] and stored[1]  # both receivers had work
    assert {shard for shard, event, _ in fake.dispatched if event == "MESSAGE_CREATE"} == {0, 1}
    posts = fake.calls_to("POST", r"/channels/\d+/messages")
    answered = sorted(int(c.json["message_reference"]["message_id"]) for c in posts if c.json)
    assert answered == sorted(sent)
    assert len(entries(cores[0])) == 15


def test_a_shard_list_needs_the_count_and_stays_within_it() -> None:
    assert Settings(discord_shard_count=4, discord_shards="0-1,3").discord_shard_ids() == [0, 1, 3]
    assert Settings(discord_shard_count=2).discord_shard_ids() == [0, 1]
    assert Settings().discord_shard_ids() is None
    with pytest.raises(ValueError, match="STEADY_DISCORD_SHARD_COUNT=4 STEADY_DISCORD_SHARDS"):
        Settings(discord_shards="0-3")
    with pytest.raises(ValueError, match=r"outside 0-1 .*e\.g\. STEADY_DISCORD_SHARDS=0-1"):
        Settings(discord_shard_count=2, discord_shards="0-3")
    with pytest.raises(ValueError, match="not a list of shards"):
        Settings(discord_shard_count=2, discord_shards="first")
