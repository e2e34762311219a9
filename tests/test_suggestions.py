"""Suggestions as people type a command's option (Discord's autocomplete), asked of the core
as an adapter asks them, and the buttons a bare /tz or /remind off offers instead."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import sys

import pytest
from sqlalchemy import func, select, update

from bot.commands import MODULES
from bot.commands.registry import Registry, command
from bot.context import Asking, Context
from bot.core import Core
from bot.interface import ChatKind, Choice, Param, Typing
from bot.storage.models import Account, HandledMessage, User
from tests.support import Chat
from tests.test_core_process import remote, said, services_on, stalling_core


def typing(chat: Chat, command: str, param: str, typed: str, **filled: str) -> list[Choice]:
    who = chat.incoming(message_id=None)
    return chat.core.suggest(Typing(who, command, param, typed, filled))


def values(choices: list[Choice]) -> list[str]:
    return [c.value for c in choices]


def rows(core: Core, table: type) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_zones_match_any_part_of_their_name_starts_before_contains(chat: Chat) -> None:
    assert values(typing(chat, "tz", "zone", "ber"))[0] == "Europe/Berlin"
    assert "Atlantic/Bermuda" in values(typing(chat, "tz", "zone", "ber"))
    assert values(typing(chat, "tz", "zone", "buenos"))[0] == "America/Argentina/Buenos_Aires"
    assert values(typing(chat, "tz", "zone", "new y")) == ["America/New_York"]
    assert values(typing(chat, "tz", "zone", "BUENOS AIRES"))[0] == (
        "America/Argentina/Buenos_Aires"
    )
    # a part that starts with it comes before a name that merely contains it
    found = values(typing(chat, "tz", "zone", "york"))
    assert found[0] == "America/New_York"
    assert typing(chat, "tz", "zone", "zzzz") == []
    picked = values(typing(chat, "tz", "zone", "ber"))[0]
    assert "Time zone set to Europe/Berlin" in chat.say(f"/tz {picked}")


def test_nothing_typed_offers_zones_near_the_persons_own(chat: Chat) -> None:
    chat.say("/tz America/Chicago")
    near = values(typing(chat, "tz", "zone", ""))
    assert len(near) == 25
    assert near[0].startswith("America/") and "America/Chicago" not in near


def test_asking_changes_nothing_and_does_not_meet_the_person(core: Core) -> None:
    stranger = Chat(core, "zed")
    assert values(typing(stranger, "tz", "zone", "ber"))[0] == "Europe/Berlin"
    assert values(typing(stranger, "strength", "exercise", "squ"))[0] == "squats"
    assert typing(stranger, "remind", "when", "", kind="off") == []
    assert rows(core, User) == rows(core, Account) == rows(core, HandledMessage) == 0


def test_a_param_without_a_provider_or_an_unknown_one_offers_nothing(chat: Chat) -> None:
    assert typing(chat, "water", "amount", "5") == []
    assert typing(chat, "nosuch", "zone", "ber") == []
    assert typing(chat, "tz", "nosuch", "ber") == []


def test_strength_offers_the_persons_own_exercises_first_most_logged_first(chat: Chat) -> None:
    for line in ("squat jumps 3x10", "squat jumps 3x12", "sled push 20min", "squats 5x5 60kg"):
        chat.say(f"/strength {line}")
    first = typing(chat, "strength", "exercise", "")
    assert values(first)[:3] == ["squat jumps", "sled push", "squats"]
    assert first[0].label == "squat jumps · logged 2×"
    assert "push-ups" in values(first)  # the common ones follow
    # their own beat a common one that matches as well
    assert values(typing(chat, "strength", "exercise", "squ"))[:2] == ["squat jumps", "squats"]
    # the figures typed after the name are kept
    assert values(typing(chat, "strength", "exercise", "pus 3x10"))[:2] == [
        "sled push 3x10",
        "push-ups 3x10",
    ]
    # figures alone stay as they are, first
    assert values(typing(chat, "strength", "exercise", "30min"))[0] == "30min"
    picked = values(typing(chat, "strength", "exercise", "sle 3x10"))[0]
    assert "Logged" in chat.say(f"/strength {picked}")


def test_an_undone_entry_is_not_the_persons_exercise(chat: Chat) -> None:
    chat.say("/strength zercher squats 3x5")
    assert values(typing(chat, "strength", "exercise", "zer")) == ["zercher squats"]
    chat.say("/undo")
    assert values(typing(chat, "strength", "exercise", "zer")) == []


def test_remind_off_offers_the_persons_reminders(chat: Chat) -> None:
    chat.say("/remind run mon wed fri 07:00")
    chat.say("/remind water every 2h 09:00-21:00")
    Chat(chat.core, "ben").say("/remind strength tue 18:00")  # someone else's
    offered = typing(chat, "remind", "when", "", kind="off")
    assert [(c.label, c.value) for c in offered] == [
        ("#1 run, Mon, Wed, Fri at 07:00", "1"),
        ("#2 water, every 2 h, 09:00–21:00, every day", "2"),
    ]
    assert values(typing(chat, "remind", "when", "wat", kind="off")) == ["2"]
    assert values(typing(chat, "skip", "reminder", "")) == ["1", "2"]
    # for a new reminder, the example schedules
    assert values(typing(chat, "remind", "when", "mon", kind="run")) == ["mon wed fri 07:00"]
    assert "is off" in chat.say("/remind off 2")
    assert values(typing(chat, "remind", "when", "", kind="off")) == ["1"]


def test_a_bare_remind_off_offers_a_button_per_reminder(chat: Chat) -> None:
    assert "no reminders to remove" in chat.say("/remind off")
    chat.say("/remind run mon wed fri 07:00")
    chat.say("/remind water every 2h 09:00-21:00")
    (reply,) = chat.replies("/remind off")
    assert "Which reminder should go?" in reply.text
    assert [(b.label, b.payload) for b in reply.buttons] == [
        ("#1 run, Mon, Wed, Fri at 07:00", "/remind off 1"),
        ("#2 water, every 2 h, 09:00–21:00, every day", "/remind off 2"),
    ]
    assert "Reminder #2 (water" in chat.say(payload=reply.buttons[1].payload)


def test_a_bare_tz_offers_zones_near_the_persons_own_as_buttons(chat: Chat) -> None:
    (reply,) = chat.replies("/tz")
    assert "Your time zone is UTC" in reply.text
    payloads = [b.payload for b in reply.buttons]
    assert "/tz America/New_York" in payloads and "/tz UTC" not in payloads
    assert all(len(p.encode()) <= 64 for p in payloads)
    chat.say("/tz Europe/Lisbon")
    (reply,) = chat.replies("/tz")
    assert [b.label for b in reply.buttons][:3] == ["London", "Berlin", "Paris"]
    assert "Time zone set to Europe/Paris" in chat.say(payload="/tz Europe/Paris")


def test_a_bare_tz_in_a_group_offers_its_admins_the_zones(core: Core) -> None:
    admin = Chat(core, "ana", chat_id="g1", kind=ChatKind.GROUP, is_admin=True)
    member = Chat(core, "ben", chat_id="g1", kind=ChatKind.GROUP)
    (reply,) = member.replies("/tz")
    assert "This group's time zone is UTC" in reply.text
    press = reply.buttons[0].payload
    assert "Only this group's admins" in member.say(payload=press)
    assert "This group's time zone is now" in admin.say(payload=press)


@pytest.mark.parametrize("url", ["pg_url"])
def test_on_postgresql_asking_is_read_only(
    request: pytest.FixtureRequest, make_core, url: str
) -> None:
    core = make_core(request.getfixturevalue(url))
    chat = Chat(core, "ana")
    chat.say("/strength squats 3x10")
    chat.say("/remind run 07:00")
    assert values(typing(chat, "strength", "exercise", "sq"))[0] == "squats"
    assert values(typing(chat, "remind", "when", "", kind="off")) == ["1"]
    assert rows(core, HandledMessage) == 2


async def test_with_the_core_in_its_own_process_suggestions_do_not_wait_for_messages(
    sqlite_url: str, clock
) -> None:
    """A `RemoteCore`'s child takes one message at a time; suggestions are read in the main
    process instead, so a slow message there does not hold them past Discord's 3 seconds."""
    services = services_on(sqlite_url, clock)
    async with remote(services, stalling_core) as core:
        busy = asyncio.create_task(core.handle_async(said("/dawdle 2", 1)))
        await asyncio.sleep(0.5)  # the child is dawdling
        loop = asyncio.get_running_loop()
        started = loop.time()
        found = await core.suggest_async(Typing(said("", 2), "tz", "zone", "ber"))
        took = loop.time() - started
        assert not busy.done()
        assert "Done dawdling." in (await busy)[0].text
    assert found[0].value == "Europe/Berlin"
    assert took < 1.0


def test_a_language_hint_puts_its_region_first() -> None:
    """For when the platform says which language the person's app uses."""
    from bot.commands.profile import zone_buttons

    assert [b.payload for b in zone_buttons("UTC", "pt-BR")][:2] == [
        "/tz America/Sao_Paulo",
        "/tz America/New_York",
    ]
    assert [b.label for b in zone_buttons("Asia/Tokyo", "de")][:3] == ["Berlin", "London", "Paris"]
    assert [b.label for b in zone_buttons("Asia/Tokyo", "xx")][:2] == ["Shanghai", "Kolkata"]


def test_edit_and_delete_suggest_the_persons_latest_entries(chat: Chat) -> None:
    chat.say("/run 5k 28:30")
    chat.say("/water 500ml")
    chat.say("/strength squats 3x10")
    Chat(chat.core, "ben").say("/water 1l")  # someone else's
    offered = typing(chat, "edit", "number", "")
    assert [c.value for c in offered] == ["3", "2", "1"]
    assert offered[1].label == "#2 · Wed 25 Nov · water 500 ml"
    assert values(typing(chat, "delete", "number", "")) == ["3", "2", "1"]
    assert values(typing(chat, "edit", "number", "2")) == ["2"]
    assert values(typing(chat, "edit", "number", "squat")) == ["3"]
    chat.say("/delete 2")
    assert values(typing(chat, "edit", "number", "")) == ["3", "1"]
    assert typing(chat, "edit", "number", "2") == []
    assert typing(Chat(chat.core, "zed"), "edit", "number", "") == []


def test_an_older_entry_is_found_by_its_whole_number(chat: Chat) -> None:
    for n in range(30):
        chat.say(f"/water {100 + n}ml")
    assert "1" not in values(typing(chat, "edit", "number", ""))  # only the latest 25
    assert values(typing(chat, "edit", "number", "1"))[0] == "1"


def test_a_bare_edit_or_delete_offers_the_latest_entries_as_buttons(chat: Chat) -> None:
    assert "no entries to edit yet" in chat.say("/edit")
    chat.say("/run 5k 28:30")
    chat.say("/water 500ml")
    (reply,) = chat.replies("/edit")
    assert [(b.label, b.payload) for b in reply.buttons] == [
        ("#2 · Wed 25 Nov · water 500 ml", "/edit 2"),
        ("#1 · Wed 25 Nov · run 5.00 km in 28:30 (5:42 /km)", "/edit 1"),
    ]
    assert "What should #2 say?" in chat.say(payload="/edit 2")
    (reply,) = chat.replies("/delete")
    assert reply.buttons[1].payload == "/delete 1"
    assert "Removed #1" in chat.say(payload=reply.buttons[1].payload)


def test_hostile_typing_gets_no_error_and_changes_nothing(chat: Chat) -> None:
    chat.say("/strength squats 3x10")
    for typed in ("\x00ber\ud800", "b" * 100_000, "%", "_", "'; DROP TABLE entries; --", "9" * 40):
        for name, param in (("tz", "zone"), ("strength", "exercise"), ("edit", "number")):
            for choice in typing(chat, name, param, typed):
                assert 0 < len(choice.value) <= 100 and len(choice.label) <= 100
    assert values(typing(chat, "tz", "zone", "\x00ber"))[0] == "Europe/Berlin"
    assert rows(chat.core, HandledMessage) == 1


def boom(ask: Asking, typed: str) -> list[Choice]:
    raise RuntimeError("a provider's bug")


def scribble(ask: Asking, typed: str) -> list[Choice]:
    """A provider that (wrongly) writes: what it wrote must not stay."""
    ask.connection.execute(update(User).values(tz="Asia/Tokyo"))
    return [Choice("wrote", "wrote")]


@command(
    "oddity",
    "Providers gone wrong",
    examples=(),
    section="Test",
    params=(Param("broken", "raises", suggest=boom), Param("writing", "writes", suggest=scribble)),
)
def oddity(ctx: Context, args: str) -> str:
    return "odd"


@pytest.mark.parametrize("url", ["sqlite_url", "pg_url"])
def test_a_provider_that_fails_or_writes_changes_nothing(
    request: pytest.FixtureRequest, make_core, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    base = make_core(request.getfixturevalue(url))
    modules = [importlib.import_module(m) for m in MODULES] + [sys.modules[__name__]]
    core = Core(dataclasses.replace(base.services, registry=Registry.collect(modules)))
    chat = Chat(core, "ana")
    chat.say("/tz Europe/Berlin")
    assert typing(chat, "oddity", "broken", "x") == []
    assert "suggesting for /oddity broken failed" in caplog.text
    typing(chat, "oddity", "writing", "x")  # PostgreSQL refuses it; SQLite rolls it back
    with core.services.db.unit_of_work() as s:
        assert s.scalars(select(User.tz)).one() == "Europe/Berlin"
