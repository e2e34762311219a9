"""How the Discord adapter reads messages and shows replies: the pure parts, one rule each."""

from __future__ import annotations

from adapters.discord_adapter.render import (
    MESSAGE_LIMIT,
    embed_for,
    markdown,
    render,
    split_text,
)
from adapters.discord_adapter.slash import command_line
from adapters.discord_adapter.translate import read_message
from bot.commands import build_registry
from bot.interface import Attachment, Button, Reply

BOT = 900000000000000001
COMMANDS = ("run", "water", "today")


def said(content: str, *, private: bool = False) -> tuple[str, bool]:
    found = read_message(content, bot_id=BOT, prefix="!", commands=COMMANDS, private=private)
    return found.text, found.mentioned


def test_prefix_commands_become_core_commands() -> None:
    assert said("!run 5k 28:30") == ("/run 5k 28:30", False)
    assert said("!RUN 5k") == ("/RUN 5k", False)


def test_in_a_server_only_steadys_commands_take_the_prefix() -> None:
    assert said("!play some music") == ("!play some music", False)
    assert said("!play some music", private=True) == ("/play some music", False)
    assert said(f"<@{BOT}> !play") == ("/play", True)
    assert said("! run") == ("! run", False)
    assert said("!!") == ("!!", False)


def test_a_mention_addresses_the_bot_and_is_taken_out() -> None:
    assert said(f"<@{BOT}> ran 5k in 28 min") == ("ran 5k in 28 min", True)
    assert said(f"hey <@!{BOT}>, drank 500ml") == ("hey , drank 500ml", True)
    assert said("<@123> ran 5k") == ("<@123> ran 5k", False)


def test_markup_keeps_bold_and_italic_and_makes_the_rest_literal() -> None:
    assert markdown("**Week** of _rest_") == "**Week** of _rest_"
    assert markdown("3*4 = 12 ~ish~ `code` |x|") == r"3\*4 = 12 \~ish\~ \`code\` \|x\|"
    assert markdown("# not a heading\n- not a list") == "\\# not a heading\n\\- not a list"
    # Standings keep their own numbers: a numbered list would renumber tied places.
    assert markdown("1. Ben\n2. Ana\n2. Cat") == "1\\. Ben\n2\\. Ana\n2\\. Cat"
    assert markdown("ran 5. Then 2.5 km") == "ran 5. Then 2.5 km"
    assert markdown("snake_case stays") == r"snake\_case stays"


def test_long_text_is_split_at_line_breaks_within_the_limit() -> None:
    lines = [f"{i:04d} " + "x" * 95 for i in range(50)]  # 100 characters a line
    chunks = split_text("\n".join(lines))
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert len(chunks) == 3
    assert "\n".join(chunks).split("\n") == lines


def test_a_line_longer_than_a_message_is_cut_at_a_space() -> None:
    words = " ".join(f"w{i:04d}" for i in range(700))  # 4,199 characters, no line break
    chunks = split_text(words)
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert " ".join(chunks).split() == words.split()


def test_a_reply_with_a_bold_heading_is_an_embed() -> None:
    embed = embed_for("📊 **Your totals**\nThis week: 5.00 km run\nAll time: 5.00 km run")
    assert embed is not None
    assert embed.title == "📊 Your totals"
    assert embed.description == "This week: 5.00 km run\nAll time: 5.00 km run"


def test_other_replies_stay_plain_text() -> None:
    assert embed_for("✅ Logged water 500 ml.\nToday: 500 ml") is None
    assert embed_for("**Only a heading**") is None
    assert embed_for("**Huge**\n" + "x" * 5000) is None  # too long for an embed: split text


async def test_buttons_carry_their_payloads_as_custom_ids() -> None:
    reply = Reply(
        "Logged.", buttons=(Button("+250 ml", "/water 250ml"), Button("+500 ml", "/water 500ml"))
    )
    [out] = list(render(reply))
    assert out.view is not None
    components = out.view.to_components()
    assert [(b["label"], b["custom_id"]) for b in components[0]["components"]] == [
        ("+250 ml", "/water 250ml"),
        ("+500 ml", "/water 500ml"),
    ]
    assert out.view.timeout is None


async def test_a_chart_is_a_file_shown_inside_its_embed() -> None:
    chart = Attachment("week.png", b"\x89PNG fake", is_image=True)
    [out] = list(render(Reply("**Your week**\nrun 12 km", attachments=(chart,))))
    assert out.embed is not None and out.embed.image.url == "attachment://week.png"
    assert [f.filename for f in out.files] == ["week.png"]


async def test_a_file_without_text_is_sent_alone() -> None:
    [out] = list(render(Reply(attachments=(Attachment("steady.csv", b"a,b\n"),))))
    assert out.kwargs().keys() == {"files"}


def test_slash_values_join_into_the_line_the_core_reads() -> None:
    run = build_registry().get("run")
    assert run is not None
    assert command_line(run, ["5k", "28:30", None]) == "/run 5k 28:30"
    assert command_line(run, ["5k", None, "easy yesterday"]) == "/run 5k easy yesterday"
    history = build_registry().get("history")
    assert history is not None
    assert command_line(history, [20]) == "/history 20"
