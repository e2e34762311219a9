"""People talking to Steady on Telegram: private chats, buttons and groups, end to end
through python-telegram-bot and the fake Bot API."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.interface import Where
from bot.storage.models import Entry
from tests.fakes.bot_api import BOT_USERNAME, FakeBotAPI
from tests.telegram_adapter import extra_commands
from tests.telegram_adapter.conftest import (
    ANA,
    BEN,
    GROUP,
    CheeringVoice,
    Rig,
    build_telegram_core,
    running,
)
from tests.telegram_adapter.extra_commands import PIXEL_PNG


def water_today_ml(rig: Rig) -> float:
    with rig.core.services.db.unit_of_work() as session:
        total = session.scalar(
            select(func.sum(Entry.volume_ml)).where(
                Entry.kind == "water", Entry.deleted_at.is_(None)
            )
        )
    return total or 0.0


async def test_start_then_a_run_is_logged_with_totals_and_encouragement(rig: Rig) -> None:
    ana = rig.person(ANA, "Ana")
    [hello] = await rig.say(ana, "/start")
    assert hello.text.startswith("Hi Ana! I'm Steady.")

    [first] = await rig.say(ana, "/run 5k 28:30")
    assert "Logged run 5.00 km in 28:30 (5:42 /km)" in first.text
    assert "Today: 5.00 km · this week: 5.00 km" in first.text
    assert first.html.endswith(f"<i>{CheeringVoice.line}</i>")

    [second] = await rig.say(ana, "/run 3k 18:00")
    assert "Today: 8.00 km · this week: 8.00 km" in second.text


async def test_the_command_menu_comes_from_the_registry(rig: Rig) -> None:
    registry = rig.core.registry
    private = [c["command"] for c in rig.fake.commands["all_private_chats"]]
    group = [c["command"] for c in rig.fake.commands["all_group_chats"]]
    admins = [c["command"] for c in rig.fake.commands["all_chat_administrators"]]
    assert private == [c.name for c in registry if c.where is not Where.GROUP]
    assert {"start", "run", "water", "help", "clear_board"} <= set(private)
    assert "clear_board" not in group  # members of a group don't see admin commands
    assert admins == [c.name for c in registry if c.where is not Where.PRIVATE]
    described = {c["command"]: c["description"] for c in rig.fake.commands["all_private_chats"]}
    assert described["water"] == registry.get("water").summary


async def test_plain_words_log_in_a_private_chat(rig: Rig) -> None:
    ana = rig.person(ANA)
    [run] = await rig.say(ana, "ran 5k in 28 min")
    assert "Logged run 5.00 km in 28:00" in run.text
    [water] = await rig.say(ana, "drank 500ml")
    assert "Logged water 500 ml" in water.text
    [lost] = await rig.say(ana, "what a lovely day")
    assert "I didn't catch that" in lost.text


async def test_a_quick_log_button_under_water_logs_and_is_answered(rig: Rig) -> None:
    ana = rig.person(ANA)
    [logged] = await rig.say(ana, "/water 500ml")
    assert logged.labels == ["+250 ml", "+500 ml"]
    assert logged.payloads == ["/water 250ml", "/water 500ml"]

    [after_press] = await rig.press(ana, logged, "/water 250ml")
    assert "Logged water 250 ml" in after_press.text
    assert "Today: 750 ml" in after_press.text
    assert after_press.labels == ["+250 ml", "+500 ml"]  # ready for the next glass
    assert len(rig.fake.answered_callbacks) == 1
    assert water_today_ml(rig) == 750


async def test_every_button_press_is_answered_even_an_unknown_one(rig: Rig) -> None:
    ana = rig.person(ANA)
    [logged] = await rig.say(ana, "/water 500ml")
    [reply] = await rig.press(ana, logged, "/frobnicate water 1h")  # e.g. from an old version
    assert "I don't know /frobnicate" in reply.text
    assert len(rig.fake.answered_callbacks) == 1


async def test_a_group_command_for_this_bot_logs_and_others_are_left_alone(rig: Rig) -> None:
    ana = rig.person(ANA, "Ana")
    [logged] = await rig.say(ana, f"/water@{BOT_USERNAME} 500ml", chat_id=GROUP)
    assert logged.chat_id == GROUP
    assert "Logged water 500 ml" in logged.text

    rig.fake.send_text(ana, "/water@some_other_bot 300ml", chat_id=GROUP)
    rig.fake.send_text(ana, "drank 400ml, who else?", chat_id=GROUP)  # not addressed to us
    rig.fake.send_text(ana, "", chat_id=GROUP, document=("route.gpx", b"<gpx/>"))  # nor this
    [mentioned] = await rig.say(ana, f"@{BOT_USERNAME} drank 250ml", chat_id=GROUP)
    assert "Logged water 250 ml" in mentioned.text
    assert "Today: 750 ml" in mentioned.text
    assert len(rig.fake.sent_to(GROUP)) == 2
    assert water_today_ml(rig) == 750
    assert rig.fake.calls_to("getFile") == []  # a file for the others is not even fetched


async def test_a_reply_to_the_bot_in_a_group_is_addressed_to_it(rig: Rig) -> None:
    ana = rig.person(ANA)
    [logged] = await rig.say(ana, "/water 500ml", chat_id=GROUP)
    [again] = await rig.say(ana, "drank 250ml", chat_id=GROUP, reply_to=logged)
    assert "Today: 750 ml" in again.text


async def test_an_admin_only_group_command_asks_telegram_who_is_admin(rig: Rig) -> None:
    ana, ben = rig.person(ANA, "Ana"), rig.person(BEN, "Ben")
    rig.fake.set_member(GROUP, ANA, "administrator")

    [refused] = await rig.say(ben, "/clear_board", chat_id=GROUP)
    assert refused.text == "Only this group's admins can use /clear_board."
    [done] = await rig.say(ana, "/clear_board", chat_id=GROUP)
    assert done.text == "The board is clear."
    asked = [(c.params["chat_id"], c.params["user_id"]) for c in rig.fake.calls_to("getChatMember")]
    assert asked == [(GROUP, BEN), (GROUP, ANA)]

    rig.fake.set_member(GROUP, BEN, "creator")
    [owner] = await rig.say(ben, "/clear_board", chat_id=GROUP)
    assert owner.text == "The board is clear."


async def test_a_slow_admin_check_keeps_no_other_chat_waiting(rig: Rig) -> None:
    """getChatMember is asked before the core's transaction, holding nothing the other
    chats need: while it takes ten seconds for the group, Ben is answered."""
    ana, ben = rig.person(ANA, "Ana"), rig.person(BEN, "Ben")
    rig.fake.set_member(GROUP, ANA, "administrator")
    rig.fake.slow["getChatMember"] = 10.0
    rig.fake.send_text(ana, "/clear_board", chat_id=GROUP)
    await rig.fake.wait_for(lambda: rig.fake.calls_to("getChatMember"), what="the admin check")
    [logged] = await rig.say(ben, "/water 250ml")
    assert "Logged water 250 ml" in logged.text
    assert rig.fake.sent_to(GROUP) == []  # the group's answer still waits for Telegram


async def test_user_text_is_escaped_and_markup_becomes_html(rig: Rig) -> None:
    ana = rig.person(ANA)
    [logged] = await rig.say(ana, "/run 5k 28:30 <b>felt</b> great & easy")
    assert "— <b>felt</b> great & easy" in logged.text  # shown exactly as typed
    assert "&lt;b&gt;felt&lt;/b&gt; great &amp; easy" in logged.html
    [detail] = await rig.say(ana, "/help run")
    assert detail.html.startswith("<b>/run &lt;distance&gt; [time] [note]</b>")


async def test_a_document_reaches_the_core_and_files_and_images_go_back(rig: Rig) -> None:
    ana = rig.person(ANA)
    csv = b"date,kind,amount\n2026-11-24,water,500ml\n"
    [copy] = await rig.say(ana, "/peek", document=("log.csv", csv))
    assert copy.method == "sendDocument"
    assert (copy.filename, copy.data) == ("copy-log.csv", csv)
    assert copy.text == f"Got log.csv ({len(csv)} bytes)."

    [photo] = await rig.say(ana, "/snapshot")
    assert photo.method == "sendPhoto"
    assert (photo.filename, photo.data, photo.text) == ("week.png", PIXEL_PNG, "Your week")


async def test_a_file_that_cannot_be_fetched_is_explained_and_nothing_runs(rig: Rig) -> None:
    ana = rig.person(ANA)
    [big] = await rig.say(ana, "/peek", document=("huge.csv", b"a,b\n"), document_size=25 << 20)
    assert big.text == "That file is too big for me: Telegram lets bots fetch 20 MB at most."
    rig.fake.failing.add("getFile")
    [lost] = await rig.say(ana, "/peek", document=("log.csv", b"a,b\n"))
    assert lost.text == "I couldn't fetch that file from Telegram just now. Please send it again."
    assert not any("Got " in s.text for s in rig.fake.sent)


async def test_a_long_reply_is_split_with_its_buttons_on_the_last_message(rig: Rig) -> None:
    ana = rig.person(ANA)
    expected = extra_commands.long(None, "").text  # type: ignore[arg-type]
    parts = await rig.say(ana, "/long", expect=3)
    assert all(len(p.text) <= 4096 for p in parts)
    assert "\n".join(p.text for p in parts) == expected
    assert [p.labels for p in parts] == [[], [], ["More"]]


async def test_a_private_answer_from_a_group_asks_to_start_a_chat_first(rig: Rig) -> None:
    ana = rig.person(ANA, "Ana")
    rig.fake.blocked.add(ANA)  # Ana never opened a private chat with the bot
    [note] = await rig.say(ana, "/whisper", chat_id=GROUP)
    assert note.text.startswith(
        f"Ana, I can't write to you privately yet: open a chat with @{BOT_USERNAME}"
    )

    rig.fake.blocked.clear()
    rig.fake.send_text(ana, "/whisper", chat_id=GROUP)
    [secret] = await rig.fake.wait_for(lambda: rig.fake.sent_to(ANA), what="the private answer")
    assert secret.text == "Just between us: well done."
    assert rig.fake.sent_to(GROUP) == [note]


async def test_each_chat_is_answered_in_order_while_others_go_ahead(
    pg_url: str, fake: FakeBotAPI, clock: FixedClock
) -> None:
    """On PostgreSQL messages from different chats are handled side by side (on SQLite,
    with its single writer, the core takes them in turn)."""
    core = build_telegram_core(pg_url, fake, clock)
    try:
        async with running(core, fake, clock) as rig:
            ana, ben = rig.person(ANA), rig.person(BEN, "Ben")
            await rig.say(ana, "/start")
            await rig.say(ben, "/start")
            rig.fake.send_text(ana, "/ponder")  # slow
            rig.fake.send_text(ana, "/water 250ml")  # waits its turn behind Ana's first message
            rig.fake.send_text(ben, "/water 100ml")  # another chat: need not wait
            slow, quick = await rig.fake.wait_for(
                lambda: len(fake.sent_to(ANA)) == 3 and fake.sent_to(ANA)[1:], what="Ana's turn"
            )
            [other] = await rig.fake.wait_for(lambda: fake.sent_to(BEN)[1:], what="Ben's answer")
    finally:
        core.services.db.dispose()
    assert slow.text == "Done pondering."
    assert "Logged water 250 ml" in quick.text
    assert other.at < slow.at
