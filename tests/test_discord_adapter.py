"""The Discord adapter end to end: the real discord.py client against a fake Discord gateway
and REST API on loopback (tests/fakes/discord_api.py), with the real core on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.commands import MODULES
from bot.commands.registry import Registry, command
from bot.context import Context
from bot.core import Core
from bot.delivery.outbox import OutboxSender, enqueue
from bot.interface import (
    Attachment,
    Button,
    Destination,
    Param,
    Reply,
    RetryLater,
    TargetKind,
    Unreachable,
    Where,
)
from bot.storage.models import Account, Entry, OutboxMessage
from tests.discord_rig import TOKEN, answers, fake_discord, running
from tests.fakes.discord_api import BOT_ID, CHANNEL_ID, GUILD_ID, FakeDiscord

ANA, BEN = 700000000000000001, 700000000000000002  # Ana is a member; Ben organises the server


# -- test-only commands: what the core does not have yet, but the adapter must carry ---------


@command(
    "channel",
    "Choose this channel for the server's digests",
    examples=("/channel",),
    section="Server",
    where=Where.GROUP,
    admin=True,
)
def channel_(ctx: Context, args: str) -> str:
    return "Digests will go to this channel."


@command("whisper", "Answer privately", examples=("/whisper",), section="Test")
def whisper(ctx: Context, args: str) -> Reply:
    return Reply(f"Only for you, {ctx.user.display_name}.", target=TargetKind.PRIVATE)


@command(
    "long",
    "A reply longer than one Discord message",
    examples=("/long",),
    section="Test",
    params=(Param("lines", "How many lines", kind=int),),
)
def long(ctx: Context, args: str) -> Reply:
    lines = [f"line {i:03d} " + "·" * 60 for i in range(int(args))]
    return Reply("\n".join(lines), buttons=(Button("Again", "/long 3"),))


PNG = b"\x89PNG\r\n\x1a\n a chart"


@command("picture", "A week as a picture", examples=("/picture",), section="Test")
def picture(ctx: Context, args: str) -> Reply:
    return Reply("**Your week**\nrun 12 km", attachments=(Attachment("week.png", PNG, True),))


@command("files", "Say what files came with the message", examples=("/files",), section="Test")
def files(ctx: Context, args: str) -> str:
    found = ctx.incoming.attachments
    return "; ".join(f"{a.filename} ({len(a.data)} bytes)" for a in found) or "no files"


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        fake.user(BEN, "Ben", manages_server=True)
        yield fake


@pytest.fixture
def core(make_core: Callable[..., Core], sqlite_url: str) -> Core:
    """The real core, with this module's test-only commands beside the real ones."""
    import importlib

    base = make_core(sqlite_url)
    modules = [importlib.import_module(m) for m in MODULES] + [sys.modules[__name__]]
    return Core(dataclasses.replace(base.services, registry=Registry.collect(modules)))


def entries(core: Core) -> list[Entry]:
    with core.services.db.unit_of_work() as session:
        rows = list(session.scalars(select(Entry).order_by(Entry.id)))
        session.expunge_all()
        return rows


def slow_down(core: Core, monkeypatch: pytest.MonkeyPatch, seconds: float = 0.3) -> None:
    """Make the core take longer than the adapter waits before deferring."""
    handle = core.handle_event_async

    async def slow(*args: Any) -> list[Reply]:
        await asyncio.sleep(seconds)
        return await handle(*args)

    monkeypatch.setattr(core, "handle_event_async", slow)


# -- slash commands --------------------------------------------------------------------------


async def test_slash_run_is_logged_and_answered(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake):
        interaction = await fake.slash(ANA, "run", {"distance": "5k", "time": "28:30"})
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert answer.via == "callback"
    assert answer.content.startswith("✅ Logged run 5.00 km in 28:30 (5:42 /km).")
    [entry] = entries(core)
    assert (entry.kind, entry.distance_m, entry.duration_s) == ("run", 5000, 1710)
    assert (entry.source_platform, entry.source_message_id) == ("discord", str(interaction))


async def test_a_slash_command_with_a_bad_value_explains_and_logs_nothing(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "run", {"distance": "far", "time": "28:30"})
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert "/run 5k 28:30" in answer.content  # the error shows a correct example
    assert entries(core) == []


async def test_slash_commands_are_generated_from_the_registry_and_synced_globally(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        pass
    assert list(fake.synced) == [None]
    synced = {c["name"]: c for c in fake.synced[None]}
    assert set(synced) == set(core.registry.names())
    run = synced["run"]
    assert run["description"] == core.registry.get("run").summary
    assert [(o["name"], o["type"], o["required"]) for o in run["options"]] == [
        ("distance", 3, True),
        ("time", 3, False),
        ("note", 3, False),
    ]
    kind = synced["goal"]["options"][0]
    assert [c["value"] for c in kind["choices"]] == ["run", "strength", "water"]
    assert synced["history"]["options"][0]["type"] == 4  # an integer
    # Admin commands are offered to Manage Server by default, and only in servers.
    manage_server = discord.Permissions(manage_guild=True).value
    assert int(synced["channel"]["default_member_permissions"]) == manage_server
    assert synced["channel"]["contexts"] == [0]


async def test_with_a_guild_id_slash_commands_are_synced_to_that_server_only(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake, discord_guild_id=GUILD_ID):
        await fake.slash(ANA, "water", {"amount": "500ml"})
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert list(fake.synced) == [GUILD_ID]
    assert {c["name"] for c in fake.synced[GUILD_ID]} == set(core.registry.names())
    assert fake.calls_to("PUT", r"/applications/\d+/commands") == []
    assert answer.content.startswith("✅ Logged water 500 ml.")


async def test_a_command_discord_still_offers_but_steady_dropped_gets_a_hint(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        stale = {"id": "1", "name": "runs", "options": [{"name": "distance", "type": 3}]}
        fake.synced[None].append(stale)  # registered by an older version of Steady
        await fake.slash(ANA, "runs", {"distance": "5k"})
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert (
        answer.content == "I don't know /runs. Did you mean /run? Send /help to see what I can do."
    )


async def test_a_slow_core_is_deferred_then_followed_up(
    core: Core, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_down(core, monkeypatch)
    async with running(core, fake, discord_defer_after=0.05):
        await fake.slash(ANA, "run", {"distance": "5k", "time": "28:30"})
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert [c["type"] for c in fake.interaction_callbacks] == [5]  # "Steady is thinking…"
    assert answer.via == "followup"
    assert answer.content.startswith("✅ Logged run 5.00 km")


async def test_a_slow_private_answer_never_fills_the_public_thinking_message(
    core: Core, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_down(core, monkeypatch)
    async with running(core, fake, discord_defer_after=0.05):
        await fake.slash(ANA, "whisper")
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert [c["type"] for c in fake.interaction_callbacks] == [5]
    # The public "thinking…" message goes first; then the answer follows, privately.
    assert [c.method for c in fake.calls if "/webhooks/" in c.path] == ["DELETE", "POST"]
    assert (answer.via, answer.ephemeral, answer.content) == (
        "followup",
        True,
        "Only for you, Ana.",
    )


async def test_an_expired_interaction_is_answered_in_its_channel(
    core: Core, fake: FakeDiscord
) -> None:
    fake.expire_interactions = True
    async with running(core, fake):
        await fake.slash(ANA, "water", {"amount": "500ml"})
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert answer.via == "channel"
    assert answer.content.startswith("✅ Logged water 500 ml.")
    assert len(entries(core)) == 1


async def test_stats_read_as_an_embed(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "run", {"distance": "5k", "time": "28:30"})
        await answers(fake, CHANNEL_ID, 1)
        await fake.slash(ANA, "stats")
        stats = (await answers(fake, CHANNEL_ID, 2))[1]
    [embed] = stats.embeds
    assert embed["title"] == "📊 November 2026"
    assert embed["description"].startswith("🏃 Runs: 1 run · 5.00 km")
    assert stats.content == ""


async def test_a_chart_arrives_as_a_file_inside_its_embed(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "picture")
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert answer.files == [("week.png", PNG)]
    [embed] = answer.embeds
    assert (embed["title"], embed["image"]["url"]) == ("Your week", "attachment://week.png")


async def test_a_private_answer_is_ephemeral_in_a_server(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "whisper")
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert answer.ephemeral
    assert answer.content == "Only for you, Ana."


# -- prefix commands, mentions and DMs -------------------------------------------------------


async def test_a_prefix_command_is_run_and_answered_in_reply(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake, discord_message_content=True):
        message = await fake.say(ANA, "!run 5k 28:30 easy")
        [answer] = await answers(fake, CHANNEL_ID, 1)
    assert answer.content.startswith("✅ Logged run 5.00 km in 28:30 (5:42 /km) — easy.")
    [call] = fake.calls_to("POST", rf"/channels/{CHANNEL_ID}/messages")
    assert int(call.json["message_reference"]["message_id"]) == message
    assert call.json["allowed_mentions"]["parse"] == []  # a note can never ping @everyone
    [entry] = entries(core)
    assert entry.source_message_id == str(message)


async def test_another_bots_prefix_command_is_left_alone(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake, discord_message_content=True):
        await fake.say(ANA, "!play some music")
        await fake.say(ANA, "ran 5k today")  # not addressed to the bot
        await fake.say(ANA, "!today")
        await answers(fake, CHANNEL_ID, 1)
        await asyncio.sleep(0.1)  # time for any stray answer to show up
    [answer] = fake.posted_in(CHANNEL_ID)
    assert answer.text.startswith("Nothing logged yet today")
    assert entries(core) == []


async def test_without_the_message_content_intent_mentions_and_dms_still_work(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake) as adapter:
        assert not adapter.client.intents.message_content
        await fake.say(ANA, "!run 5k 28:30")  # arrives with empty content: nothing to do
        await fake.say(ANA, f"<@{BOT_ID}> ran 3k in 20 min")
        [answer] = await answers(fake, CHANNEL_ID, 1)
        await fake.say(ANA, "!water 500ml", dm=True)
        [dm_answer] = await answers(fake, fake.dm_channel(ANA), 1)
        await asyncio.sleep(0.1)
    assert answer.content.startswith("✅ Logged run 3.00 km in 20:00")
    assert dm_answer.content.startswith("✅ Logged water 500 ml.")
    assert len(fake.posted_in(CHANNEL_ID)) == 1
    assert [e.kind for e in entries(core)] == ["run", "water"]


async def test_a_dm_is_a_private_chat_and_plain_words_log(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake):
        await fake.say(ANA, "drank half a litre", dm=True)
        [answer] = await answers(fake, fake.dm_channel(ANA), 1)
    assert answer.content.startswith("✅ Logged water 500 ml.")
    with core.services.db.unit_of_work() as session:
        account = session.scalar(select(Account))
        assert account is not None
        assert account.private_chat_id == str(fake.dm_channel(ANA))


async def test_a_private_answer_to_a_server_message_goes_by_dm(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake, discord_message_content=True):
        await fake.say(ANA, "!whisper")
        [dm] = await answers(fake, fake.dm_channel(ANA), 1)
        fake.closed_dms.add(ANA)
        await fake.say(ANA, "!whisper")
        [note] = await answers(fake, CHANNEL_ID, 1)
    assert dm.content == "Only for you, Ana."
    assert fake.posted_in(CHANNEL_ID) == [note]  # the secret itself never shows in the server
    assert note.content.startswith("Ana: I couldn't send you a direct message")


async def test_a_long_answer_is_split_at_discords_limit(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake):
        await fake.say(ANA, "/long 40", dm=True)
        parts = await answers(fake, fake.dm_channel(ANA), 2)
    assert all(len(p.content) <= 2000 for p in parts)
    lines = "\n".join(p.content for p in parts).split("\n")
    assert [line[:8] for line in lines] == [f"line {i:03d}" for i in range(40)]
    assert parts[0].buttons == [] and parts[1].buttons == [("Again", "/long 3")]


async def test_files_sent_with_a_dm_reach_the_core(core: Core, fake: FakeDiscord) -> None:
    csv = b"date,kind,amount\n2026-11-20,run,5k\n"
    async with running(core, fake):
        await fake.say(ANA, "/files", dm=True, attachments=(("log.csv", csv, "text/csv"),))
        [answer] = await answers(fake, fake.dm_channel(ANA), 1)
    assert answer.content == f"log.csv ({len(csv)} bytes)"


# -- buttons ---------------------------------------------------------------------------------


async def test_a_quick_log_button_logs_water_even_after_a_restart(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake):
        await fake.slash(ANA, "water", {"amount": "500ml"})
        [first] = await answers(fake, CHANNEL_ID, 1)
        assert first.buttons == [("+250 ml", "/water 250ml"), ("+500 ml", "/water 500ml")]
        click = await fake.click(ANA, first, "/water 250ml")
        second = (await answers(fake, CHANNEL_ID, 2))[1]
    assert second.content.startswith("✅ Logged water 250 ml.\nToday: 750 ml")
    async with running(core, fake):  # a new process: the old message's buttons still work
        await fake.click(ANA, first, "/water 500ml")
        third = (await answers(fake, CHANNEL_ID, 3))[2]
    assert third.content.startswith("✅ Logged water 500 ml.\nToday: 1.25 l")
    assert [e.volume_ml for e in entries(core)] == [500, 250, 500]
    assert entries(core)[1].source_message_id == str(click)


# -- server admins ---------------------------------------------------------------------------


async def test_an_admin_command_needs_manage_server(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake, discord_message_content=True):
        await fake.slash(ANA, "channel")
        [refused] = await answers(fake, CHANNEL_ID, 1)
        await fake.say(ANA, "!channel")
        second = (await answers(fake, CHANNEL_ID, 2))[1]
        await fake.slash(BEN, "channel")
        third = (await answers(fake, CHANNEL_ID, 3))[2]
        await fake.say(BEN, "!channel")  # his role's permissions, read from the server's roles
        fourth = (await answers(fake, CHANNEL_ID, 4))[3]
    assert refused.content == "Only this group's admins can use /channel."
    assert second.content == refused.content
    assert third.content == fourth.content == "Digests will go to this channel."


# -- the gateway -----------------------------------------------------------------------------


async def test_a_reconnect_mid_session_loses_no_command(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake, discord_message_content=True):
        await fake.slash(ANA, "water", {"amount": "500ml"})
        await answers(fake, CHANNEL_ID, 1)
        session = fake.session
        assert session is not None
        await fake.request_reconnect()
        await fake.say(ANA, "!run 5k 28:30")  # sent while the bot is reconnecting
        await fake.slash(BEN, "run", {"distance": "3k", "time": "18:00"})
        posted = await answers(fake, CHANNEL_ID, 3)
        await fake.until(lambda: fake.session is not None and fake.session.ws is not None)
    assert len(fake.identifies) == 1  # resumed, not a new session
    [resume] = fake.resumes
    assert resume["session_id"] == session.id
    assert sorted(p.content.split("\n")[0] for p in posted[1:]) == [
        "✅ Logged run 3.00 km in 18:00 (6:00 /km).",
        "✅ Logged run 5.00 km in 28:30 (5:42 /km).",
    ]
    assert sorted((e.kind, e.distance_m) for e in entries(core)) == [
        ("run", 3000),
        ("run", 5000),
        ("water", None),
    ]


async def test_a_privileged_intent_off_in_the_portal_is_named_clearly(
    core: Core, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    fake.portal_message_content = False
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(core, fake, discord_message_content=True):
            pass
    assert "Message Content Intent is off in the developer portal" in caplog.text


async def test_the_token_never_reaches_the_logs(
    core: Core, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(core, fake, discord_message_content=True):
        await fake.say(ANA, "!water 500ml")
        await fake.slash(ANA, "today")
        await answers(fake, CHANNEL_ID, 2)
    assert fake.identifies[0]["token"] == TOKEN  # it was used…
    assert TOKEN not in caplog.text  # …and never logged
    assert "logging in" in caplog.text  # the log was captured at all


# -- the outbox: nudges by DM ----------------------------------------------------------------


def nudge(core: Core, chat_id: int, key: str = "reminder:1:2026-11-25T12:00Z") -> None:
    reply = Reply(
        "Time for a glass of water? Small sips add up.",
        buttons=(
            Button("Log 250 ml", "/water 250ml"),
            Button("Snooze 1 h", "/snooze water 1h"),
            Button("Skip today", "/skip water"),
        ),
    )
    with core.services.db.unit_of_work() as session:
        enqueue(
            session,
            key=key,
            destination=Destination("discord", str(chat_id)),
            reply=reply,
            now=core.services.clock.now(),
        )


def outbox_status(core: Core) -> list[str]:
    """The states of what the core started by itself (replies to people are there too, held
    for the worker that answers them: not these)."""
    with core.services.db.unit_of_work() as session:
        query = select(OutboxMessage.status).where(~OutboxMessage.key.startswith("reply:"))
        return list(session.scalars(query.order_by(OutboxMessage.id)))


async def test_a_dm_nudge_is_delivered_with_its_buttons(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake) as adapter:
        await fake.say(ANA, "/start", dm=True)
        dm = fake.dm_channel(ANA)
        await answers(fake, dm, 1)
        nudge(core, dm)
        sender = OutboxSender(core.services.db, core.services.clock, adapter)
        assert await sender.drain_once() == 1
        message = fake.posted_in(dm)[1]
        assert message.content == "Time for a glass of water? Small sips add up."
        assert message.buttons == [
            ("Log 250 ml", "/water 250ml"),
            ("Snooze 1 h", "/snooze water 1h"),
            ("Skip today", "/skip water"),
        ]
        await fake.click(ANA, message, "/water 250ml")
        logged = (await answers(fake, dm, 3))[2]
    assert outbox_status(core) == ["sent"]
    assert logged.content.startswith("✅ Logged water 250 ml.")


async def test_closed_dms_mark_the_person_unreachable(core: Core, fake: FakeDiscord) -> None:
    async with running(core, fake) as adapter:
        await fake.say(ANA, "/start", dm=True)
        dm = fake.dm_channel(ANA)
        await answers(fake, dm, 1)
        fake.closed_dms.add(ANA)
        nudge(core, dm)
        with pytest.raises(Unreachable):
            await adapter.send(Destination("discord", str(dm)), Reply("hello?"))
        sender = OutboxSender(core.services.db, core.services.clock, adapter)
        assert await sender.drain_once() == 0
    assert outbox_status(core) == ["dead"]
    with core.services.db.unit_of_work() as session:
        assert session.scalar(select(Account.unreachable)) is True
    assert len(fake.posted_in(dm)) == 1  # only the answer to /start


async def test_a_rate_limit_discord_py_does_not_wait_out_becomes_retry_later(
    core: Core, fake: FakeDiscord
) -> None:
    async with running(core, fake) as adapter:
        fake.rate_limited[rf"/channels/{CHANNEL_ID}/messages"] = 120.0
        with pytest.raises(RetryLater) as caught:
            await adapter.send(Destination("discord", str(CHANNEL_ID)), Reply("Weekly digest"))
    assert caught.value.after_s == 120.0
    assert fake.posted_in(CHANNEL_ID) == []


async def test_network_trouble_propagates_for_the_outbox_to_retry(
    core: Core, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(core, fake) as adapter:
        nudge(core, CHANNEL_ID)
        # Discord's REST API cannot be reached: nothing listens on port 1.
        monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:1/api/v10")
        sender = OutboxSender(core.services.db, core.services.clock, adapter)
        assert await sender.drain_once() == 0
    with core.services.db.unit_of_work() as session:
        row = session.scalar(select(OutboxMessage))
        assert row is not None
        assert (row.status, row.attempts) == ("pending", 1)


async def test_steady_run_starts_discord_and_drains_its_outbox(
    core: Core, fake: FakeDiscord, sqlite_url: str
) -> None:
    from datetime import UTC, datetime

    from bot.app import run_forever
    from bot.settings import Settings

    dm = fake.dm_channel(ANA)
    with core.services.db.unit_of_work() as session:
        enqueue(
            session,
            key="reminder:7:now",
            destination=Destination("discord", str(dm)),
            reply=Reply("A short walk counts too."),
            now=datetime.now(UTC),
        )
    settings = Settings(database_url=sqlite_url, discord_token=SecretStr(TOKEN))
    task = asyncio.create_task(run_forever(settings))
    try:
        [nudged] = await answers(fake, dm, 1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert nudged.content == "A short walk counts too."
    assert fake.synced[None]  # the adapter logged in and synced its commands
