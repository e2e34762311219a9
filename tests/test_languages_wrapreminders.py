"""Reminders in each language (#16): /remind, /reminders, /remind off, /quiet, /snooze,
/pause, /resume, /skip, the nudges the tick sends with their buttons, the pause's check-in
and the closed-DMs notice answer in the person's language, with the locale's weekdays,
times, figures and plural forms; the commands inside stay English, the nudge batch costs the
same statements in any language, and English reads as it always did."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest

from adapters.discord_adapter.adapter import OPEN_DMS_HINT
from bot.app import run_tick
from bot.context import SilentVoice
from bot.delivery.outbox import OutboxSender, enqueue
from bot.groups.challenges import challenge_chat_of
from bot.interface import ChatKind, Destination, PlatformLimits, Reply, Unreachable
from bot.reminders.scheduling import Schedule
from bot.reminders.tick import tick
from tests.support import Chat
from tests.test_group_goals import statements_of
from tests.test_nudges import Phone, minute

TRANSLATED = ("de", "es", "pt", "ru")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# English sentences these replies had: none may be left in another language.
ENGLISH = re.compile(
    r"\b(Reminder #|Next:|Your reminders|next (today|tomorrow)|today \d|tomorrow \d|"
    r"What should I|isn't one|You have|Which reminder|is off|Quiet hours|No nudges|"
    r"Snoozed until|Changed your mind|Snoozes last|Nudges paused|Rest is part|"
    r"Your streak|check in|Nudges are|No more|Back tomorrow|at most|At most|"
    r"every day|weekdays|Times are in UTC|Time for|Snooze 1 h|Skip today|How to log|"
    r"This week so far|Today so far|just checking in|I'm back|Log \d)"
)
# What each language's replies must say (a word of the reply, the weekdays as CLDR has them).
WORDS = {
    "de": {
        "set": "Erinnerung #1",
        "days": "Mo., Mi., Fr. um 07:00",
        "next": "Nächste: Mi., 25. Nov., 07:00",
        "list": "Deine Erinnerungen",
        "off": "ist entfernt",
        "snooze": "Zurückgestellt bis heute 11:00",
        "pause": "pausiert bis",
        "resume": "wieder an",
        "skip": "Morgen wieder",
        "title": "Zeit für deinen Lauf",
        "buttons": ("✅ 5,50 km eintragen", "⏰ 1 Std. später", "⏭ Heute auslassen"),
        "week": "Diese Woche bisher: 5,50 km",
        "check_in": "Hallo Ana",
        "back": "▶️ Ich bin zurück",
        "interval": "alle 1 Std. 30 Min., 09:00–21:00, täglich",
        "dms": "Ana, ich erreiche dich nicht per Direktnachricht",
        "hint": "erlaube Direktnachrichten",
    },
    "es": {
        "set": "Recordatorio #1",
        "days": "lun, mié, vie a las 07:00",
        "next": "Próximo: mié, 25 nov, 07:00",
        "list": "Tus recordatorios",
        "off": "eliminado",
        "snooze": "Pospuesto hasta hoy a las 11:00",
        "pause": "en pausa hasta",
        "resume": "vuelven a estar activos",
        "skip": "Mañana vuelven",
        "title": "Hora de salir a correr",
        "buttons": ("✅ Registrar 5,50 km", "⏰ Posponer 1 h", "⏭ Saltar hoy"),
        "week": "Esta semana, hasta ahora: 5,50 km",
        "check_in": "Hola, Ana",
        "back": "▶️ Ya volví",
        "interval": "cada 1 h 30 min, 09:00–21:00, todos los días",
        "dms": "Ana, no puedo escribirte por mensaje directo",
        "hint": "permite los mensajes directos",
    },
    "pt": {
        "set": "Lembrete #1",
        "days": "seg., qua., sex. às 07:00",
        "next": "Próximo: qua., 25 de nov., 07:00",
        "list": "Seus lembretes",
        "off": "removido",
        "snooze": "Adiado até hoje às 11:00",
        "pause": "pausados até",
        "resume": "estão de volta",
        "skip": "Amanhã eles voltam",
        "title": "Hora da sua corrida",
        "buttons": ("✅ Registrar 5,50 km", "⏰ Adiar 1 h", "⏭ Pular hoje"),
        "week": "Nesta semana até agora: 5,50 km",
        "check_in": "Oi, Ana",
        "back": "▶️ Voltei",
        "interval": "a cada 1 h 30 min, 09:00–21:00, todos os dias",
        "dms": "Ana, não consigo falar com você por mensagem direta",
        "hint": "permita mensagens diretas",
    },
    "ru": {
        "set": "Напоминание №1",
        "days": "пн, ср, пт в 07:00",
        "next": "Следующее: ср, 25 нояб., 07:00",
        "list": "Твои напоминания",
        "off": "удалено",
        "snooze": "Отложено: напомню снова сегодня в 11:00",
        "pause": "на паузе до",
        "resume": "снова включены",
        "skip": "Завтра — снова",
        "title": "Время для пробежки",
        "buttons": ("✅ Записать 5,50 км", "⏰ Отложить на 1 ч", "⏭ Пропустить сегодня"),
        "week": "На этой неделе пока: 5,50 км",
        "check_in": "Привет, Ana",
        "back": "▶️ Снова в деле",
        "interval": "каждые 1 ч 30 мин, 09:00–21:00, каждый день",
        "dms": "Ana, я не могу написать тебе в личные сообщения",
        "hint": "разреши личные сообщения",
    },
}


@pytest.fixture(autouse=True)
def plain_voice(core):  # type: ignore[no-untyped-def]
    """The nudge's own text; the voice's lines speak the language in their own tests."""
    core.services.voice = SilentVoice()


def no_english(lang: str, text: str, reply: str) -> None:
    assert not ENGLISH.search(reply), f"{text} in {lang} left English: {reply}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_setting_listing_and_removing_reminders_speak_the_language(core, clock, lang):
    clock.set(MONDAY.replace(hour=10))  # the next Monday, Wednesday or Friday 07:00: Wednesday
    words = WORDS[lang]
    chat = Chat(core, "ana", language=lang)
    set_it = chat.say("/remind run mon wed fri 07:00")
    no_english(lang, "/remind", set_it)
    assert words["set"] in set_it and words["days"] in set_it
    assert words["next"] in set_it  # the next fire, with the locale's day
    assert "UTC" in set_it and "/tz " in set_it  # the UTC hint, with an example command
    water = chat.say("/remind water every 90m 09:00-21:00")
    no_english(lang, "/remind water", water)
    assert words["interval"] in water  # the locale's hours and minutes
    listed = chat.say("/reminders")
    no_english(lang, "/reminders", listed)
    assert words["list"] in listed and words["days"] in listed
    assert "/remind off 1" in listed
    [which] = chat.replies("/remind off")
    no_english(lang, "/remind off", which.text)
    assert [b.payload for b in which.buttons] == ["/remind off 1", "/remind off 2"]
    assert words["days"] in which.buttons[0].label
    removed = chat.say("/remind off 1")
    no_english(lang, "/remind off 1", removed)
    assert words["off"] in removed and re.search(r"(#|№)1\b", removed)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_reminder_errors_are_translated_around_their_english_examples(core, lang):
    chat = Chat(core, "ana", language=lang)
    cases = {
        "/remind": "/remind run mon wed fri 07:00",
        "/remind bike 07:00": "/remind water every 2h 09:00-21:00",
        "/remind off": "/remind run 07:00",
        "/remind off x": "/remind off 3",
        "/remind off 99": "/reminders",
        "/skip": "/remind run 07:00",
        "/skip 7": "/reminders",
        "/pause 2y": "/pause 30d",
    }
    for text, example in cases.items():
        reply = chat.say(text)
        no_english(lang, text, reply)
        assert example in reply, (text, reply)
        assert len(reply) > len(example) + 10  # a sentence around the example
    chat.say("/remind run 07:00")
    twice = chat.say("/remind run 07:00")
    no_english(lang, "a second /remind run 07:00", twice)
    assert re.search(r"(#|№)1\b", twice)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_quiet_snooze_pause_resume_and_skip_speak_the_language(core, clock, lang):
    clock.set(MONDAY)
    words = WORDS[lang]
    chat = Chat(core, "ana", language=lang)
    chat.say("/remind run 07:00")
    replies = {
        text: chat.say(text)
        for text in ("/quiet", "/quiet 22:00-07:00", "/quiet", "/quiet off", "/snooze 2h")
    }
    for text, reply in replies.items():
        no_english(lang, text, reply)
    assert "22:00–07:00" in replies["/quiet 22:00-07:00"]
    assert words["snooze"] in replies["/snooze 2h"]
    too_long = chat.say("/snooze 30h")
    assert "/pause 3d" in too_long and "Snoozes last" not in too_long
    for text in ("/pause 40d", "/reminders", "/pause", "/resume", "/skip 1", "/skip"):
        reply = chat.say(text)
        no_english(lang, text, reply)
        replies[text] = reply
    no_english(lang, "a second /resume", again := chat.say("/resume"))
    assert again != replies["/resume"]
    assert words["pause"] in replies["/pause 40d"] and "30" in replies["/pause 40d"]
    assert "90" in replies["/pause"]
    assert words["resume"] in replies["/resume"]
    assert words["skip"] in replies["/skip"]


def test_russian_counts_reminders_with_their_three_forms(make_core, sqlite_url):
    said = {}
    for n in (1, 3, 5):
        core = make_core(sqlite_url, reminders={"max_per_person": n})
        chat = Chat(core, f"p{n}", language="ru")
        for hour in range(n):
            chat.say(f"/remind water {hour + 10:02d}:00")
        said[n] = chat.say("/remind water 22:00")
    assert "У тебя 1 напоминание " in said[1]
    assert "У тебя 3 напоминания " in said[3]
    assert "У тебя 5 напоминаний " in said[5]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_nudge_comes_in_the_persons_language_with_its_buttons(core, clock, lang):
    clock.set(MONDAY)
    chat = Chat(core, "ana", language=lang)
    chat.say("/run 5.5k 30:00")
    chat.say("/remind run 12:30")
    clock.set(MONDAY.replace(day=24, hour=12, minute=30))
    [nudge] = minute(core)
    words = WORDS[lang]
    assert nudge.text.startswith(f"🏃 **{words['title']}** · 12:30"), nudge.text
    assert words["week"] in nudge.text
    no_english(lang, "the nudge", nudge.text)
    assert tuple(b.label for b in nudge.buttons) == words["buttons"]
    # The buttons send the English commands the parser reads, whatever they say.
    assert [b.payload for b in nudge.buttons] == ["/run 5.5km", "/snooze 1h", "/skip 1"]
    assert chat.say(payload="/snooze 1h").startswith("😴")


def test_each_person_in_one_batch_gets_their_own_language(core, clock):
    clock.set(MONDAY)
    for name, lang in (("ana", "de"), ("ben", None), ("cy", "ru"), ("dee", "pt")):
        Chat(core, name, language=lang).say("/remind water 12:30")
    Chat(core, "eve", language="ru").say("/lang es")  # chosen beats what the app says
    Chat(core, "eve", language="ru").say("/remind water 12:30")
    clock.set(MONDAY.replace(hour=12, minute=30))
    phone = Phone()
    minute(core, phone)
    said = {to.chat_id: reply for to, reply in phone.sent}
    assert said["chat-ana"].text.startswith("💧 **Zeit für etwas Wasser**")
    assert said["chat-ben"].text.startswith("💧 **Time for some water**")
    assert said["chat-cy"].text.startswith("💧 **Время выпить воды**")
    assert said["chat-dee"].text.startswith("💧 **Hora de beber água**")
    assert said["chat-eve"].text.startswith("💧 **Hora de beber agua**")
    assert said["chat-cy"].buttons[0].label == "✅ +250 мл"
    assert said["chat-ben"].buttons[0].label == "✅ +250 ml"


def test_the_nudge_batch_reads_no_more_statements_in_other_languages(core, clock):
    """The language comes with the claimed rows: a batch of several languages costs what an
    English one does, and no more for more people."""
    clock.set(MONDAY)
    batches = {
        "12:30": [None, None, None],
        "13:30": ["de", "es", "ru"],
        "14:30": ["pt", None, "ru", "de", "es", "ru"],
    }
    for at, langs in batches.items():
        for i, lang in enumerate(langs):
            Chat(core, f"p{at[:2]}{i}", language=lang).say(f"/remind run {at}")
    counted = {}
    for at in batches:
        clock.set(MONDAY.replace(hour=int(at[:2]), minute=30))
        counted[at] = statements_of(core, lambda: tick(core.services))
        assert tick(core.services).claimed == 0
    assert counted["13:30"] == counted["12:30"]
    assert counted["14:30"] == counted["12:30"]
    phone = Phone()
    asyncio.run(OutboxSender(core.services.db, clock, phone).drain_once())
    titles = sorted(reply.text.split(" · ")[0] for _, reply in phone.sent)
    assert titles.count("🏃 **Время для пробежки**") == 3
    assert titles.count("🏃 **Time for your run**") == 4


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_pause_check_in_speaks_the_language(core, clock, lang):
    clock.set(MONDAY)
    chat = Chat(core, "ana", language=lang)
    chat.say("/pause")
    clock.advance(days=14)
    phone = Phone()
    asyncio.run(run_tick(core.services))
    asyncio.run(OutboxSender(core.services.db, clock, phone).drain_once())
    [(_, check_in)] = phone.sent
    words = WORDS[lang]
    assert check_in.text.startswith("🌿 " + words["check_in"]), check_in.text
    no_english(lang, "the check-in", check_in.text)
    [button] = check_in.buttons
    assert (button.label, button.payload) == (words["back"], "/resume")
    assert words["resume"] in chat.say(payload=button.payload)


def test_the_check_in_batch_reads_each_persons_language_in_its_one_query(core, clock):
    clock.set(MONDAY)
    for name, lang in (("ana", "ru"), ("ben", None), ("cy", "de")):
        Chat(core, name, language=lang).say("/pause")
    clock.advance(days=14)
    from bot.reminders.pauses import run_due_checkins

    counted = statements_of(core, lambda: run_due_checkins(core.services, clock.now()))
    phone = Phone()
    asyncio.run(OutboxSender(core.services.db, clock, phone).drain_once())
    said = {to.chat_id: reply.text for to, reply in phone.sent}
    assert said["chat-ana"].startswith("🌿 Привет")
    assert said["chat-ben"].startswith("🌿 Hi Ben")
    assert said["chat-cy"].startswith("🌿 Hallo")
    clock.advance(days=1)
    Chat(core, "dee").say("/pause")
    clock.advance(days=14)
    assert statements_of(core, lambda: run_due_checkins(core.services, clock.now())) == counted


class ClosedDMs:
    """Discord-like: DMs can be closed, and there is a setting to point people to."""

    platform = "discord"
    pacing = PlatformLimits()
    open_dms_hint = OPEN_DMS_HINT

    def __init__(self) -> None:
        self.sent: list[tuple[Destination, Reply]] = []

    async def send(self, destination: Destination, reply: Reply) -> None:
        if destination.chat_id.startswith("dm-"):
            raise Unreachable()
        self.sent.append((destination, reply))


@pytest.mark.parametrize("lang", TRANSLATED)
async def test_closed_dms_are_pointed_out_in_the_persons_language(core, clock, lang):
    channel = Chat(core, "ana", platform="discord", chat_id="chan-1", kind=ChatKind.GROUP)
    channel.language = lang
    channel.say('/challenge new "Winter 50k" run 50km until 2026-12-31')
    Chat(core, "ana", platform="discord", chat_id="dm-ana", language=lang).say("/start")
    with core.services.db.unit_of_work() as s:
        enqueue(
            s,
            key="nudge",
            destination=Destination("discord", "dm-ana"),
            reply=Reply("🏃"),
            now=clock.now(),
        )
    adapter = ClosedDMs()
    sender = OutboxSender(core.services.db, clock, adapter, reach_elsewhere=challenge_chat_of)
    await sender.drain_once()
    await sender.drain_once()
    [(where, ask)] = adapter.sent
    assert where == Destination("discord", "chan-1")
    assert ask.text.startswith(WORDS[lang]["dms"]), ask.text
    assert WORDS[lang]["hint"] in ask.text
    assert "server menu" not in ask.text


def test_english_reads_as_it_always_did(core, clock):
    assert Schedule(frozenset({0, 2, 4}), at=420).describe() == "Mon, Wed, Fri at 07:00"
    assert (
        Schedule(every=90, window=(540, 1260)).describe()
        == "every 1 h 30 min, 09:00–21:00, every day"
    )
    clock.set(MONDAY)
    chat = Chat(core)
    assert chat.say("/remind run mon wed fri 07:00").startswith(
        "⏰ Reminder #1: run, Mon, Wed, Fri at 07:00.\nNext: Wed 25 Nov 07:00."
    )
    assert chat.say("/skip 1") == "⏭ No more run nudges from reminder #1 today. Back tomorrow."
    assert chat.say("/snooze 2h") == "😴 Snoozed until today 11:00. Changed your mind? /resume."


INVITES = {
    "de": ("⏰ Ana, deine Erinnerung (Wasser, täglich um 07:00)", "60 Minuten", "abgelaufen"),
    "es": ("⏰ Ana, tu recordatorio (agua, todos los días a las 07:00)", "60 minutos", "caducó"),
    "pt": ("⏰ Ana, seu lembrete (água, todos os dias às 07:00)", "60 minutos", "expirou"),
    "ru": ("⏰ Ana, твоё напоминание (вода, каждый день в 07:00)", "60 минут", "устарела"),
}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_reminder_asked_for_in_a_group_is_offered_in_the_persons_language(core, lang):
    group = Chat(core, "ana", platform="telegram", chat_id="-100200", kind=ChatKind.GROUP)
    group.language = lang
    [offer] = group.replies("/remind water 07:00")  # Telegram: the bot may not write first
    start, lasts, gone = INVITES[lang]
    assert offer.text.startswith(start), offer.text
    assert lasts in offer.text
    no_english(lang, "the invite", offer.text)
    [button] = offer.buttons
    assert button.label.startswith("⏰ ") and "privately" not in button.label
    ana = Chat(core, "ana", platform="telegram", chat_id="private-ana", language=lang)
    assert WORDS[lang]["set"] in ana.say(f"/start {button.start}")
    used = ana.say(f"/start {button.start}")
    assert gone in used and "/remind water 07:00" in used
    ben = Chat(core, "ben", platform="telegram", chat_id="private-ben", language=lang)
    [again] = group.replies("/remind run 07:00")
    not_yours = ben.say(f"/start {again.buttons[0].start}")
    assert "/remind run mon wed fri 07:00" in not_yours and "someone else" not in not_yours
