"""The "Times are in UTC for now" hint under /remind is for people who never set a zone:
a zone picked on purpose, UTC included, silences it."""

from tests.support import Chat

HINT = "Times are in UTC for now"


def test_someone_who_never_set_a_zone_is_told_how(chat: Chat) -> None:
    assert HINT in chat.say("/remind run 07:00")
    assert HINT in chat.say("/remind water 12:00")  # still not chosen: still said


def test_choosing_utc_on_purpose_silences_the_hint(make_core, any_db_url) -> None:
    chat = Chat(make_core(any_db_url))
    chat.say("/start")
    assert "Time zone set to UTC" in chat.say("/tz UTC")
    reply = chat.say("/remind run 07:00")
    assert "Reminder #1" in reply
    assert HINT not in reply


def test_a_zone_chosen_and_then_set_back_to_utc_stays_chosen(chat: Chat) -> None:
    chat.say("/tz Europe/Berlin")
    assert HINT not in chat.say("/remind run 07:00")
    chat.say("/tz utc")
    assert HINT not in chat.say("/remind strength tue 18:30")


def test_the_hint_belongs_to_the_person_not_to_everyone(core) -> None:
    ana, ben = Chat(core, "ana"), Chat(core, "ben")
    ana.say("/tz UTC")
    assert HINT not in ana.say("/remind run 07:00")
    assert HINT in ben.say("/remind run 07:00")
