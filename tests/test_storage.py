"""Storage on both databases: SQLite (the default) and the real PostgreSQL on 127.0.0.1."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, inspect, select

from bot.storage.db import Database
from bot.storage.models import Base, Entry, HandledMessage
from tests.support import Chat


def count(core, model=Entry) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_migrations_build_every_table(any_db_url):
    tables = set(inspect(Database(any_db_url).engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_a_redelivered_message_logs_once_and_gets_the_same_reply(make_core, any_db_url):
    chat = Chat(make_core(any_db_url), platform="telegram", chat_id="42")
    first = chat.say("/run 5k 28:30", message_id="1001")
    again = chat.say("/run 5k 28:30", message_id="1001")
    assert again == first and "Logged run" in first
    assert count(chat.core) == 1
    assert count(chat.core, HandledMessage) == 1


def test_the_same_message_id_in_another_chat_is_another_message(make_core, any_db_url):
    core = make_core(any_db_url)
    Chat(core, "ana", platform="telegram", chat_id="1").say("/water 500ml", message_id="7")
    Chat(core, "ben", platform="telegram", chat_id="2").say("/water 500ml", message_id="7")
    assert count(core) == 2


def test_a_redelivered_undo_undoes_once(make_core, any_db_url):
    chat = Chat(make_core(any_db_url))
    chat.say("/run 5k 28:30")
    chat.say("/water 500ml")
    chat.say("/undo", message_id="u1")
    chat.say("/undo", message_id="u1")
    assert "run 5.00 km" in chat.say("/today")


def test_concurrent_deliveries_of_one_message_log_once(make_core, any_db_url):
    core = make_core(any_db_url)
    chat = Chat(core, platform="telegram", chat_id="9")
    chat.say("/start")  # the person exists; the race is on the message alone
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: chat.say("/water 500ml", message_id="77"), range(8)))
    assert count(core) == 1
    assert all("Logged water" in r for r in replies)


def test_data_survives_a_restart(make_core, any_db_url):
    Chat(make_core(any_db_url)).say("/run 5k 28:30")
    assert "run 5.00 km" in Chat(make_core(any_db_url)).say("/today")
