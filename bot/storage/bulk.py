"""Statements for fan-outs of thousands of rows, fast on both databases.

On PostgreSQL a list travels as one array parameter (`= ANY(:ids)`, `unnest(...)`), so a
batch of a thousand rows is one short statement that SQLAlchemy compiles once and psycopg
sends in binary; rendering a thousand placeholders costs more than running the query. On
SQLite, `IN (...)` and executemany run inside the driver and are already fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, any_, bindparam, literal, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among(column: Any, values: Sequence[Any], postgres: bool) -> ColumnElement[bool]:
    """`column IN values`, as one array parameter on PostgreSQL."""
    if postgres:
        return column == any_(literal(list(values), ARRAY(column.type)))
    return column.in_(values)


def update_many(
    session: Session, table: Table, key: str, columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    """Set `columns` on the rows whose `key` is each tuple's first item."""
    if not rows:
        return
    if is_postgres(session):
        _update_unnest(session, table, key, columns, rows)
        return
    statement = (
        update(table)
        .where(table.c[key] == bindparam("_key", type_=table.c[key].type))
        .values({c: bindparam(c, type_=table.c[c].type) for c in columns})
    )
    params = [{"_key": r[0], **dict(zip(columns, r[1:], strict=True))} for r in rows]
    session.execute(statement, params)


def _update_unnest(
    session: Session, table: Table, key: str, columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    dialect = session.get_bind().dialect
    names = [key, *columns]
    arrays = ", ".join(f"CAST(:{n} AS {_sql_type(table.c[n], dialect)}[])" for n in names)
    assignments = ", ".join(f"{c} = m.{c}" for c in columns)
    sql = (
        f"UPDATE {table.name} SET {assignments} "
        f"FROM unnest({arrays}) AS m({', '.join(names)}) "
        f"WHERE {table.name}.{key} = m.{key}"
    )
    session.execute(text(sql), {n: [r[i] for r in rows] for i, n in enumerate(names)})


def _sql_type(column: Column, dialect: Any) -> str:
    return column.type.compile(dialect=dialect)
