"""`steady inbox`: an operator sees the set-aside events (never what people wrote) and puts
them back in line or drops them."""

import dataclasses

import pytest
from sqlalchemy import select, update

from bot import cli
from bot.intake import inbox
from bot.storage.db import Database
from bot.storage.models import InboxEvent

SECRET_TEXT = "my private note about my knee"


@pytest.fixture
def steady(monkeypatch, capsys):
    """`steady ...` as typed: exit code, standard output, standard error."""
    monkeypatch.setattr("bot.ops.logs.configure_logging", lambda settings: None)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def db(any_db_url, monkeypatch, clock):
    """Four events: two set aside, one waiting, one done."""
    monkeypatch.setenv("STEADY_DATABASE_URL", any_db_url)
    database = Database(any_db_url)
    events = [
        inbox.Event("telegram", str(n), f"telegram:{chat}", "telegram:9", {"text": SECRET_TEXT})
        for n, chat in ((1, -1001), (2, 42), (3, 42), (4, 7))
    ]
    inbox.accept(database, events, clock.now())
    taken = inbox.claim(database, clock.now(), ["telegram"], limit=10, lease_s=60)
    assert [t.event_id for t in taken] == ["1", "2", "4"]  # 3 waits behind 2, in its chat
    for event in taken[:2]:  # the third try of each fails: parked, and its chat moves on
        failing = dataclasses.replace(event, tries=2)
        error = "ZeroDivisionError: division by zero"
        kept = dict(now=clock.now(), park=False, apology=None, hold_s=30)
        assert inbox.failed_try(database, failing, error, **kept)
    with database.engine.begin() as connection:
        connection.execute(
            update(InboxEvent).where(InboxEvent.event_id == "4").values(state=inbox.DONE)
        )
    yield database
    database.dispose()


def states(db: Database) -> dict[str, tuple[str, int]]:
    with db.engine.connect() as connection:
        rows = connection.execute(select(InboxEvent.event_id, InboxEvent.state, InboxEvent.tries))
        return {event_id: (state, tries) for event_id, state, tries in rows}


def ids(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return dict(connection.execute(select(InboxEvent.event_id, InboxEvent.id)).all())


def test_the_list_shows_where_and_why_but_never_the_text(db, steady):
    code, out, _ = steady("inbox")
    assert code == 0
    assert SECRET_TEXT not in out
    lines = out.splitlines()
    assert lines[0].split() == ["id", "platform", "chat", "tries", "received", "(UTC)", "error"]
    first, second = lines[1], lines[2]
    assert first.split()[:4] == [str(ids(db)["1"]), "telegram", "-1001", "3"]
    assert "2026-11-25 12:00" in first and "ZeroDivisionError: division by zero" in first
    assert second.split()[:3] == [str(ids(db)["2"]), "telegram", "42"]
    assert "2 events set aside" in out
    assert steady("inbox", "list")[1] == out


def test_retry_one_puts_it_back_in_line_with_its_tries_reset(db, steady):
    code, out, _ = steady("inbox", "retry", str(ids(db)["2"]))
    assert (code, out) == (0, "1 event put back in line.\n")
    assert states(db) == {
        "1": ("failed", 3),
        "2": ("waiting", 0),
        "3": ("waiting", 0),
        "4": ("done", 0),
    }


def test_retry_all_and_drop_all(db, steady):
    assert steady("inbox", "retry", "all")[1] == "2 events put back in line.\n"
    assert {s for s, _ in states(db).values()} == {"waiting", "done"}
    assert steady("inbox", "drop", "all")[1] == "0 events dropped.\n"
    assert steady("inbox")[1].startswith("Nothing is set aside")


def test_drop_deletes_only_the_set_aside_event_named(db, steady):
    code, out, _ = steady("inbox", "drop", str(ids(db)["1"]))
    assert (code, out) == (0, "1 event dropped.\n")
    assert set(states(db)) == {"2", "3", "4"}


def test_unknown_or_unsuitable_ids_get_a_friendly_answer_and_change_nothing(db, steady):
    before = states(db)
    code, out, err = steady("inbox", "retry", "999")
    assert code == 1 and out == ""
    assert "There is no event 999" in err and "`steady inbox` lists" in err
    code, _, err = steady("inbox", "drop", str(ids(db)["3"]))
    assert code == 1 and "is not set aside (it is waiting)" in err
    code, _, err = steady("inbox", "drop", "seven")
    assert code == 1 and "“seven” is not an event id" in err and "steady inbox retry 42" in err
    code, _, err = steady("inbox", "retry")
    assert code == 1 and "Say which event: steady inbox retry 42" in err
    code, _, err = steady("inbox", "list", "3")
    assert code == 1 and "takes no id" in err
    assert states(db) == before
