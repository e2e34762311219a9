"""Every statement an engine sends to its database, one entry per round trip.

The hot path's `Prepared` statements run on the driver's own connection, past SQLAlchemy's
execute events, so the statements are seen at the driver: on PostgreSQL a psycopg cursor
class (`cursor_factory`, which SQLAlchemy's cursors and `Connection.execute` both use), with
the BEGIN psycopg sends before a transaction's first statement and the COMMIT or ROLLBACK
that ends it; on SQLite the driver's own trace callback, which sees everything. Round trips
sent together in a psycopg pipeline are counted as they are sent: one each (a pipeline
hides the wait, not the statement).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import Cursor
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, event


class StatementLog:
    """Records the statements of `engine` while `recording()` is open. Connections opened
    before it was made are closed (the pool's), so that every one it uses is watched."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._seen: list[str] | None = None
        postgres = engine.dialect.name == "postgresql"
        log = self

        class Counted(Cursor[Any]):
            def execute(self, query: Any, params: Any = None, **kw: Any) -> Any:
                if not self.connection.autocommit and (
                    self.connection.info.transaction_status is TransactionStatus.IDLE
                ):
                    log.note("BEGIN")
                log.note(query if isinstance(query, str) else str(query))
                return super().execute(query, params, **kw)

        def watch(dbapi_connection: Any, _record: Any) -> None:
            if postgres:
                dbapi_connection.cursor_factory = Counted
            else:
                dbapi_connection.set_trace_callback(self.note)

        event.listen(engine, "connect", watch)
        if postgres:
            event.listen(engine, "commit", lambda conn: self._ends(conn, "COMMIT"))
            event.listen(engine, "rollback", lambda conn: self._ends(conn, "ROLLBACK"))
        engine.dispose()

    def note(self, statement: str) -> None:
        if self._seen is not None:
            self._seen.append(" ".join(statement.split()))

    def _ends(self, connection: Any, command: str) -> None:
        """A COMMIT or ROLLBACK goes to the server only when a transaction is open."""
        driver = connection.connection.driver_connection
        if driver.info.transaction_status is not TransactionStatus.IDLE:
            self.note(command)

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        """The statements sent inside the block, in order."""
        self._seen = seen = []
        try:
            yield seen
        finally:
            self._seen = None
