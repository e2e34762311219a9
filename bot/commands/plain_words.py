"""Plain words in a chat: a sure reading logs as its command would; an unsure one is
offered back with buttons; anything else is not a log and logs nothing."""

from __future__ import annotations

from bot.commands.log import record, water_buttons
from bot.commands.registry import command
from bot.context import Context
from bot.domain import Kind, RunValue, StrengthValue, WaterValue
from bot.interface import Button, Reply
from bot.progress import entries
from bot.reading import plain_words
from bot.reading import units as u

SECTION = "Log"

HOW_TO = (
    "Tell me what you did, the way you'd say it:\n"
    '"ran 5k in 28:30", "went for a 10k run yesterday", "half marathon in 1:58:20"\n'
    '"3x10 squats 40kg", "3 sets of 12 lunges", "plank 3x60s"\n'
    '"drank 500ml", "a glass of water", "+1 bottle"\n'
    "Or use the commands: /run 5k 28:30, /strength squats 3x10 40kg, /water 500ml."
)
NOT_UNDERSTOOD = (
    'I didn\'t catch that. Tell me things like "ran 5k in 28 min", '
    '"3x10 squats 40kg" or "drank 500ml", or send /help.'
)


def answer(ctx: Context, text: str) -> Reply | str | None:
    """The answer to a plain-text message. An edit of one changes the entry it logged
    (or logs one) when the new text reads surely as a log; otherwise nothing changes."""
    reading = _read(ctx, text)
    if ctx.incoming.edits_message_id is not None and (reading is None or not reading.sure):
        return entries.edit_not_followed(ctx)
    if reading is None:
        return Reply(NOT_UNDERSTOOD)
    if reading.sure:
        buttons = water_buttons(ctx.units) if reading.entry.kind is Kind.WATER else ()
        return record(ctx, reading.entry, buttons)
    shown = _shown(reading, ctx)
    return Reply(
        f"Did you mean: {shown}?",
        buttons=(Button(f"✅ Log {shown}", reading.command), Button("✏️ Not that", "/howto")),
    )


def _read(ctx: Context, text: str) -> plain_words.Reading | None:
    """Read in the person's language, then in English when theirs finds nothing: people
    who speak another often log in English ("ran 5k"). English then must know every word,
    so a word of their own ("gestern") never ends up as an English reading's note."""
    settings = ctx.settings
    lang = ctx.lang if ctx.lang in plain_words.LANGUAGES else "en"
    for language in dict.fromkeys((lang, "en")):
        reading = plain_words.read(
            text,
            today=ctx.today,
            limits=settings.limits,
            glass_ml=settings.water.glass_ml,
            units=ctx.units,
            language=language,
            known_only=language != lang,
        )
        if reading is not None:
            return reading
    return None


def _shown(reading: plain_words.Reading, ctx: Context) -> str:
    """The reading in a few words, for the question and its button."""
    value, units = reading.entry.value, ctx.units
    if isinstance(value, RunValue):
        text = f"run {u.distance(value.distance_m, units)}"
        if value.duration_s is not None:
            text += f" in {u.clock(value.duration_s)}"
    elif isinstance(value, WaterValue):
        text = f"water {u.volume(value.volume_ml, units)}"
    else:
        assert isinstance(value, StrengthValue)
        text = reading.command.removeprefix("/")
    if reading.entry.on_date is not None:
        text += f" on {reading.entry.on_date:%a %d %b}"
    return text


@command(
    "howto",
    "How to log in plain words",
    examples=("/howto",),
    section=SECTION,
)
def howto(ctx: Context, args: str) -> str:
    return HOW_TO
