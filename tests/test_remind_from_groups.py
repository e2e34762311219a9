"""/remind from a group, through the core: where the platform may write to the person
first (Discord) the reminder is set and its nudges go to the person; elsewhere (Telegram) the
group gets a button carrying a token that is single use, expires, and is for the asker alone.
The adapters' end-to-end tests: tests/telegram_adapter/test_remind_from_groups.py and
tests/test_discord_remind_e2e.py."""

import dataclasses
import re

import pytest
from sqlalchemy import func, select

from bot.interface import ChatKind, Reply
from bot.reminders import invites
from bot.reminders.tick import tick
from bot.storage.models import OutboxMessage, Reminder, ReminderInvite
from tests.support import Chat

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@pytest.fixture
def core(make_core, any_db_url):
    return make_core(any_db_url)


def in_group(core, user: str, *, opens_private: bool = False, platform: str = "telegram"):
    chat = Chat(core, user, platform=platform, chat_id="-100200", kind=ChatKind.GROUP)

    def say(line: str) -> Reply:
        incoming = dataclasses.replace(chat.incoming(line), opens_private=opens_private)
        [reply] = core.handle(incoming)
        return reply

    return say


def private(core, user: str) -> Chat:
    return Chat(core, user, platform="telegram", chat_id=f"private-{user}")


def count(core, model) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model))


def token_of(reply: Reply) -> str:
    [button] = reply.buttons
    assert button.start is not None and button.payload == f"/start {button.start}"
    return button.start


def test_the_group_gets_a_button_and_the_reminder_is_set_when_she_presses_start(core):
    reply = in_group(core, "ana")("/remind water 07:00")
    assert reply.text.startswith("⏰ Ana, your reminder (water, every day at 07:00) goes in")
    token = token_of(reply)
    assert TOKEN.fullmatch(token) and len(token) <= 64
    assert count(core, Reminder) == 0
    ana = private(core, "ana")
    answer = ana.say(f"/start {token}")
    assert answer.startswith("⏰ Reminder #1: water, every day at 07:00.")
    assert "#1 water — every day at 07:00" in ana.say("/reminders")
    assert count(core, Reminder) == 1
    # Single use: the same link again sets nothing more.
    assert ana.say(f"/start {token}") == invites.GONE
    assert count(core, Reminder) == 1


def test_someone_else_pressing_it_is_told_it_isnt_theirs_and_it_stays_hers(core):
    token = token_of(in_group(core, "ana")("/remind run mon wed fri 07:00"))
    assert private(core, "ben").say(f"/start {token}") == invites.NOT_YOURS
    assert count(core, Reminder) == 0
    assert "Reminder #1: run, Mon, Wed, Fri at 07:00." in private(core, "ana").say(
        f"/start {token}"
    )


def test_an_expired_link_sets_nothing_and_says_how_to_set_it(core, clock):
    token = token_of(in_group(core, "ana")("/remind water 07:00"))
    clock.advance(minutes=61)
    assert private(core, "ana").say(f"/start {token}") == invites.GONE
    assert count(core, Reminder) == 0


def test_a_new_ask_replaces_her_last_link(core):
    say = in_group(core, "ana")
    first = token_of(say("/remind water 07:00"))
    second = token_of(say("/remind run 18:00"))
    assert first != second and count(core, ReminderInvite) == 1
    ana = private(core, "ana")
    assert ana.say(f"/start {first}") == invites.GONE
    assert "run, every day at 18:00" in ana.say(f"/start {second}")


def test_a_mistake_in_the_group_is_explained_there_and_nothing_is_kept(core):
    reply = in_group(core, "ana")("/remind swim 07:00")
    assert "run, strength or water" in reply.text and "/remind run" in reply.text
    assert reply.buttons == ()
    assert count(core, ReminderInvite) == 0


def test_plain_start_and_a_made_up_token_still_greet_or_explain(core):
    ana = private(core, "ana")
    assert ana.say("/start").startswith("Hi Ana! I'm Steady.")
    assert ana.say("/start abcdefghijklmnopqrstuvwxyz012345") == invites.GONE
    assert ana.say("/start hello there").startswith("Hi Ana!")


def test_only_a_hash_of_the_token_is_kept(core):
    token = token_of(in_group(core, "ana")("/remind water 07:00"))
    with core.services.db.unit_of_work() as s:
        [stored] = s.scalars(select(ReminderInvite.token_hash))
    assert token not in stored


def test_where_the_platform_opens_dms_the_reminder_is_set_and_nudges_go_to_the_person(core, clock):
    reply = in_group(core, "710000000000000001", opens_private=True, platform="discord")(
        "/remind water 12:30"
    )
    assert reply.text.startswith("⏰ Reminder #1: water, every day at 12:30.")
    assert "direct message" in reply.text and reply.buttons == ()
    clock.advance(minutes=30)
    assert tick(core.services).enqueued == 1
    with core.services.db.unit_of_work() as s:
        nudge = s.scalar(select(OutboxMessage).where(OutboxMessage.key.like("reminder:%")))
        assert nudge is not None
        assert (nudge.platform, nudge.chat_id, nudge.to_person) == (
            "discord",
            "710000000000000001",
            True,
        )
