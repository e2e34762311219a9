"""Statements for the hottest path, run on the driver's own cursor.

A message is about ten short statements. Through SQLAlchemy each costs several times what
the database spends on it (execution context, events, result objects), so a log's reply was
mostly that overhead. A `Prepared` statement is still written with SQLAlchemy Core and
compiled by it, once per dialect, with the same bind and result processors SQLAlchemy
would apply (dates as text on SQLite, UTC datetimes, JSON); only the per-call machinery is
skipped. It runs on the DBAPI connection of the transaction it is given (a Connection, or a
Session's), so it commits and rolls back with everything else done there. Given a Session,
it flushes the session's pending changes first, as the ORM's own queries do.

Only plain bound parameters: no expanding IN lists (those stay with SQLAlchemy). Rows come
back as named tuples, readable like the ORM objects they stand in for: give the statement a
`NamedTuple` class of its columns (`Prepared(select(...), StoredEntry)`) and its rows have
that type, checked against the columns when it is compiled; without one they are plain
tuples to the type checker.

On PostgreSQL each statement is a round trip to the server, and a message's wait for those
was most of its time. Statements whose results are not needed before the next is sent can
travel together (`together`: psycopg's pipeline mode, one round trip for all of them,
their rows read after the block), and the reads a moment will make can be sent ahead in one
(`reading_ahead`): the code that makes them is unchanged, and finds its rows waiting. On
SQLite both change nothing: it has no round trips to save.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast, overload

from sqlalchemy import Connection, Dialect, Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_VALUES = (str, int, float)
Db = Session | Connection  # where a statement runs: a transaction's connection or session
RowT = TypeVar("RowT", bound=tuple[Any, ...])  # a row's type: its NamedTuple, or a tuple


class _Rows(Protocol):
    """What a named tuple class offers: `_make` builds one from a row's values."""

    _fields: tuple[str, ...]

    def _make(self, values: Iterable[Any]) -> Any: ...  # the class's own row type


@dataclass(slots=True)
class _Compiled:
    sql: str
    by_name: bool  # the driver takes a dict (psycopg), not a list in order (sqlite3)
    # Each parameter: its name, the value the statement binds itself (a literal, a limit;
    # None for one the caller gives) and its bind processor, in the driver's order.
    params: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]
    columns: list[Any]  # the result columns
    row: _Rows | None  # the named tuple of a result row; None when nothing comes back
    # The columns that have a result processor, with it: known from the first result
    # (PostgreSQL's depend on the type the server reports).
    results: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None


class Prepared(Generic[RowT]):
    """One statement, compiled on first use for each dialect it meets."""

    @overload
    def __init__(self: Prepared[tuple[Any, ...]], statement: ClauseElement) -> None: ...
    @overload
    def __init__(self, statement: ClauseElement, row: type[RowT]) -> None: ...
    def __init__(self, statement: ClauseElement, row: type[Any] | None = None) -> None:
        self._statement = statement
        self._row = cast(_Rows | None, row)  # a NamedTuple class, or none given
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self._statement, dialect, self._row)
        return found

    def _run(self, db: Db, params: Mapping[str, Any]) -> Sent[RowT]:
        dialect, driver = _driver(db)
        compiled = self._for(dialect)
        values = []
        for name, default, process in compiled.params:
            value = params.get(name, default)
            values.append(value if process is None else process(value))
        given: Any = values
        if compiled.by_name:
            given = dict(zip((name for name, _, _ in compiled.params), values, strict=True))
        dbapi = dialect.loaded_dbapi
        try:
            return Sent(compiled, driver.execute(compiled.sql, given), dialect)
        except dbapi.Error as error:  # as SQLAlchemy raises it: IntegrityError and the rest
            raise DBAPIError.instance(compiled.sql, given, error, dbapi.Error) from error

    def execute(self, db: Db, params: Mapping[str, Any]) -> int:
        """Runs the statement; returns how many rows it changed (not known yet inside
        `together`, where it returns -1)."""
        if _AHEAD.get() is not None:  # a write may change what was read ahead
            _AHEAD.set(None)
        count: int = self._run(db, params).cursor.rowcount
        return count

    def send(self, db: Db, params: Mapping[str, Any]) -> Sent[RowT]:
        """Runs the statement and leaves its rows to be read later (after `together`)."""
        return self._run(db, params)

    def all(self, db: Db, params: Mapping[str, Any]) -> list[RowT]:
        ahead = _AHEAD.get()
        if ahead is not None:
            rows: list[RowT] | None = ahead.take(self, db, params)
            if rows is not None:
                return rows
        return self.send(db, params).all()

    def scalar(self, db: Db, params: Mapping[str, Any]) -> Any:
        row = self.first(db, params)
        return None if row is None else row[0]

    def first(self, db: Db, params: Mapping[str, Any]) -> RowT | None:
        rows = self.all(db, params)
        return rows[0] if rows else None

    def scalars(self, db: Db, params: Mapping[str, Any]) -> list[Any]:
        return [row[0] for row in self.all(db, params)]


@dataclass(slots=True)
class Sent(Generic[RowT]):
    """A statement sent, its rows not read yet."""

    compiled: _Compiled
    cursor: Any
    dialect: Dialect

    def all(self) -> list[RowT]:
        compiled, cursor = self.compiled, self.cursor
        rows = cursor.fetchall()
        make, results = compiled.row, compiled.results
        assert make is not None, "this statement returns no rows"
        if results is None:
            dialect = self.dialect
            processors = (
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(compiled.columns, cursor.description, strict=True)
            )
            results = compiled.results = tuple(
                (i, p) for i, p in enumerate(processors) if p is not None
            )
        if not results:
            return [make._make(row) for row in rows]
        found = []
        for row in rows:
            values = list(row)
            for i, process in results:
                values[i] = process(values[i])
            found.append(make._make(values))
        return found


@contextmanager
def together(db: Db) -> Iterator[None]:
    """PostgreSQL: the statements sent in the block go to the server together and come back
    in one round trip (psycopg's pipeline mode), with a transaction's BEGIN if it is the
    first. Read their rows (`Prepared.send`) after the block; errors come at its end, as
    SQLAlchemy's (an `IntegrityError` is one). SQLite: each runs as it comes."""
    dialect, driver = _driver(db)
    if dialect.name != "postgresql":
        yield
        return
    dbapi = dialect.loaded_dbapi
    try:
        with driver.pipeline():
            yield
    except dbapi.Error as error:
        raise DBAPIError.instance(None, None, error, dbapi.Error) from error


Read = tuple[Prepared[Any], Mapping[str, Any]]


@contextmanager
def reading_ahead(db: Db, reads: Sequence[Read]) -> Iterator[None]:
    """PostgreSQL: `reads` are sent now in one round trip, and inside the block the first
    `all()` (`first`, `scalar`...) of each with the same parameters on this transaction takes
    its rows from there instead of the server. Anything written meanwhile (a `Prepared`
    write or any statement through SQLAlchemy) drops what is left: rows read ahead are only
    ever what the statement would have found. SQLite: nothing is read ahead."""
    dialect, driver = _driver(db)
    if dialect.name != "postgresql" or not reads:
        yield
        return
    with together(db):
        sent = [(prepared, params, prepared.send(db, params)) for prepared, params in reads]
    waiting = {_key(prepared, params): rows.all() for prepared, params, rows in sent}
    token = _AHEAD.set(_Ahead(driver, waiting))
    try:
        yield
    finally:
        _AHEAD.reset(token)


def _key(prepared: Prepared[Any], params: Mapping[str, Any]) -> tuple[int, frozenset[Any]]:
    return id(prepared), frozenset(params.items())


@dataclass(slots=True)
class _Ahead:
    driver: Any  # the connection they were read on
    rows: dict[tuple[int, frozenset[Any]], list[Any]] = field(default_factory=dict)

    def take(self, prepared: Prepared[Any], db: Db, params: Mapping[str, Any]) -> Any:
        if _driver(db)[1] is not self.driver:
            return None
        try:
            return self.rows.pop(_key(prepared, params), None)
        except TypeError:  # a parameter that cannot be a key (a list) was never read ahead
            return None


# What was read ahead, for the block of `reading_ahead` running in this thread (or task).
_AHEAD: ContextVar[_Ahead | None] = ContextVar("steady_read_ahead", default=None)


@event.listens_for(Engine, "before_cursor_execute")
def _forget_ahead(*_: object) -> None:
    if _AHEAD.get() is not None:
        _AHEAD.set(None)


def dialect_of(db: Db) -> Dialect:
    return db.dialect if isinstance(db, Connection) else db.get_bind().dialect


def connection_of(db: Db) -> Connection:
    """The Connection itself, or the session's (with its pending changes flushed)."""
    return db if isinstance(db, Connection) else db.connection()


# The transaction's dialect and driver connection, kept in `Session.info` from the moment the
# session takes a connection until its transaction ends: asking the session for its
# connection costs more than a short statement on SQLite.
_DRIVER = "steady.prepared.driver"


def _driver(db: Db) -> tuple[Dialect, Any]:
    if isinstance(db, Connection):
        return db.dialect, db.connection.driver_connection
    if db.autoflush:  # as the ORM's own queries do: they see its pending changes
        db.flush()
    return db.info.get(_DRIVER) or _driver_of(db)


def _driver_of(session: Session) -> tuple[Dialect, Any]:
    connection = session.connection()
    found = session.info[_DRIVER] = (connection.dialect, connection.connection.driver_connection)
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget_driver(session: Session, transaction: object) -> None:
    session.info.pop(_DRIVER, None)


def _compile(statement: ClauseElement, dialect: Dialect, row: _Rows | None) -> _Compiled:
    # A statement (not DDL) compiles with the dialect's statement compiler.
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    processors = {}
    for bind, name in compiled.bind_names.items():
        if bind.expanding:
            raise ValueError(f"{name}: a Prepared statement takes no expanding parameters")
        processors[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
    own = compiled.params  # the statement's own values; REQUIRED (or None) for the caller's
    order = (compiled.positiontup or []) if compiled.positional else list(own)
    params = tuple(
        (name, own[name] if isinstance(own[name], _VALUES) else None, processors[name])
        for name in order
    )
    columns = list(getattr(statement, "exported_columns", ()))
    keys = [c.key for c in columns]
    if row is None and columns:
        row = cast(_Rows, namedtuple("Row", keys, rename=True))
    elif row is not None and list(row._fields) != keys:
        raise ValueError(f"{row}: fields {row._fields} are not the statement's columns {keys}")
    return _Compiled(str(compiled), not compiled.positional, params, columns, row)
