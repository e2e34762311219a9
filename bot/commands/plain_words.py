"""Plain words in a chat: a sure reading logs as its command would; an unsure one is
offered back with buttons; anything else is not a log and logs nothing.

The offer's ✅ button is one-shot: its payload is the command line with a short key of the
message that was read (`/run@~k9 5km 30:00`: the core reads the name before the `@`, as it
does for `/run@steadybot`). The entry a press logs is stored as that message's, so a second
press finds it and logs nothing (`confirmed`)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, select

from bot.commands.log import record, water_buttons
from bot.commands.registry import command
from bot.context import Context, Result
from bot.domain import Kind, RunValue, StrengthValue, WaterValue
from bot.i18n.catalogs import N_
from bot.interface import Button, Reply
from bot.progress import entries
from bot.progress.days import day_text
from bot.reading import plain_words
from bot.reading import units as u
from bot.storage.models import HandledMessage
from bot.storage.prepared import Prepared

SECTION = "Log"
PAYLOAD_BYTES = 64  # Telegram's limit for a button's payload
OFFER_MARK = "@~"  # between a command's name and the key of the message it was offered for
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

HOW_TO = N_(
    "Tell me what you did, the way you'd say it:\n"
    '"ran 5k in 28:30", "went for a 10k run yesterday", "half marathon in 1:58:20"\n'
    '"3x10 squats 40kg", "3 sets of 12 lunges", "plank 3x60s"\n'
    '"drank 500ml", "a glass of water", "+1 bottle"\n'
    "Or use the commands: /run 5k 28:30, /strength squats 3x10 40kg, /water 500ml."
)
NOT_UNDERSTOOD = N_(
    'I didn\'t catch that. Tell me things like "ran 5k in 28 min", '
    '"3x10 squats 40kg" or "drank 500ml", or send /help.'
)

_ASKED = Prepared(
    select(HandledMessage.user_id).where(
        HandledMessage.platform == bindparam("platform"),
        HandledMessage.chat_id == bindparam("chat_id"),
        HandledMessage.message_id == bindparam("message_id"),
    )
)


def answer(ctx: Context, text: str) -> Reply | str | None:
    """The answer to a plain-text message. An edit of one changes the entry it logged
    (or logs one) when the new text reads surely as a log; otherwise nothing changes."""
    reading = _read(ctx, text)
    if ctx.incoming.edits_message_id is not None and (reading is None or not reading.sure):
        return entries.edit_not_followed(ctx)
    if reading is None:
        return Reply(ctx._(NOT_UNDERSTOOD))
    if reading.sure:
        buttons = water_buttons(ctx.units, ctx.lang) if reading.entry.kind is Kind.WATER else ()
        return record(ctx, reading.entry, buttons)
    shown = _shown(reading, ctx)
    not_that = Button(ctx._("✏️ Not that"), "/howto")
    payload = offer_payload(reading.command, ctx.incoming.message_id)
    if payload is None:  # too long to carry its key: the person types it
        return Reply(
            ctx._("Did you mean: {reading}? Send {command} to log it.").format(
                reading=shown, command=reading.command
            ),
            buttons=(not_that,),
        )
    return Reply(
        ctx._("Did you mean: {reading}?").format(reading=shown),
        buttons=(Button(ctx._("✅ Log {reading}").format(reading=shown), payload), not_that),
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


def offer_payload(line: str, message_id: str | None) -> str | None:
    """The ✅ button's payload: `line` keyed by the message it reads (base 36 of a
    numeric id); None when that would pass `PAYLOAD_BYTES`. A message without a numeric id
    (the console's have none, and one person there taps nothing twice) gets the bare line."""
    if message_id is None or not message_id.isdigit():
        return line
    number, key = int(message_id), ""
    while True:
        number, digit = divmod(number, 36)
        key = _DIGITS[digit] + key
        if not number:
            break
    name, _, args = line.partition(" ")
    payload = f"{name}{OFFER_MARK}{key} {args}".rstrip()
    return payload if len(payload.encode()) <= PAYLOAD_BYTES else None


def offered_message(key: str) -> str | None:
    """The message id an offer's key names; None for a key Steady never wrote."""
    if not key or key.strip(_DIGITS):
        return None
    return str(int(key, 36))


def confirmed(ctx: Context, key: str, run: Callable[[], Result]) -> Result:
    """A press of an offer's ✅ button: `run` logs the entry as the offered message's, unless
    that message has an entry already (a second press, or both at once: the entries' unique
    source makes the later one retry and land here). Only the person asked may answer."""
    message_id = offered_message(key)
    if message_id is None:
        return run()
    incoming = ctx.incoming
    where = {"platform": incoming.platform, "chat_id": incoming.chat_id}
    asked = _ASKED.scalar(ctx.connection, where | {"message_id": message_id})
    if asked is not None and asked != ctx.user.id:
        return Reply(ctx._("That question was for someone else: tell me your own in a message."))
    found = entries.from_message(ctx.connection, incoming.platform, incoming.chat_id, message_id)
    if found is not None:
        if found.deleted_at is not None:
            return Reply(
                ctx._(
                    "That was logged as #{number} and then removed, so nothing changed. "
                    "To log it again, send it as a new message."
                ).format(number=found.number)
            )
        return Reply(ctx._("Already logged as #{number}.").format(number=found.number))
    ctx.offered_in = message_id
    return run()


def _shown(reading: plain_words.Reading, ctx: Context) -> str:
    """The reading in a few words, for the question and its button."""
    value, units, lang = reading.entry.value, ctx.units, ctx.lang
    if isinstance(value, RunValue):
        distance = ctx.figures.distance(value.distance_m, units)
        if value.duration_s is not None:
            text = ctx._("run {distance} in {time}").format(
                distance=distance, time=u.clock(value.duration_s)
            )
        else:
            text = ctx._("run {distance}").format(distance=distance)
    elif isinstance(value, WaterValue):
        text = ctx._("water {volume}").format(volume=ctx.figures.volume(value.volume_ml, units))
    else:
        assert isinstance(value, StrengthValue)
        text = reading.command.removeprefix("/")
    if reading.entry.on_date is not None:
        text = ctx._("{reading} on {day}").format(
            reading=text, day=day_text(reading.entry.on_date, lang)
        )
    return text


@command(
    "howto",
    "How to log in plain words",
    examples=("/howto",),
    section=SECTION,
)
def howto(ctx: Context, args: str) -> str:
    return ctx._(HOW_TO)
