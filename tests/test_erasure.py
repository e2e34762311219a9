"""/deleteme leaves nothing that names the person or shows their figures: not in their rows,
not in replies kept for other people, not in group messages waiting to be posted, and on
SQLite not in the database's files either."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, inspect, select, text

from bot.groups.digests import run_due_digests, run_due_endings
from bot.intake import inbox
from bot.interface import Reply, reply_from_dict
from bot.reading.units import quantity
from bot.storage.db import Database
from bot.storage.models import Account, Entry, HandledMessage, OutboxMessage, RuleFiring
from bot.storage.ownership import HANDLED_BEFORE, Traces
from tests.group_support import GroupChat, delivered, private
from tests.support import Chat

BO = "bo-7d2e91"  # Bo's platform id: her private chat is dm-telegram-bo-7d2e91
BO_NAME = "Bozena Quxwell"
NOTE = "zanzibar-okapi-7731"
EXERCISE = "zercherquux"
RUN_M = quantity("12.3456km", "length")  # her run as stored: shown as 12.3 km
FIGURE = "12.3 km"
TEXT_NEEDLES = (BO, BO_NAME, NOTE, EXERCISE, FIGURE, repr(RUN_M))
FILE_NEEDLES = (
    BO.encode(),
    BO_NAME.encode(),
    NOTE.encode(),
    EXERCISE.encode(),
    FIGURE.encode(),
    struct.pack(">d", RUN_M),  # how SQLite keeps the REAL
)


def as_bo(chat: Chat) -> Chat:
    chat.name = BO_NAME
    return chat


def strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [str(value)]


def table_dump(engine) -> str:  # type: ignore[no-untyped-def]
    """Every column of every row of every table in the database (whatever the models say),
    as text; JSON also decoded, each string on its own, so an escape can't hide a name."""
    lines = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    lines.append(f"{table}: {value}")
                    if isinstance(value, str) and value[:1] in "[{":
                        try:
                            value = json.loads(value)
                        except ValueError:
                            continue
                    if isinstance(value, dict | list):
                        lines += [f"{table}: {s}" for s in strings(value)]
    return "\n".join(lines)


def file_bytes(url: str) -> dict[str, bytes]:
    path = Path(url.removeprefix("sqlite:///"))
    files = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            files[part.name] = part.read_bytes()
    return files


def found_in_tables(engine) -> list[str]:  # type: ignore[no-untyped-def]
    dump = table_dump(engine)
    return [n for n in TEXT_NEEDLES if n in dump]


def found_in_files(url: str) -> list[str]:
    return [
        f"{needle!r} in {name}"
        for name, data in file_bytes(url).items()
        for needle in FILE_NEEDLES
        if needle in data
    ]


def outbox_reply(core, key: str) -> tuple[str, Reply]:  # type: ignore[no-untyped-def]
    with core.services.db.unit_of_work() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        assert row is not None, key
        return row.status, reply_from_dict(row.reply)


def group_with_bo(core, clock):  # type: ignore[no-untyped-def]
    """Ana and Bo in a group with two challenges; Bo's figures and name in a /leaderboard
    Ana asked for (kept against redelivery), in a digest already posted, in the next one
    waiting to be posted and in an ended challenge's summary (with its chart) waiting too."""
    ana = GroupChat(core, "ana", is_admin=True)
    bo = as_bo(GroupChat(core, BO))
    ana.say('/challenge new "Winter 50k" run 50km until 2026-12-20')
    ana.say('/challenge new "Sprint" runs 3 until 2026-11-30')
    assert "joined Winter 50k" in bo.say("/join Winter 50k")
    assert "joined Sprint" in bo.say("/join Sprint")
    assert "Daily digest at 20:00" in ana.say("/digest daily 20:00")
    bo_dm = as_bo(private(core, BO))
    # Her raw events as the inbox keeps them for redelivery.
    inbox.accept(
        core.services.db,
        [
            inbox.Event(
                "telegram",
                "update-9001",
                f"telegram:dm-telegram-{BO}",
                f"telegram:{BO}",
                {"from": BO_NAME, "text": f"/run 12.3456km 61:00 {NOTE}"},
            )
        ],
        clock.now(),
    )
    assert "12.35 km" in bo_dm.say(f"/run 12.3456km 61:00 {NOTE}")
    assert EXERCISE in bo_dm.say(f"/strength {EXERCISE} 3x5 77.7kg")
    ana_dm = private(core, "ana")
    ana_dm.say("/run 5k 30:00")
    ana_dm.say("/water 750ml")
    board = ana.say("/leaderboard", message_id="board-1")
    assert f"{BO_NAME} — {FIGURE}" in board

    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert run_due_digests(core.services, clock.now()) == 1
    [(_, posted)] = delivered(core, "telegram")  # Wednesday's digest is posted
    assert BO_NAME in posted.text
    clock.set(datetime(2026, 11, 26, 20, 0, tzinfo=UTC))
    assert run_due_digests(core.services, clock.now()) == 1  # Thursday's waits
    assert "Sprint is over" in ana.say("/challenge end Sprint")
    assert run_due_endings(core.services, clock.now()) == 1
    for key in ("digest:1:2026-11-26", "challenge-end:2"):
        status, reply = outbox_reply(core, key)
        assert status == "pending" and BO_NAME in reply.text
    return ana, bo, ana_dm, bo_dm


def test_deleteme_in_a_group_leaves_nothing_of_her_in_any_table(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    ana, _, ana_dm, bo_dm = group_with_bo(core, clock)
    _, summary_before = outbox_reply(core, "challenge-end:2")
    engine = core.services.db.engine
    assert found_in_tables(engine) == list(TEXT_NEEDLES)  # the check sees every trace

    assert "I deleted everything" in bo_dm.say("/deleteme DELETE")

    assert found_in_tables(engine) == []
    # Ana's data is untouched.
    with core.services.db.unit_of_work() as s:
        ana_id = s.scalar(select(Account.user_id).where(Account.external_id == "ana"))
        assert s.scalar(select(func.count()).where(Entry.user_id == ana_id)) == 2
    assert "run 5.00 km" in ana_dm.say("/history")
    # The digest and summary still waiting are composed again without her, chart and all.
    status, digest = outbox_reply(core, "digest:1:2026-11-26")
    assert status == "pending"
    assert "Daily digest · Thu 26 Nov" in digest.text and "1. Ana — 5.0 km" in digest.text
    status, summary = outbox_reply(core, "challenge-end:2")
    assert status == "pending" and "1. Ana — 1 run" in summary.text
    assert "2." not in summary.text.split("Final standings")[1]
    [chart] = summary.attachments
    assert chart.is_image and chart.data != summary_before.attachments[0].data
    # The /leaderboard Ana asked for, redelivered, still doesn't run twice, and says so.
    assert ana.say("/leaderboard", message_id="board-1") == HANDLED_BEFORE
    assert "1. Ana — 5.0 km" in ana.say("/leaderboard")
    posted = [reply.text for _, reply in delivered(core, "telegram")]
    assert len(posted) == 2 and not any(BO_NAME in t for t in posted)
    assert found_in_tables(engine) == []


def test_deleteme_leaves_nothing_of_her_in_the_sqlite_files(make_core, sqlite_url, clock):
    core = make_core(sqlite_url)
    *_, bo_dm = group_with_bo(core, clock)
    before = found_in_files(sqlite_url)
    assert {f.split(" in ")[0] for f in before} == {repr(n) for n in FILE_NEEDLES}

    assert "I deleted everything" in bo_dm.say("/deleteme DELETE")

    assert found_in_files(sqlite_url) == []
    assert file_bytes(sqlite_url).get("steady.db-wal", b"") == b""  # emptied after the commit
    assert found_in_tables(core.services.db.engine) == []


def test_secure_delete_is_on_even_where_sqlite_is_built_without_it(sqlite_url):
    """Many builds (Debian's) turn it on by default, others don't: each connection says so."""
    db = Database(sqlite_url)

    def built_without(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA secure_delete=OFF")

    event.listen(db.engine, "connect", built_without, insert=True)  # before Steady's own
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    db.dispose()


def test_her_name_is_found_only_where_it_stands_as_a_word():
    """Outside her groups' chats, a kept reply is blanked only where her name stands as a
    word: "Bo" is not in "Bob", "Boat" or "bo"."""
    traces = Traces(
        user_id=1,
        names=frozenset({"Bo"}),
        accounts=frozenset(),
        private_chats=frozenset(),
        group_chats=frozenset(),
    )
    assert traces.named_in([{"text": "1. Bo — 3.0 km"}])
    assert traces.named_in({"buttons": [["Cheer Bo!", "/cheer"]]})
    assert traces.named_in("Well done,\nBo")
    for other in ("Bob ran", "Boat", "Bo_b", "Bo1", "bo", ""):
        assert not traces.named_in([{"text": other}]), other


def test_her_own_kept_replies_go_and_others_in_her_groups_are_blanked(make_core, any_db_url):
    core = make_core(any_db_url)
    ben = GroupChat(core, "ben")
    bo = as_bo(GroupChat(core, BO))
    ben.say('/challenge new "Dec" runs 5 until 2026-12-20')
    bo.say("/join")
    ben.say("/run 3k", message_id="ben-run")  # a log: redelivered, it must not log twice
    elsewhere = GroupChat(core, "ben", chat_id="-100999")
    elsewhere.say("/help", message_id="ben-help")  # a chat she never saw
    as_bo(private(core, BO)).say("/deleteme DELETE")
    with core.services.db.unit_of_work() as s:
        kept = dict(s.execute(select(HandledMessage.message_id, HandledMessage.replies)).all())
    assert kept["ben-run"] == [
        {"text": HANDLED_BEFORE, "buttons": [], "attachments": [], "target": "same_chat"}
    ]
    assert HANDLED_BEFORE not in json.dumps(kept["ben-help"])
    assert ben.say("/run 3k", message_id="ben-run") == HANDLED_BEFORE
    assert "1 run" in ben.say("/leaderboard")  # not two


@pytest.mark.parametrize("name", ["Zoë Ünal", 'Bo "the" \\ Fast'])
def test_a_name_json_escapes_is_still_found(make_core, sqlite_url, name):
    """Kept replies are JSON: a name with accents, quotes or backslashes is stored escaped,
    and is still found there (here in a chat she never wrote in, found by name alone)."""
    core = make_core(sqlite_url)
    bo = Chat(core, BO, name=name)
    bo.say("/run 3k")
    with core.services.db.unit_of_work() as s:
        s.add(
            HandledMessage(
                platform="console",
                chat_id="somewhere",
                message_id="m1",
                user_id=None,
                replies=[{"text": f"Well done, {name}!"}],
                handled_at=datetime(2026, 11, 25, tzinfo=UTC),
            )
        )
    bo.say("/deleteme DELETE")
    assert name not in table_dump(core.services.db.engine)


def test_a_kept_reply_in_a_channel_she_never_wrote_in_is_found_by_her_name(make_core, sqlite_url):
    """On Discord a group is a server: Ana's /leaderboard in #challenges names Bo, who only
    ever wrote in #general."""
    core = make_core(sqlite_url)
    ana = GroupChat(core, "ana", platform="discord", chat_id="general", server_id="srv")
    bo = as_bo(GroupChat(core, BO, platform="discord", chat_id="general", server_id="srv"))
    ana.say('/challenge new "Dec" runs 5 until 2026-12-20')
    bo.say("/join")
    elsewhere = GroupChat(core, "ana", platform="discord", chat_id="challenges", server_id="srv")
    assert BO_NAME in elsewhere.say("/leaderboard", message_id="lb-in-challenges")
    elsewhere.say("/help", message_id="help-in-challenges")
    as_bo(private(core, BO, platform="discord")).say("/deleteme DELETE")
    assert BO_NAME not in table_dump(core.services.db.engine)
    assert elsewhere.say("/leaderboard", message_id="lb-in-challenges") == HANDLED_BEFORE
    assert elsewhere.say("/help", message_id="help-in-challenges") != HANDLED_BEFORE


def test_a_kept_reply_with_a_name_she_has_since_changed_goes_too(make_core, sqlite_url):
    """Her person keeps the name she first came with, her account the latest: a name in
    between is known to no row, and only where the reply was kept finds it."""
    core = make_core(sqlite_url)
    ana = GroupChat(core, "ana")
    bo = GroupChat(core, BO)
    bo.name = "Bo First"
    ana.say('/challenge new "Dec" runs 5 until 2026-12-20')
    bo.say("/join")
    bo.name = "Bo Before"
    bo.say("/run 1k")
    assert "Bo Before" in ana.say("/leaderboard", message_id="lb-1")
    as_bo(bo).say("/run 3k")  # she is Bozena Quxwell now
    as_bo(private(core, BO)).say("/deleteme DELETE")
    assert "Bo Before" not in table_dump(core.services.db.engine)
    assert ana.say("/leaderboard", message_id="lb-1") == HANDLED_BEFORE


def test_a_group_rule_remembered_under_her_name_is_forgotten(core, clock):
    """A digest rule kept once per leader remembers the leader's name."""
    bo = as_bo(private(core, BO))
    bo.say("/run 3k")
    with core.services.db.unit_of_work() as s:
        for key in (BO_NAME, "Ana"):
            s.add(
                RuleFiring(
                    audience="group:group-1", rule="new-leader", once_key=key, fired_at=clock.now()
                )
            )
    bo.say("/deleteme DELETE")
    with core.services.db.unit_of_work() as s:
        assert list(s.scalars(select(RuleFiring.once_key))) == ["Ana"]
