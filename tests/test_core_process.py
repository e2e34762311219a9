"""The core's work in a process of its own (`RemoteCore`): the same answers as in a thread,
admin checks asked back across, log records carried over, a dead process replaced, and a
message that overruns its time budget stopped with its process."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from adapters.telegram_adapter import TelegramAdapter
from bot import app
from bot.app import adapters_core
from bot.clock import FixedClock
from bot.commands import MODULES, build_registry
from bot.commands.registry import command
from bot.context import APOLOGY, Context, Services
from bot.core import Core, Overran
from bot.intake.core_process import CoreFactory, CoreGone, RemoteCore
from bot.intake.worker import Worker
from bot.interface import ChatKind, Incoming, Reply
from bot.services import build_services
from bot.settings import Settings
from bot.storage.models import Entry, Group
from tests.discord_rig import answers, fake_discord, running
from tests.fakes.bot_api import TOKEN, FakeBotAPI
from tests.fakes.discord_api import CHANNEL_ID

GROUP = "-100500"
log = logging.getLogger("steady.test_core_process")


class ChattyCore(Core):
    """Logs each message it is given, from whichever process it runs in."""

    def handle(self, incoming: Incoming) -> list[Reply]:
        log.warning("handling %s in process %d", incoming.text, os.getpid())
        return super().handle(incoming)


class MortalCore(Core):
    """Ends its process when told to die: every time (`/die`), or the first time a file is
    named (`/dieonce PATH`)."""

    def handle(self, incoming: Incoming) -> list[Reply]:
        if incoming.text == "/die":
            os._exit(3)
        if incoming.text.startswith("/dieonce "):
            marker = Path(incoming.text.split()[1])
            if not marker.exists():
                marker.touch()
                os._exit(3)
        return super().handle(incoming)


@command("stall", "Note the call in a file, then never finish", examples=(), section="Test")
def stall(ctx: Context, args: str) -> str:
    """Input made to be slow: it spins in pure Python, holding the interpreter lock, as pint
    did on `9**9**9`. `stubborn` also ignores SIGTERM, so only a kill ends it."""
    path, _, how = args.partition(" ")
    with open(path, "a") as trail:
        trail.write(f"{ctx.incoming.message_id}\n")
    if how == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        pass


@command("dawdle", "Answer after 0.3 s, or as many seconds as asked", examples=(), section="Test")
def dawdle(ctx: Context, args: str) -> str:
    seconds = args.partition(" ")[0]
    time.sleep(float(seconds or 0.3))
    return "Done dawdling."


def stalling_core(services: Services) -> Core:
    """The real commands and this module's slow ones (built in the core's process too)."""
    return Core(dataclasses.replace(services, registry=build_registry((*MODULES, __name__))))


def overruns(platform: str) -> float:
    return REGISTRY.get_sample_value("steady_handle_overruns_total", {"platform": platform}) or 0


def said(text: str, n: int, *, chat_id: str = "1001", **kw: object) -> Incoming:
    return Incoming("telegram", "1001", "Ana", chat_id, text=text, message_id=str(n), **kw)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def remote(
    services: Services, factory: CoreFactory = Core, processes: int = 1
) -> AsyncIterator[RemoteCore]:
    core = RemoteCore(services, factory=factory, processes=processes)
    await core.start()
    try:
        yield core
    finally:
        await core.close()
        services.db.dispose()


def services_on(url: str, clock: FixedClock, **settings: object) -> Services:
    return build_services(Settings(database_url=url, **settings), clock, migrate=False)  # type: ignore[arg-type]


async def test_messages_are_handled_in_the_other_process_with_the_same_answers(
    sqlite_url: str, clock: FixedClock
) -> None:
    services = services_on(sqlite_url, clock)
    async with remote(services) as core:
        [logged] = await core.handle_async(said("/water 500ml", 1))
        assert "Logged water 500 ml" in logged.text
        [again] = await core.handle_async(said("/water 500ml", 1))  # redelivered
        assert again == logged
        with services.db.unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(Entry)) == 1
        assert core._links[0] is not None and core._links[0].process.pid != os.getpid()

        # Sent together, answered in the order sent.
        answers = await asyncio.gather(
            *(core.handle_async(said("/water 10ml", n)) for n in range(2, 22))
        )
        totals = [line.split(" ·")[0] for [r] in answers for line in r.text.splitlines()]
        expected = [f"Today: {500 + 10 * n} ml" for n in range(1, 21)]
        assert [t for t in totals if t.startswith("Today:")] == expected

        group = {"chat_id": GROUP, "chat_kind": ChatKind.GROUP, "is_admin": True}
        await core.handle_async(said("/digest daily 20:00", 30, **group))
        await core.move_chat_async("telegram", GROUP, "-100600")
    with services.db.unit_of_work() as session:
        assert session.scalars(select(Group.external_id)).all() == ["-100600"]


async def test_admin_status_travels_with_the_message_and_log_records_come_back(
    sqlite_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    group = {"chat_id": GROUP, "chat_kind": ChatKind.GROUP}
    async with remote(services_on(sqlite_url, clock), ChattyCore) as core:
        [refused] = await core.handle_async(said("/digest daily 20:00", 1, is_admin=False, **group))
        assert refused.text == "Only this group's admins can use /digest."
        [done] = await core.handle_async(said("/digest daily 20:00", 2, is_admin=True, **group))
        assert done.text.startswith("📬 Daily digest at 20:00")
    records = [r for r in caplog.records if r.name == log.name]
    assert [r.getMessage().split(" in process")[0] for r in records] == [
        "handling /digest daily 20:00",
        "handling /digest daily 20:00",
    ]
    assert {(r.processName, r.process == os.getpid()) for r in records} == {("steady-core", False)}


async def test_a_process_that_dies_is_replaced_and_its_message_tried_once_more(
    sqlite_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    async with remote(services_on(sqlite_url, clock), MortalCore) as core:
        [answer] = await core.handle_async(said(f"/dieonce {tmp_path / 'died'}", 1))
        assert answer.text.startswith("I don't know /dieonce.")
        with pytest.raises(CoreGone):  # a message that ends every process it reaches
            await core.handle_async(said("/die", 2))
        [logged] = await core.handle_async(said("/water 250ml", 3))
        assert "Logged water 250 ml" in logged.text
        await core.close()
        with pytest.raises(CoreGone):  # closed: no new process until started again
            await core.handle_async(said("/water 250ml", 4))


def test_the_adapters_get_the_core_process_on_sqlite_with_two_cpus(
    sqlite_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "usable_cpus", lambda: 2)
    services = services_on(sqlite_url, clock)
    try:
        assert isinstance(adapters_core(services), RemoteCore)
        monkeypatch.setattr(app, "usable_cpus", lambda: 1)
        assert type(adapters_core(services)) is Core
        services.settings = Settings(database_url=sqlite_url, core_process=True)
        assert isinstance(adapters_core(services), RemoteCore)
        services.settings = Settings(database_url=sqlite_url, core_process=False)
        assert type(adapters_core(services)) is Core
    finally:
        services.db.dispose()


def test_on_postgresql_the_adapters_get_two_core_processes_and_sqlite_one(
    pg_url: str, sqlite_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "usable_cpus", lambda: 2)
    for url, settings, expected in (
        (pg_url, {}, 2),
        (pg_url, {"core_processes": 3}, 3),
        (sqlite_url, {}, 1),
        (sqlite_url, {"core_processes": 3}, 1),  # one writer: more would only wait
    ):
        services = services_on(url, clock, **settings)
        try:
            core = adapters_core(services)
            assert isinstance(core, RemoteCore)
            assert len(core._links) == expected
        finally:
            services.db.dispose()


async def test_on_postgresql_two_processes_share_the_work_and_one_stuck_spares_the_other(
    pg_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    services = services_on(pg_url, clock, handle_budget_s=2.0)
    async with remote(services, stalling_core, processes=2) as core:
        first, second = core._links
        assert first is not None and second is not None
        assert first.process.pid != second.process.pid
        # Six chats at once: each piece of work goes to the process with less in hand.
        chats = [said("/water 100ml", 1, chat_id=str(2000 + n)) for n in range(6)]
        answers = asyncio.gather(*(core.handle_async(m) for m in chats))
        await asyncio.sleep(0)
        assert (first.in_hand, second.in_hand) == (3, 3)
        assert all("Logged water 100 ml" in r.text for [r] in await answers)

        # Ana's message stalls its process; Ben's goes to the other one.
        slow = asyncio.ensure_future(core.handle_async(said(f"/stall {tmp_path / 'x'}", 2)))
        await asyncio.sleep(0)
        assert first.in_hand == 1
        ben = Incoming("telegram", "1002", "Ben", "1002", text="/water 250ml", message_id="3")
        [logged] = await core.handle_async(ben)
        assert "Logged water 250 ml" in logged.text
        with pytest.raises(Overran):
            await asyncio.wait_for(slow, 60)
        assert first.gone and not second.gone
        await core.start()  # the stuck one is replaced; the other is kept
        replaced, kept = core._links
        assert kept is second and replaced is not None and replaced is not first
        later = dataclasses.replace(ben, text="/water 50ml", message_id="4")
        [again] = await core.handle_async(later)
        assert "Logged water 50 ml" in again.text


async def test_telegram_events_run_in_the_other_process_with_admin_status_asked_here(
    sqlite_url: str, clock: FixedClock
) -> None:
    fake = await FakeBotAPI().start()
    fake.set_member(-100500, 1001, "administrator")
    services = services_on(sqlite_url, clock, telegram_token=TOKEN, telegram_base_url=fake.base_url)
    async with remote(services) as core:
        adapter = TelegramAdapter(core, services.settings)
        worker = Worker(core, [adapter], poll_s=0.05)
        task = asyncio.create_task(adapter.run())
        working = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(adapter.ready.wait(), 10)
            ana, ben = fake.user(1001, "Ana"), fake.user(1002, "Ben")
            fake.send_text(ben, "/digest daily 20:00", chat_id=-100500)
            fake.send_text(ana, "/digest daily 20:00", chat_id=-100500)
            refused, done = await fake.wait_for(lambda: fake.sent[1:] and fake.sent)
            assert refused.text == "Only this group's admins can use /digest."
            assert done.text.startswith("📬 Daily digest at 20:00")

            fake.send_text(ana, "/water 500ml")
            [logged] = await fake.wait_for(lambda: fake.sent_to(1001))
            press = fake.press(ana, logged, "/water 250ml")
            _, again = await fake.wait_for(lambda: fake.sent_to(1001)[1:] and fake.sent_to(1001))
            assert "Today: 750 ml" in again.text
            await fake.wait_for(lambda: fake.answered_callbacks, what="the press answered")
            assert fake.answered_callbacks == [press["callback_query"]["id"]]
            assert [c.params["user_id"] for c in fake.calls_to("getChatMember")] == [1002, 1001]
        finally:
            await worker.stop(1.0)
            for running in (working, task):
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
            await fake.close()


ANA, BEN = 700000000000000001, 700000000000000002


async def test_discord_runs_its_commands_in_the_other_process(
    sqlite_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`steady run` gives Discord the same core: slash commands, and the Manage Server check
    that is asked back of this process."""
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        fake.user(BEN, "Ben", manages_server=True)
        async with remote(services_on(sqlite_url, clock)) as core, running(core, fake):
            await fake.slash(ANA, "run", {"distance": "5k", "time": "28:30"})
            await fake.slash_line(ANA, "/digest daily 20:00")
            await fake.slash_line(BEN, "/digest daily 20:00")
            logged, refused, done = await answers(fake, CHANNEL_ID, 3)
    assert logged.content.startswith("✅ Logged run 5.00 km")
    assert refused.content == "Only this group's admins can use /digest."
    assert done.content.startswith("📬 Daily digest at 20:00")


async def test_a_message_that_overruns_its_budget_is_stopped_with_its_process_and_not_retried(
    sqlite_url: str, clock: FixedClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    trail = tmp_path / "stalled"
    counted = overruns("telegram")
    services = services_on(sqlite_url, clock, handle_budget_s=2.0)
    async with remote(services, stalling_core) as core:
        # The budget is each message's own time, not its wait behind the others.
        dawdling = [core.handle_async(said("/dawdle 0.6", n)) for n in range(10, 15)]
        assert {r.text for [r] in await asyncio.gather(*dawdling)} == {"Done dawdling."}
        assert overruns("telegram") == counted

        for n, how in ((1, ""), (2, "stubborn")):
            [link] = core._links
            assert link is not None
            stuck = link.process
            slow = asyncio.ensure_future(core.handle_async(said(f"/stall {trail} {how}", n)))
            # Ben's message waits behind Ana's in the same process; it is answered by the next.
            ben = Incoming("telegram", "1002", "Ben", "1002", text="/water 250ml")
            ben = dataclasses.replace(ben, message_id=str(n))
            queued = asyncio.ensure_future(core.handle_async(ben))
            with pytest.raises(Overran):
                await asyncio.wait_for(slow, 60)
            [logged] = await asyncio.wait_for(queued, 60)
            assert "Logged water 250 ml" in logged.text
            assert stuck.exitcode == -signal.SIGKILL
            [link] = core._links
            assert link is not None and link.process.pid != stuck.pid
    assert trail.read_text() == "1\n2\n"  # each slow message ran once: not tried again
    assert overruns("telegram") == counted + 2
    lines = [r.getMessage() for r in caplog.records if "overran" in r.getMessage()]
    assert len(lines) == 2
    for line in lines:
        assert "/stall in telegram chat 1001 overran its budget of 2 s" in line
        assert str(trail) not in line and "stubborn" not in line


async def test_in_threads_an_overrun_is_logged_and_counted_when_it_ends(
    sqlite_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A thread cannot be stopped: the message is answered, late, and the overrun noted."""
    counted = overruns("discord")
    services = services_on(sqlite_url, clock, handle_budget_s=0.1)
    core = stalling_core(services)
    try:
        incoming = Incoming("discord", "7", "Ana", "77", text="/dawdle 0.3 secret")
        [answer] = await core.handle_async(incoming)
    finally:
        services.db.dispose()
    assert answer.text == "Done dawdling."
    assert overruns("discord") == counted + 1
    [line] = [r.getMessage() for r in caplog.records if "overran" in r.getMessage()]
    assert "/dawdle in discord chat 77 overran its budget of 0.1 s" in line
    assert "secret" not in line


async def test_telegram_gives_the_apology_for_a_message_that_overran(
    sqlite_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    fake = await FakeBotAPI().start()
    services = services_on(
        sqlite_url,
        clock,
        telegram_token=TOKEN,
        telegram_base_url=fake.base_url,
        handle_budget_s=2.0,
    )
    async with remote(services, stalling_core) as core:
        adapter = TelegramAdapter(core, services.settings)
        worker = Worker(core, [adapter], poll_s=0.05)
        core.on_accept(worker.wake)
        task = asyncio.gather(adapter.run(), worker.run())
        try:
            await asyncio.wait_for(adapter.ready.wait(), 10)
            ana, ben = fake.user(1001, "Ana"), fake.user(1002, "Ben")
            fake.send_text(ana, f"/stall {tmp_path / 'stalled'}")
            fake.send_text(ben, "/water 500ml")
            [sorry] = await fake.wait_for(lambda: fake.sent_to(1001), timeout=60)
            [logged] = await fake.wait_for(lambda: fake.sent_to(1002), timeout=60)
            assert sorry.text == APOLOGY
            assert "Logged water 500 ml" in logged.text
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await fake.close()


async def test_discord_gives_the_apology_for_a_message_that_overran(
    sqlite_url: str, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = services_on(sqlite_url, clock, handle_budget_s=2.0)
    services.registry = stalling_core(services).registry  # so `!stall` is one of Steady's
    async with fake_discord(monkeypatch) as fake:
        fake.user(ANA, "Ana")
        fake.user(BEN, "Ben")
        async with remote(services, stalling_core) as core, running(core, fake):
            await fake.say(ANA, f"!stall {tmp_path / 'stalled'}", dm=True)
            await fake.say(BEN, "!water 500ml", dm=True)
            [sorry] = await answers(fake, fake.dm_channel(ANA), 1, timeout=60)
            [logged] = await answers(fake, fake.dm_channel(BEN), 1, timeout=60)
    assert sorry.content == APOLOGY
    assert "Logged water 500 ml" in logged.content
