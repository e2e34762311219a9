"""Plain words through the core, as a person in a private chat meets them: a sure reading
logs with the command's reply, an unsure one asks with two buttons, anything else logs
nothing; timed sets and days to come, from the commands too."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.storage.models import Entry
from tests.support import Chat


def entries(core) -> list[Entry]:
    with core.services.db.unit_of_work() as s:
        found = s.scalars(select(Entry).where(Entry.deleted_at.is_(None)).order_by(Entry.id))
        return list(found)


def count(core) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Entry).where(Entry.deleted_at.is_(None)))


@pytest.mark.parametrize(
    ("words", "command"),
    [
        ("3x10 squats 40kg", "/strength squats 3x10 40kg"),
        ("went for a 6k run", "/run 6k"),
        ("half marathon in 1:58:20", "/run 21.0975km 1:58:20"),
        ("drank a bottle of water", "/water 500ml"),
        ("plank 3x60s", "/strength plank 3x60s"),
    ],
)
def test_sure_plain_words_log_with_the_commands_reply(core, words, command):
    said = Chat(core, "ana").replies(words)
    typed = Chat(core, "ben").replies(command)

    def shown(replies):  # the encouragement line varies by person: the rest is the same
        return [
            ([x for x in r.text.splitlines() if not x.startswith("_")], r.buttons) for r in replies
        ]

    assert shown(said) == shown(typed)
    assert said[0].text.startswith("✅ Logged")
    assert count(core) == 2


def test_an_unsure_reading_asks_and_the_tick_logs_it_once(make_core, any_db_url):
    chat = Chat(make_core(any_db_url))
    [asked] = chat.replies("did 5 in 30")
    assert asked.text == "Did you mean: run 5.00 km in 30:00?"
    assert [b.label for b in asked.buttons] == ["✅ Log run 5.00 km in 30:00", "✏️ Not that"]
    assert offered(asked.buttons[0].payload) == "/run 5km 30:00"
    assert asked.buttons[1].payload == "/howto"
    assert count(chat.core) == 0
    press = asked.buttons[0].payload
    first = chat.say(payload=press, message_id="press-1")
    assert "✅ Logged run 5.00 km in 30:00 (6:00 /km)" in first
    assert chat.say(payload=press, message_id="press-1") == first  # the press redelivered
    assert count(chat.core) == 1


def test_a_second_press_of_the_same_offer_logs_nothing(make_core, any_db_url):
    chat = Chat(make_core(any_db_url))
    [asked] = chat.replies("did 5 in 30")
    press = asked.buttons[0].payload
    assert "✅ Logged run 5.00 km in 30:00" in chat.say(payload=press, message_id="press-1")
    assert chat.say(payload=press, message_id="press-2") == "Already logged as #1."
    assert count(chat.core) == 1
    # Asked again in a new message, the same words are a new offer: that one logs.
    [again] = chat.replies("did 5 in 30")
    assert again.buttons[0].payload != press
    assert "Logged" in chat.say(payload=again.buttons[0].payload, message_id="press-3")
    assert count(chat.core) == 2
    # Once that entry is taken back, pressing its offer again still logs nothing.
    chat.say("/undo")
    assert count(chat.core) == 1
    assert "removed" in chat.say(payload=again.buttons[0].payload, message_id="press-4")
    assert count(chat.core) == 1


def test_an_offer_is_answered_only_by_the_person_asked(core):
    ana, ben = Chat(core, "ana"), Chat(core, "ben")
    [asked] = ana.replies("did 5 in 30")
    ben.chat_id = ana.chat_id
    reply = ben.say(payload=asked.buttons[0].payload, message_id="press-1")
    assert "for someone else" in reply
    assert count(core) == 0


def test_a_typed_command_with_an_offer_key_is_an_ordinary_log(chat):
    chat.say("/run@~2c 5km 30:00")
    assert "Logged" in chat.say("/run@~2c 5km 30:00")
    assert count(chat.core) == 2


def offered(payload: str) -> str:
    """The command line a ✅ button runs, without the key of the message it was offered for."""
    name, _, args = payload.partition(" ")
    assert re.fullmatch(r"/[a-z]+@~[0-9a-z]+", name) and len(payload.encode()) <= 64
    return f"{name.split('@')[0]} {args}"


def test_not_that_explains_how_to_log_and_logs_nothing(chat):
    [asked] = chat.replies("drank 500")
    assert offered(asked.buttons[0].payload) == "/water 500ml"
    help_text = chat.say(payload=asked.buttons[1].payload)
    assert "ran 5k in 28:30" in help_text and "/water 500ml" in help_text
    assert count(chat.core) == 0


def test_an_unsure_reading_in_the_past_names_the_day(chat):
    [asked] = chat.replies("ran 6 yesterday")
    assert asked.text == "Did you mean: run 6.00 km on Tue 24 Nov?"
    assert offered(asked.buttons[0].payload) == "/run 6km 2026-11-24"
    assert "for Tue 24 Nov" in chat.say(payload=asked.buttons[0].payload)


def test_imperial_people_are_asked_in_miles(chat):
    chat.say("/units imperial")
    [asked] = chat.replies("ran 3 in 30")
    assert asked.text == "Did you mean: run 3.00 mi in 30:00?"
    assert "run 3.00 mi in 30:00" in chat.say(payload=asked.buttons[0].payload)


@pytest.mark.parametrize(
    "words",
    [
        "my friend ran 10k",
        "going to run 5k tomorrow",
        "should I run 5k?",
        "didn't run today",
        "I'll drink water later",
        "ran out of milk",
        "ran 5 in 5",
    ],
)
def test_what_is_not_a_done_activity_of_ones_own_logs_nothing(chat, words):
    reply = chat.say(words)
    assert "I didn't catch that" in reply and "/help" in reply
    assert count(chat.core) == 0


def test_a_sure_reading_out_of_bounds_says_why(chat):
    assert "world record" in chat.say("ran 5k in 5 min")
    assert count(chat.core) == 0


def test_named_days_log_to_that_day(chat):  # the clock's today is Wednesday 25 Nov
    assert "for Fri 20 Nov" in chat.say("ran 10k last friday")
    assert "for Mon 23 Nov" in chat.say("3x10 squats on monday")
    assert "for Tue 24 Nov" in chat.say("drank 2 glasses yesterday")
    assert count(chat.core) == 3


@pytest.mark.parametrize(
    "line", ["/run 5k 28:30 tomorrow", "/water 500ml tomorrow", "/run 5k 2026-12-01"]
)
def test_a_day_to_come_is_refused_with_an_example(chat, line):
    reply = chat.say(line)
    assert "/run 5k 28:30 yesterday" in reply
    assert count(chat.core) == 0


def test_ran_tomorrow_in_plain_words_is_refused(chat):
    assert "hasn't come yet" in chat.say("ran 5k tomorrow")
    assert count(chat.core) == 0


def test_timed_sets_are_kept_and_shown(make_core, any_db_url):
    chat = Chat(make_core(any_db_url))
    assert "✅ Logged plank 3x60s" in chat.say("/strength plank 3x60s")
    assert "✅ Logged wall sit 4x30s" in chat.say("wall sit 4x30s")
    assert "✅ Logged plank 3x60s" in chat.say("/strength plank 3x1min")
    [plank, sit, _] = entries(chat.core)
    assert (plank.sets, plank.reps, plank.set_s) == (3, None, 60.0)
    assert (sit.sets, sit.set_s) == (4, 30.0)
    assert "plank 3x60s" in chat.say("/today")


def test_a_timed_set_out_of_bounds_is_refused(chat):
    assert "doesn't look right" in chat.say("/strength plank 3x600min")
    assert count(chat.core) == 0


def test_timed_sets_go_out_and_come_back_with_export_and_import(chat):
    from tests.test_data_commands import csv_of, import_file

    chat.say("/strength plank 3x45s")
    exported = csv_of(chat.replies("/export")[0])
    assert b"set_s" in exported.data.splitlines()[0]
    chat.say("/undo")
    assert "Imported 1 entry" in import_file(chat, exported.data)
    [plank] = entries(chat.core)
    assert (plank.exercise, plank.sets, plank.reps, plank.set_s) == ("plank", 3, None, 45.0)


def test_the_console_shows_the_question_and_its_buttons_as_lines_to_type(core, tmp_path):
    import asyncio
    import io

    from adapters.console import ConsoleAdapter

    out = io.StringIO()
    console = ConsoleAdapter(core, user="ana", out=out, folder=tmp_path)
    lines = "did 5 in 30\n/run 5km 30:00\ndrank 500\n/howto\n"
    asyncio.run(console.chat(io.StringIO(lines)))
    said = out.getvalue()
    assert "Did you mean: run 5.00 km in 30:00?" in said
    assert "[✅ Log run 5.00 km in 30:00: /run 5km 30:00]  [✏️ Not that: /howto]" in said
    assert "✅ Logged run 5.00 km in 30:00 (6:00 /km)" in said
    assert "Tell me what you did, the way you'd say it" in said
    assert count(core) == 1


def test_presses_of_one_offer_at_the_same_moment_log_it_once(make_core, pg_url):
    """On PostgreSQL two presses may run side by side: the entries' unique source makes the
    later one try again, and then it finds the first's entry."""
    chat = Chat(make_core(pg_url))
    [asked] = chat.replies("did 5 in 30")
    press = asked.buttons[0].payload
    ids = iter(range(1000))

    def tap(_: int) -> str:
        return chat.say(payload=press, message_id=f"press-{next(ids)}")

    for round_ in range(5):
        with ThreadPoolExecutor(4) as pool:
            said = list(pool.map(tap, range(4)))
        assert count(chat.core) == 1
        assert sum("✅ Logged" in s for s in said) == (1 if round_ == 0 else 0)
        assert sum(s == "Already logged as #1." for s in said) == (3 if round_ == 0 else 4)
