"""Replies as Telegram messages: the limits Telegram enforces, checked without a network."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.telegram_adapter import render
from adapters.telegram_adapter.render import (
    parts_of,
    split_text,
    to_html,
    utf16_len,
)
from bot.interface import Attachment, Button, Reply


def test_markup_becomes_html_and_everything_else_is_escaped() -> None:
    assert to_html("**5 km** today, _well done_") == "<b>5 km</b> today, <i>well done</i>"
    assert to_html("note: <script> & a_b_c") == "note: &lt;script&gt; &amp; a_b_c"


def test_crossed_markers_go_out_as_plain_text_rather_than_html_telegram_refuses() -> None:
    assert to_html("**a _b** c_") == "a b c"


def test_long_text_is_cut_at_line_breaks_within_the_limit() -> None:
    text = "\n".join(f"line {n:03} " + "x" * 90 for n in range(100))
    chunks = split_text(text, limit=1000)
    assert all(utf16_len(c) <= 1000 for c in chunks)
    assert all(c.startswith("line ") for c in chunks)
    assert "\n".join(chunks) == text


def test_an_emoji_counts_twice_as_telegram_counts_it() -> None:
    text = "🏃" * 3000  # 6,000 UTF-16 units, no line breaks or spaces
    chunks = split_text(text)
    assert [utf16_len(c) for c in chunks] == [4096, 6000 - 4096]
    assert "".join(chunks) == text


@given(st.text(alphabet=st.sampled_from("ab🏃 \n"), max_size=400), st.integers(5, 60))
def test_no_chunk_is_over_the_limit_and_no_word_is_lost(text: str, limit: int) -> None:
    chunks = split_text(text, limit=limit)
    assert all(0 < utf16_len(c) <= limit for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_one_file_with_a_short_text_is_a_captioned_upload_with_the_buttons() -> None:
    png = Attachment("week.png", b"png", is_image=True)
    [part] = parts_of(Reply("Your week", buttons=(Button("More", "/week"),), attachments=(png,)))
    assert (part.text, part.attachment, part.markup is not None) == ("Your week", png, True)


def test_a_text_too_long_for_a_caption_goes_first_and_buttons_sit_on_the_last_part() -> None:
    csv = Attachment("export.csv", b"a,b\n")
    parts = parts_of(Reply("x" * 2000, buttons=(Button("Again", "/export"),), attachments=(csv,)))
    assert [(p.text[:1], p.attachment, p.markup is not None) for p in parts] == [
        ("x", None, False),
        ("", csv, True),
    ]


def test_buttons_sit_in_rows_of_three_and_oversized_payloads_are_left_out() -> None:
    buttons = tuple(Button(f"+{n}", f"/water {n}ml") for n in range(1, 5))
    too_long = Button("Broken", "/water " + "9" * 64)
    [part] = parts_of(Reply("Water?", buttons=(*buttons, too_long)))
    assert part.markup is not None
    rows = [[b.text for b in row] for row in part.markup.inline_keyboard]
    assert rows == [["+1", "+2", "+3"], ["+4"]]


def test_a_start_button_is_a_link_to_the_private_chat_with_the_bot():
    buttons = (Button.to_private("⏰ Set it privately", "tok_EN-1"), Button("💧 250 ml", "/water"))
    [[link, water]] = render.keyboard(buttons, "steady_bot").inline_keyboard
    assert (link.url, link.callback_data) == ("https://t.me/steady_bot?start=tok_EN-1", None)
    assert (water.url, water.callback_data) == (None, "/water")
    # Without the username (not known yet) it still works as a button sending the same line.
    [[plain, _]] = render.keyboard(buttons).inline_keyboard
    assert (plain.url, plain.callback_data) == (None, "/start tok_EN-1")
