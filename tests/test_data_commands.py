"""/export, /import and /deleteme: a person's data is theirs to take, bring back or erase."""

import csv
import io
import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import String, func, inspect, select

from adapters.console import CannotAttach, ConsoleAdapter
from bot.delivery.outbox import enqueue
from bot.interface import Attachment, ChatKind, Destination, Reply
from bot.progress.export import CSV_COLUMNS, EntryRow
from bot.settings import Limits
from bot.storage.db import Database
from bot.storage.models import Account, Base, Entry, User
from bot.storage.ownership import links
from tests.support import Chat


def history(core, external_id: str = "ana") -> list[EntryRow]:
    with core.services.db.unit_of_work() as s:
        user_id = s.scalar(select(Account.user_id).where(Account.external_id == external_id))
        entries = s.scalars(
            select(Entry)
            .where(Entry.user_id == user_id, Entry.deleted_at.is_(None))
            .order_by(Entry.local_date, Entry.logged_at, Entry.id)
        )
        return [EntryRow.of(e) for e in entries]


def unnumbered(history: str) -> list[str]:
    """/history's entry lines without their numbers."""
    return [line.split(" · ", 1)[1] for line in history.splitlines()[1:] if line.startswith("#")]


def log_variety(chat: Chat, clock) -> None:
    """A history with every kind, notes that need quoting, an undone entry and an entry at
    23:30 local time."""
    chat.say("/tz America/Los_Angeles")
    chat.say('/run 5k 28:30 easy, with "strides"')
    chat.say("/run 3.1mi 2026-11-20")
    chat.say("/strength squats 3x10 42.5kg")
    chat.say("/strength 30min 2026-10-01")
    chat.say("/water 500ml")
    chat.say("/water 500ml")  # the same amount twice in a day is two entries
    chat.say("/water 16oz")
    chat.say("/undo")
    clock.set(datetime(2026, 11, 25, 7, 30, tzinfo=UTC))  # 23:30 on Tue 24 Nov there
    chat.say("/water 1l")
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


def csv_of(reply: Reply) -> Attachment:
    return next(a for a in reply.attachments if a.filename.endswith(".csv"))


def import_file(chat: Chat, data: bytes, name: str = "steady-export.csv") -> str:
    incoming = replace(chat.incoming("/import"), attachments=(Attachment(name, data),))
    return "\n".join(r.text for r in chat.core.handle(incoming))


@pytest.fixture
def source(make_core, sqlite_template: Path, tmp_path: Path, clock) -> Chat:
    path = tmp_path / "source.db"
    shutil.copy(sqlite_template, path)
    chat = Chat(make_core(f"sqlite:///{path}"))
    log_variety(chat, clock)
    return chat


def test_export_gives_a_csv_row_per_entry_and_a_json_of_everything(source):
    source.say("/goal water 2l/day")
    [reply] = source.replies("/export")
    assert "7 entries" in reply.text
    names = sorted(a.filename for a in reply.attachments)
    assert names == ["steady-export-2026-11-25.csv", "steady-export-2026-11-25.json"]
    rows = list(csv.DictReader(io.StringIO(csv_of(reply).data.decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 7  # the undone 16 oz is not history
    assert rows[0]["date"] == "2026-10-01" and rows[0]["duration_s"] == "1800"
    run = next(r for r in rows if r["note"])
    assert run["note"] == 'easy, with "strides"' and run["distance_m"] == "5000"
    late = next(r for r in rows if r["volume_ml"] == "1000")
    assert (late["date"], late["logged_at"]) == ("2026-11-24", "2026-11-25T07:30:00+00:00")
    document = json.loads(next(a for a in reply.attachments if a.filename.endswith(".json")).data)
    assert document["profile"]["tz"] == "America/Los_Angeles"
    assert len(document["entries"]) == 7
    assert document["tables"]["goals"][0]["amount"] == 2000
    assert document["tables"]["accounts"][0]["external_id"] == "ana"


def test_export_then_import_into_an_empty_database_gives_the_same_history(
    source, make_core, any_db_url
):
    exported = csv_of(source.replies("/export")[0])
    target = Chat(make_core(any_db_url))
    target.say("/tz America/Los_Angeles")
    assert "Imported 7 entries" in import_file(target, exported.data)
    assert history(target.core) == history(source.core)
    for command in ("/stats all", "/records"):
        assert target.say(command) == source.say(command)
    # Entry numbers are not in the export: imported entries are numbered 1.. in the order
    # they were logged, where the source's numbers also count its undone entry.
    assert unnumbered(target.say("/history 20")) == unnumbered(source.say("/history 20"))
    numbers = [line.split(" · ")[0] for line in target.say("/history 20").splitlines()[1:8]]
    assert sorted(numbers) == [f"#{n}" for n in range(1, 8)]
    assert "Nothing new: all 7 entries" in import_file(target, exported.data)
    assert len(history(target.core)) == 7


def test_import_adds_only_what_is_missing(source):
    exported = csv_of(source.replies("/export")[0]).data
    source.say("/undo")  # the 1 l at 23:30 goes
    source.say("/undo")  # and a 500 ml
    assert "Imported 2 entries (5 were already here)" in import_file(source, exported)
    assert len(history(source.core)) == 7


def test_a_hand_written_csv_without_times_imports_once(chat):
    data = (
        b"date,kind,distance_m,volume_ml\n"
        b"2026-11-20,water,,250\n2026-11-20,water,,250\n2026-11-21,run,4000,\n"
    )
    assert "Imported 3 entries" in import_file(chat, data)
    assert "Nothing new" in import_file(chat, data)
    assert "Fri 20 Nov · water 250 ml" in chat.say("/history")


GOOD = "date,logged_at,kind,distance_m,volume_ml\n2026-11-20,,water,,500\n"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "isn't a text CSV"),
        (b'{"format": "steady-export"}', "That's the JSON file"),
        (b"", "That file is empty"),
        (b"when,what\n2026-11-20,run\n", "I don't know one of its columns"),
        (b"date,kind\n", "header but no entries"),
        (GOOD.encode() + b"20/11/2026,,water,,500\n", "Line 3: the date '20/11/2026'"),
        (GOOD.encode() + b"2030-01-01,,water,,500\n", "Line 3: 2030-01-01 is in the future"),
        (GOOD.encode() + b"2026-11-20,,swim,,500\n", "should be run, strength or water"),
        (GOOD.encode() + b"2026-11-20,,water,,lots\n", "volume_ml 'lots' is not a number"),
        (GOOD.encode() + b"2026-11-20,,water,,-5\n", "volume_ml has to be a number above zero"),
        (GOOD.encode() + b"2026-11-20,,water,,nan\n", "volume_ml has to be a number above zero"),
        (GOOD.encode() + b"2026-11-20,,run,,\n", "a run needs distance_m"),
        (GOOD.encode() + b"2026-11-20,,run,5000,500\n", "a run has no volume_ml"),
        (GOOD.encode() + b"2026-11-20,,water,,90000\n", "more water than anyone should drink"),
        (GOOD.encode() + b"2026-11-20,yesterday,water,,500\n", "logged_at 'yesterday'"),
        (GOOD.encode() + b"2026-11-20,,water,,500,extra\n", "more fields than the header"),
    ],
)
def test_a_broken_file_gets_a_friendly_error_and_changes_nothing(chat, data, says):
    chat.say("/water 1l")
    reply = import_file(chat, data)
    assert says in reply
    assert "Traceback" not in reply
    assert len(history(chat.core)) == 1  # the good first row was not imported either


def test_a_file_over_the_limits_is_refused_whole(make_core, sqlite_url):
    chat = Chat(make_core(sqlite_url, limits=Limits(max_import_rows=2, max_import_kb=1)))
    three = GOOD + "2026-11-21,,water,,500\n2026-11-22,,water,,500\n"
    assert "more than 2 entries" in import_file(chat, three.encode())
    assert "larger than 1 KB" in import_file(chat, GOOD.encode() + b"\n" * 2000)
    assert history(chat.core) == []


def test_import_needs_a_file_and_a_private_chat(core):
    assert "or the CSV that /export gave you" in Chat(core).say("/import")
    group = Chat(core, "ben", chat_id="group-1", kind=ChatKind.GROUP)
    assert "A CSV from /export goes in a private chat" in group.say("/import")  # a run may not
    assert "works in a private chat" in group.say("/export")
    assert "works in a private chat" in group.say("/deleteme")


def test_the_console_attaches_the_named_file(core, tmp_path):
    (tmp_path / "mine.csv").write_bytes(GOOD.encode())
    console = ConsoleAdapter(core, user="ana", out=io.StringIO(), folder=tmp_path)
    incoming = console.incoming("/import mine.csv")
    assert incoming.text == "/import"
    assert incoming.attachments == (Attachment("mine.csv", GOOD.encode()),)
    with pytest.raises(CannotAttach, match=r"missing\.csv"):
        console.incoming("/import missing.csv")


async def test_export_and_import_through_the_console(core, tmp_path):
    out = io.StringIO()
    console = ConsoleAdapter(core, user="ana", out=out, folder=tmp_path)
    script = (
        "/run 5k 28:30\n/export\n/undo\n/import nowhere.csv\n"
        "/import steady-export-2026-11-25.csv\n/today\n"
    )
    await console.chat(io.StringIO(script))
    text = out.getvalue()
    assert f"(saved {tmp_path / 'steady-export-2026-11-25.csv'})" in text
    assert "I can't read" in text and "nowhere.csv" in text
    after_import = text.split("Imported 1 entry")[1]
    assert "• run 5.00 km in 28:30" in after_import  # /today shows it back


# --- /deleteme ---------------------------------------------------------------------------

ANA = "ana-4f1c9e"  # distinctive, so a leftover anywhere is found
ANA_CHAT = "chat-ana-4f1c9e"


def rows_pointing_at(db: Database, user_id: int, account_ids: list[int]) -> list[str]:
    """Every row, in every table of the schema, that still refers to the person: by a
    foreign key to users or accounts, by a column named user_id, or by their platform id or
    private chat id in any text column."""
    found = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            checks = []
            for column in table.columns:
                points_at = {fk.column.table.name for fk in column.foreign_keys}
                if "users" in points_at or column.name == "user_id":
                    checks.append(column == user_id)
                if "accounts" in points_at and account_ids:
                    checks.append(column.in_(account_ids))
                if isinstance(column.type, String):
                    checks.append(column.in_([ANA, ANA_CHAT]))
            if table.name == "users":
                checks.append(table.c.id == user_id)
            for check in checks:
                n = conn.scalar(select(func.count()).select_from(table).where(check))
                if n:
                    found.append(f"{table.name}: {n} row(s) where {check}")
    return found


def test_deleteme_asks_first_then_leaves_nothing_behind(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    ana = Chat(core, ANA, chat_id=ANA_CHAT, platform="telegram")
    ben = Chat(core, "ben", chat_id="chat-ben", platform="telegram")
    for chat in (ana, ben):
        chat.say("/run 5k 28:30")
        chat.say("/goal water 2l/day")
        chat.say("/water 500ml")
        chat.say("/undo")
        chat.say("/pause 3d")  # pauses are kept as a history: hers go with her
        chat.say("/resume")
        chat.say("/pause")
    Chat(core, ANA, chat_id="group-7", platform="telegram", kind=ChatKind.GROUP).say("/stats")
    db = core.services.db
    with db.unit_of_work() as s:
        ana_id = s.scalar(select(Account.user_id).where(Account.external_id == ANA))
        account_ids = list(s.scalars(select(Account.id).where(Account.user_id == ana_id)))
        now = clock.now()
        for key, chat_id, user_id in (
            ("nudge:ana", ANA_CHAT, ana_id),
            ("digest:ana-chat", ANA_CHAT, None),  # keyed by her chat only
            ("nudge:ben", "chat-ben", None),
        ):
            enqueue(
                s,
                key=key,
                destination=Destination("telegram", chat_id),
                reply=Reply("Water?"),
                now=now,
                user_id=user_id,
            )
    before = rows_pointing_at(db, ana_id, account_ids)  # the check sees her data
    assert any(row.startswith("pauses: 2 row(s)") for row in before), before

    [ask] = ana.replies("/deleteme")
    assert "1 entry, 1 goal" in ask.text and "can't be undone" in ask.text
    [button] = ask.buttons
    assert button.payload == "/deleteme DELETE" and len(button.payload.encode()) <= 64
    assert "Nothing was deleted" in ana.say("/deleteme maybe")
    assert "1 entry" in ana.say("/deleteme")  # still all there

    done = ana.say(payload=button.payload, message_id="confirm-1")
    assert "I deleted everything I kept about you: 1 entry, 1 goal" in done
    assert rows_pointing_at(db, ana_id, account_ids) == []
    # A redelivered confirmation (the platform never saw our answer) leaves nothing either.
    ana.say(payload=button.payload, message_id="confirm-1")
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 1
        assert not s.scalar(select(Account.id).where(Account.external_id == ANA))
    assert rows_pointing_at(db, ana_id, account_ids) == []

    assert "run 5.00 km" in ben.say("/today") and "water goal" in ben.say("/goals")
    assert "No entries yet" in ana.say("/stats")  # writing again starts afresh


FORGETTING = ("CASCADE", "SET NULL")


def test_every_table_that_points_at_a_person_deletes_with_them(any_db_url):
    """The rule for every table, now and later: rows that belong to a person point at users
    (or accounts) with ON DELETE CASCADE, or SET NULL where the row belongs to a group and only
    remembers who made it, in the models and in the migrated database."""
    assert links(), "the schema has tables that point at users"
    for table in Base.metadata.sorted_tables:
        if "user_id" in table.c and table.name != "users":
            assert any(fk.column.table.name == "users" for fk in table.c.user_id.foreign_keys), (
                f"{table.name}.user_id has no foreign key to users"
            )
    for link in links():
        [fk] = link.column.foreign_keys
        assert fk.ondelete in FORGETTING, f"{link.table.name}.{link.column.name} must cascade"
    db = Database(any_db_url)
    inspector = inspect(db.engine)
    for link in links():
        found = [
            fk
            for fk in inspector.get_foreign_keys(link.table.name)
            if fk["constrained_columns"] == [link.column.name]
        ]
        assert found and found[0]["options"].get("ondelete") in FORGETTING, (
            f"the migration for {link.table.name}.{link.column.name} must say ON DELETE CASCADE"
        )
    db.dispose()
