"""/link: one person's Telegram and Discord accounts become one history."""

import re

from sqlalchemy import func, select

from bot.storage.models import Account, Entry, Goal, LinkGuess, User
from tests.group_support import GroupChat, private


def code_in(reply: str) -> str:
    found = re.search(r"\*\*([A-Z0-9]{4}(?:-[A-Z0-9]{4})+)\*\*", reply)
    assert found, reply
    return found.group(1)


def users(core) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(User))


def test_link_merges_histories_and_challenges_count_both(make_core, any_db_url):
    core = make_core(any_db_url)
    tg, dc = private(core, "ana-tg", "telegram"), private(core, "ana-dc", "discord")
    tg.say("/tz Europe/Berlin")
    tg.say("/run 5k 28:30")
    tg.say("/goal run 20km/week")
    dc.say("/run 3k 18:00")
    dc.say("/goal run 5km/week")  # collides: the side that asked for the code wins
    dc.say("/water 500ml")
    group = GroupChat(core, "ana-dc", platform="discord")
    group.say('/challenge new "November 100k" run 100km until 2026-11-30')
    assert "Ana-Dc — 3.0 km" in group.say("/leaderboard")

    issued = tg.say("/link")
    assert "works once, for 10 minutes" in issued and "on Discord" in issued
    linked = dc.say(f"/link {code_in(issued).lower()}")  # any case, with or without the dash
    assert "Linked: Telegram (Ana-Tg) and Discord (Ana-Dc)" in linked
    assert "Europe/Berlin" in linked
    assert users(core) == 1

    both = dc.say("/history")
    assert "run 5.00 km" in both and "run 3.00 km" in both and "water 500 ml" in both
    assert "8.00 km" in tg.say("/stats all")
    assert "run goal: 8.00 km of 20.00 km a week" in tg.say("/goals")
    assert "Ana-Dc — 8.0 km" in group.say("/leaderboard")  # the Telegram run counts here
    tg.say("/run 2k 12:00")
    assert "Ana-Dc — 10.0 km" in group.say("/leaderboard")
    assert "already linked" in tg.say("/link")
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Goal)) == 1
        owners = set(s.scalars(select(Entry.user_id))) | set(s.scalars(select(Account.user_id)))
        assert len(owners) == 1


def test_challenges_on_both_platforms_count_one_history(core):
    tg_group = GroupChat(core, "ana-tg", platform="telegram")
    dc_group = GroupChat(core, "ana-dc", platform="discord")
    tg_group.say('/challenge new "Runs" runs 10 until 2026-11-30')
    dc_group.say('/challenge new "Runs too" runs 10 until 2026-11-30')
    code = code_in(private(core, "ana-dc", "discord").say("/link"))
    private(core, "ana-tg", "telegram").say(f"/link {code}")
    private(core, "ana-tg", "telegram").say("/run 5k")
    private(core, "ana-dc", "discord").say("/run 4k")
    assert "Ana-Tg — 2 runs" in tg_group.say("/leaderboard")
    assert "Ana-Dc — 2 runs" in dc_group.say("/leaderboard")


def test_wrong_expired_used_and_own_codes_are_refused_and_change_nothing(core, clock):
    tg, dc = private(core, "ana-tg", "telegram"), private(core, "ana-dc", "discord")
    tg.say("/run 5k")
    dc.say("/run 3k")
    assert "I don't know that code" in dc.say("/link ZZZZ-ZZZZ")
    code = code_in(tg.say("/link"))
    assert "the code you asked for here" in tg.say(f"/link {code}")
    clock.advance(minutes=10, seconds=1)
    expired = dc.say(f"/link {code}")
    assert "expired: codes last 10 minutes" in expired and "/link on Telegram" in expired
    assert users(core) == 2
    assert "run 5.00 km" not in dc.say("/history")

    code = code_in(tg.say("/link"))
    clock.advance(minutes=9)
    assert "Linked" in dc.say(f"/link {code}")
    eve = private(core, "eve-dc", "discord")
    assert "already used" in eve.say(f"/link {code}")
    assert "run 5.00 km" not in eve.say("/history") + eve.say("/today")


def test_a_second_account_on_the_same_platform_is_refused(core):
    tg = private(core, "ana-tg", "telegram")
    other_tg = private(core, "ana-old", "telegram")
    other_tg.say("/run 5k")
    refusal = other_tg.say(f"/link {code_in(tg.say('/link'))}")
    assert "Both accounts already have a Telegram side" in refusal
    assert users(core) == 2
    assert "Nothing logged yet today" in tg.say("/today")


def test_a_new_code_replaces_the_last_one(core):
    tg, dc = private(core, "ana-tg", "telegram"), private(core, "ana-dc", "discord")
    first = code_in(tg.say("/link"))
    second = code_in(tg.say("/link"))
    assert "I don't know that code" in dc.say(f"/link {first}")
    assert "Linked" in dc.say(f"/link {second}")


def test_link_works_only_in_a_private_chat(core):
    reply = GroupChat(core, "ana").say("/link")
    assert "works in a private chat" in reply
    assert "**" not in reply  # no code was shown to the group


def test_codes_last_the_configured_minutes(make_core, sqlite_url, clock):
    core = make_core(sqlite_url, challenges={"link_code_minutes": 2})
    tg, dc = private(core, "ana-tg", "telegram"), private(core, "ana-dc", "discord")
    issued = tg.say("/link")
    assert "for 2 minutes" in issued
    clock.advance(minutes=2)
    assert "codes last 2 minutes" in dc.say(f"/link {code_in(issued)}")


def guesses(core) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(LinkGuess))


def test_the_sixth_wrong_code_in_an_hour_waits_and_even_a_right_one_is_not_checked(
    make_core, any_db_url, clock
):
    core = make_core(any_db_url)
    tg, dc = private(core, "ana-tg", "telegram"), private(core, "ana-dc", "discord")
    code = code_in(tg.say("/link"))
    for n, left in enumerate(["4 more tries", "3 more tries", "2 more tries", "1 more try"]):
        wrong = dc.say(f"/link AAAA-BBBB-CCC{n}")
        assert "I don't know that code" in wrong and f"{left} this hour" in wrong
    clock.advance(minutes=5)
    fifth = dc.say("/link AAAA-BBBB-CCCG")
    assert "I don't know that code" in fifth
    assert "5 wrong codes in an hour" in fifth and "after 13:00 (in 55 minutes)" in fifth
    assert guesses(core) == 5  # kept, though each was refused

    # The right code now gets the same wait: it is not even looked at.
    refused = dc.say(f"/link {code}")
    assert "Linked" not in refused
    assert "after 13:00 (in 55 minutes)" in refused
    clock.advance(minutes=30)
    assert "after 13:00 (in 25 minutes)" in dc.say(f"/link {code}")
    assert users(core) == 2
    assert guesses(core) == 5  # a refusal without checking adds nothing

    # Others are not held up by Ana's wrong codes.
    ben_code = code_in(private(core, "ben-tg", "telegram").say("/link"))
    assert "Linked" in private(core, "ben-dc", "discord").say(f"/link {ben_code}")

    clock.advance(minutes=25, seconds=1)  # an hour after the first wrong code: a try is free
    code = code_in(tg.say("/link"))  # the first code has expired meanwhile
    assert "Linked" in dc.say(f"/link {code}")


def test_many_accounts_guessing_brake_guessers_but_never_an_owner(make_core, any_db_url, clock):
    core = make_core(any_db_url, challenges={"link_brake_per_minute": 10})
    strangers = [private(core, f"guesser-{n}", "discord") for n in range(10)]
    for n, stranger in enumerate(strangers):
        assert "I don't know that code" in stranger.say(f"/link ZZZZ-ZZZZ-{n:04d}")
    assert guesses(core) == 10  # the bot-wide budget for a minute is spent: the brake is on

    # A guesser who was wrong once is not checked again while the brake is on...
    busy = strangers[0].say("/link ZZZZ-ZZZZ-ZZZZ")
    assert "Too many wrong codes are being tried on /link right now" in busy
    assert "try again in a minute" in busy
    # ...and a new one's wrong code is refused with the same word.
    late = private(core, "guesser-late", "discord").say("/link ZZZZ-ZZZZ-YYYY")
    assert "I don't know that code" in late and "try again in a minute" in late
    assert guesses(core) == 11

    # The owner of a real code is never stopped by strangers: their right code works.
    tg, dc = private(core, "ana-tg", "telegram"), private(core, "ana-dc", "discord")
    tg.say("/run 5k")
    code = code_in(tg.say("/link"))
    assert "Linked" in dc.say(f"/link {code}")
    assert "run 5.00 km" in dc.say("/history")

    clock.advance(minutes=1, seconds=1)  # a quiet minute: the brake is off again
    again = strangers[0].say("/link ZZZZ-ZZZZ-XXXX")
    assert "I don't know that code" in again and "3 more tries this hour" in again
