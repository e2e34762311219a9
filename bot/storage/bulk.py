"""Statements for fan-outs of thousands of rows, fast on both databases.

On PostgreSQL a list travels as one array parameter (`= ANY(:ids)`, `unnest(...)`), so a
batch of a thousand rows is one short statement that SQLAlchemy compiles once and psycopg
sends in binary (bot/storage/db.py registers the binary form for lists); rendering a
thousand placeholders costs more than running the query. On SQLite, `IN (...)` and
executemany run inside the driver and are already fast. Inserts of many rows go as one
JSON document on both (`insert_many`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Dialect,
    Table,
    any_,
    bindparam,
    literal,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from bot.storage.prepared import Db, Prepared, dialect_of


def is_postgres(db: Db) -> bool:
    return dialect_of(db).name == "postgresql"


def among(column: Any, values: Sequence[Any], postgres: bool) -> ColumnElement[bool]:
    """`column IN values`, as one array parameter on PostgreSQL."""
    found: ColumnElement[bool] = (
        column == any_(literal(list(values), ARRAY(column.type)))
        if postgres
        else column.in_(values)
    )
    return found


def update_many(
    session: Session,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
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
    session.connection().execute(statement, params)


def _update_unnest(
    session: Session,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
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
    session.connection().execute(text(sql), {n: [r[i] for r in rows] for i, n in enumerate(names)})


def _sql_type(column: Column[Any], dialect: Dialect) -> str:
    return column.type.compile(dialect=dialect)


def insert_many(
    db: Db,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    shared: dict[str, Any] | None = None,
    on_conflict: tuple[Sequence[str], Sequence[str]] | None = None,
) -> int:
    """INSERT many rows in one statement; returns how many were added.

    The rows travel as one JSON document that the database unpacks itself (PostgreSQL's
    json_to_recordset, SQLite's json_each): one short statement and one parameter, where an
    executemany spends more time preparing each row's parameters than running it. So the
    rows' own values must be JSON-safe (str, int, float, bool, None; lists or dicts for JSON
    columns); `shared` holds the values that are the same on every row (timestamps), bound
    once with their column's type. All rows have the keys of the first.

    A row whose unique key exists already is skipped; with `on_conflict=(keys, changes)` it
    has its `changes` columns updated instead (the rows must then not repeat a key:
    PostgreSQL refuses to update one row twice in a statement).
    """
    if not rows:
        return 0
    shared = shared or {}
    keys, changes = on_conflict or ((), ())
    if len(rows) == 1:  # a log's memory: a plain INSERT costs less than unpacking JSON
        one = _insert_one(table, tuple(rows[0]), tuple(shared), tuple(keys), tuple(changes))
        return one.execute(db, rows[0] | shared)
    statement = _insert_from_json(
        table,
        tuple(rows[0]),
        tuple(shared),
        tuple(keys),
        tuple(changes),
        is_postgres(db),
    )
    return statement.execute(db, {"_rows": json.dumps(rows, ensure_ascii=False), **shared})


def upsert_many(
    db: Db,
    table: Table,
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
    *,
    changes: Sequence[str],
    shared: dict[str, Any] | None = None,
) -> None:
    """INSERT the rows, or on a clash of `keys` UPDATE their `changes` columns (see
    `insert_many`)."""
    insert_many(db, table, rows, shared=shared, on_conflict=(keys, changes))


def _on_conflict(keys: tuple[str, ...], changes: tuple[str, ...]) -> str:
    if not changes:
        return "ON CONFLICT DO NOTHING"
    updates = ", ".join(f"{c} = excluded.{c}" for c in changes)
    return f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"


@cache
def _insert_one(
    table: Table,
    columns: tuple[str, ...],
    shared: tuple[str, ...],
    keys: tuple[str, ...],
    changes: tuple[str, ...],
) -> Prepared[tuple[Any, ...]]:
    names = [*columns, *shared]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join(f':{c}' for c in names)}) {_on_conflict(keys, changes)}"
    )
    return Prepared(text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in names)))


@cache
def _insert_from_json(
    table: Table,
    columns: tuple[str, ...],
    shared: tuple[str, ...],
    keys: tuple[str, ...],
    changes: tuple[str, ...],
    postgres: bool,
) -> Prepared[tuple[Any, ...]]:
    if postgres:
        # SQLAlchemy leaves the dialects' __init__ unannotated.
        dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
        record = ", ".join(f"{c} {_sql_type(table.c[c], dialect)}" for c in columns)
        picked = [f"m.{c}" for c in columns]
        source = f"json_to_recordset(CAST(:_rows AS json)) AS m({record})"
    else:
        # json_extract gives a JSON column's list or dict as its JSON text, as stored
        picked = [f"json_extract(m.value, '$.{c}')" for c in columns]
        source = "json_each(:_rows) AS m WHERE true"  # WHERE: SQLite's upsert needs it
    values = ", ".join([*picked, *(f":{c}" for c in shared)])
    sql = (
        f"INSERT INTO {table.name} ({', '.join([*columns, *shared])}) "
        f"SELECT {values} FROM {source} {_on_conflict(keys, changes)}"
    )
    return Prepared(text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in shared)))
