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

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
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
        self._together: list[str] | None = None  # the statements of an open pipeline
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
                dbapi_connection.pipeline = self._watched(dbapi_connection.pipeline)
            else:
                dbapi_connection.set_trace_callback(self.note)

        event.listen(engine, "connect", watch)
        if postgres:
            event.listen(engine, "commit", lambda _conn: self.note("COMMIT"))
            event.listen(engine, "rollback", lambda _conn: self.note("ROLLBACK"))
        engine.dispose()

    def note(self, statement: str) -> None:
        text = " ".join(statement.split())
        if self._together is not None:
            self._together.append(text)
        elif self._seen is not None:
            self._seen.append(text)

    def _watched(
        self, pipeline: Callable[[], AbstractContextManager[Any]]
    ) -> Callable[[], AbstractContextManager[Any]]:
        @contextmanager
        def watched() -> Iterator[Any]:
            outer, self._together = self._together, []
            try:
                with pipeline() as entered:
                    yield entered
            finally:
                together, self._together = self._together, outer
                if together:
                    self.note(" ⇉ ".join(together))

        return watched

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        """The statements sent inside the block, in order."""
        self._seen = seen = []
        try:
            yield seen
        finally:
            self._seen = None
