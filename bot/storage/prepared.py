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
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast, overload

from sqlalchemy import Connection, Dialect, event
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

    def _run(self, db: Db, params: Mapping[str, Any]) -> tuple[_Compiled, Any]:
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
            return compiled, driver.execute(compiled.sql, given)
        except dbapi.Error as error:  # as SQLAlchemy raises it: IntegrityError and the rest
            raise DBAPIError.instance(compiled.sql, given, error, dbapi.Error) from error

    def execute(self, db: Db, params: Mapping[str, Any]) -> int:
        """Runs the statement; returns how many rows it changed."""
        count: int = self._run(db, params)[1].rowcount
        return count

    def all(self, db: Db, params: Mapping[str, Any]) -> list[RowT]:
        compiled, cursor = self._run(db, params)
        rows = cursor.fetchall()
        make, results = compiled.row, compiled.results
        assert make is not None, "this statement returns no rows"
        if results is None:
            dialect = _driver(db)[0]
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

    def first(self, db: Db, params: Mapping[str, Any]) -> RowT | None:
        rows = self.all(db, params)
        return rows[0] if rows else None

    def scalar(self, db: Db, params: Mapping[str, Any]) -> Any:
        row = self.first(db, params)
        return None if row is None else row[0]

    def scalars(self, db: Db, params: Mapping[str, Any]) -> list[Any]:
        return [row[0] for row in self.all(db, params)]


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
