"""Engine, sessions and migrations."""

from __future__ import annotations

import ast
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


PING_AFTER_S = 2.0  # a PostgreSQL connection idle in the pool longer is asked before use
_CHECKED_IN = "steady_checked_in"


def make_engine(url: str) -> Engine:
    """An engine whose errors never show their statement's parameters (`hide_parameters`):
    those are people's notes and names, and an error's text ends up in a log line."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # A deleted row's bytes are overwritten with zeros, not left in free space for
            # anyone reading the file: /deleteme must leave nothing of the person behind.
            cursor.execute("PRAGMA secure_delete=ON")
            # A checkpoint (copying the WAL into the database, with an fsync) every 10,000
            # pages rather than SQLite's 1,000: a log dirties about 13 pages, so the default
            # stalled one message in ninety for 10-30 ms and cost an eighth of the throughput.
            # Fewer checkpoints also copy each hot page fewer times. The WAL grows to ~40 MB.
            cursor.execute("PRAGMA wal_autocheckpoint=10000")
            cursor.close()

        return engine
    # Last in, first out: the connections in use stay few and warm, and the rest sit idle.
    engine = create_engine(
        url, pool_size=10, max_overflow=10, pool_use_lifo=True, hide_parameters=True
    )

    @event.listens_for(engine, "checkout")
    def _alive(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object
    ) -> None:
        # SQLAlchemy's pre-ping asks the server before every transaction: a round trip
        # each, for work that is often one or two statements. Instead a connection is asked
        # only when the server said something while it sat in the pool (a restart's or a
        # terminated backend's last words, or the closed socket: it can be read at once),
        # or when it sat there longer than `PING_AFTER_S`. A broken one is replaced (the
        # pool tries again with a new connection).
        try:
            said, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
        except (engine.dialect.loaded_dbapi.Error, OSError):  # closed already
            raise DisconnectionError from None
        idle_since = record.info.get(_CHECKED_IN)
        if said or idle_since is None or time.monotonic() - idle_since > PING_AFTER_S:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error:
                raise DisconnectionError from None

    @event.listens_for(engine, "checkin")
    def _idle(_dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "connect")
    def _binary_lists(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Lists (the fan-out's arrays of ids and times, bot/storage/bulk.py) go in binary:
        # psycopg's text form quotes each element in Python, ten times slower for times.
        from psycopg.types.array import ListBinaryDumper

        dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)

    return engine


def alembic_config(engine: Engine) -> Config:
    # Alembic (with Mako and Pygments, ~10 MB) is imported only by what migrates: the core's
    # process and the tests' cores never load it.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and at_head(engine):
        return  # nearly every start: the process is spared alembic's ~10 MB
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def at_head(engine: Engine) -> bool:
    """Whether the database stands at the newest migration, told without importing alembic.
    Any doubt (no version table, a branched history, a file not read) answers False, and
    alembic then decides; tests/test_migration_heads.py checks it against alembic."""
    heads = file_heads()
    if len(heads) != 1:
        return False
    try:
        with engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version"))
            return set(stamped.scalars()) == heads
    except DBAPIError:
        return False


def file_heads() -> set[str]:
    """The revisions no migration file names as its `down_revision`."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        names = {}
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name):
                        names[target.id] = node.value
        try:
            revisions.add(ast.literal_eval(names["revision"]))
            down = ast.literal_eval(names.get("down_revision", ast.Constant(None)))
        except (KeyError, ValueError):
            return set()
        parents.update(down if isinstance(down, tuple | list) else [down] if down else [])
    return revisions - parents


class Database:
    """The engine and a session factory; `unit_of_work()` is one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def upgrade(self) -> None:
        upgrade(self.engine)

    @contextmanager
    def one_statement(self) -> Iterator[Connection]:
        """A connection for work that is a single statement (the inbox's claims, a batch
        stored or marked sent). On PostgreSQL it runs without a transaction around it: the
        statement is its own, all or nothing, and the BEGIN and COMMIT, two of its three
        round trips, are spared. On SQLite it is an ordinary transaction."""
        if not self.is_postgres:
            with self.engine.begin() as connection:
                yield connection
            return
        with self.engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
