"""Generic row SQL over a `Table`: fetch, locate (estate/grid), list within scope,
insert, update, upsert. Identifiers come from the Table specs, never from requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar, overload

import psycopg
from psycopg import sql
from psycopg.rows import class_row, dict_row

from anju_platform.access import Location
from anju_platform.repo.tables import Table

Row = dict[str, Any]
R = TypeVar("R")
Outcome = Literal["created", "updated", "unchanged"]


def _key_where(table: Table) -> sql.Composed:
    return sql.SQL(" AND ").join(sql.SQL("t.{} = %s").format(sql.Identifier(k)) for k in table.key)


def dicts(conn: psycopg.Connection, query: str, params: Any) -> list[Row]:
    """The rows of a query as dicts (reads that are not one register table)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return list(cur.execute(query, params))


def records(conn: psycopg.Connection, record: type[R], query: str, params: Any) -> list[R]:
    """The rows of a query as `record`s (a dataclass or model of the SELECT's columns:
    a column it lacks is an error here, not a dict key that travels on)."""
    with conn.cursor(row_factory=class_row(record)) as cur:
        return list(cur.execute(query, params))


@overload
def fetch(conn: psycopg.Connection, table: Table, key: Sequence[Any]) -> Row | None: ...
@overload
def fetch(
    conn: psycopg.Connection, table: Table, key: Sequence[Any], record: type[R]
) -> R | None: ...
def fetch(
    conn: psycopg.Connection, table: Table, key: Sequence[Any], record: type[Any] | None = None
) -> Any:
    """The row with `key` as a `record` (the register's model of the table: its Out
    model, columns it does not name ignored), or as a dict without one."""
    q = sql.SQL("SELECT t.* FROM {} t WHERE {}").format(
        sql.Identifier(table.name), _key_where(table)
    )
    with conn.cursor(row_factory=_factory(record)) as cur:
        return cur.execute(q, list(key)).fetchone()


def _factory(record: type[Any] | None) -> Any:
    return dict_row if record is None else class_row(record)


def locate(conn: psycopg.Connection, table: Table, key: Sequence[Any]) -> list[Location] | None:
    """Where the row lives (several places for a person), or None if there is no row."""
    q = sql.SQL(
        "SELECT true, s.* FROM {} t LEFT JOIN LATERAL ({}) s(estate_id, grid_id) ON true WHERE {}"
    ).format(sql.Identifier(table.name), sql.SQL(table.scope), _key_where(table))
    rows = conn.execute(q, list(key)).fetchall()
    if not rows:
        return None
    return [Location(r[1], r[2]) for r in rows if r[1] is not None]


def list_rows(
    conn: psycopg.Connection,
    table: Table,
    estate_id: str,
    grids: list[str] | None,
    limit: int,
    offset: int,
    record: type[R],
) -> list[R]:
    """Rows located in `estate_id` (and in `grids` when given)."""
    where = sql.SQL(
        "EXISTS (SELECT 1 FROM ({}) s(estate_id, grid_id) WHERE s.estate_id = %(estate)s"
        " AND (%(grids)s::text[] IS NULL OR s.grid_id = ANY(%(grids)s::text[])))"
    ).format(sql.SQL(table.scope))
    params: dict[str, Any] = {"estate": estate_id, "grids": grids, "limit": limit, "offset": offset}
    q = sql.SQL(
        "SELECT t.* FROM {} t WHERE {} ORDER BY {} LIMIT %(limit)s OFFSET %(offset)s"
    ).format(
        sql.Identifier(table.name),
        where,
        sql.SQL(table.order_by),
    )
    with conn.cursor(row_factory=class_row(record)) as cur:
        return cur.execute(q, params).fetchall()


def list_estates(
    conn: psycopg.Connection, estate_ids: list[str] | None, record: type[R]
) -> list[R]:
    with conn.cursor(row_factory=class_row(record)) as cur:
        return cur.execute(
            "SELECT * FROM estates"
            " WHERE %(ids)s::text[] IS NULL OR estate_id = ANY(%(ids)s::text[])"
            " ORDER BY estate_id",
            {"ids": estate_ids},
        ).fetchall()


def written(table: Table, row: Mapping[str, Any]) -> list[str]:
    """The columns a row writes, in the table's order. A key that is not a column is a
    programming error (a model field the table forgot): raised, never silently dropped."""
    unknown = sorted(set(row) - set(table.columns))
    if unknown:
        raise KeyError(f"{table.name} has no writable column {', '.join(unknown)}")
    return [c for c in table.columns if c in row]


@overload
def insert(conn: psycopg.Connection, table: Table, row: Mapping[str, Any]) -> Row: ...
@overload
def insert(
    conn: psycopg.Connection, table: Table, row: Mapping[str, Any], record: type[R]
) -> R: ...
def insert(
    conn: psycopg.Connection, table: Table, row: Mapping[str, Any], record: type[Any] | None = None
) -> Any:
    """The new row as a `record` (as a dict without one)."""
    cols = written(table, row)
    q = sql.SQL("INSERT INTO {} AS t ({}) VALUES ({}) RETURNING t.*").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, cols)),
        sql.SQL(", ").join(sql.Placeholder(c) for c in cols),
    )
    with conn.cursor(row_factory=_factory(record)) as cur:
        out = cur.execute(q, dict(row)).fetchone()
    assert out is not None
    return out


def update(
    conn: psycopg.Connection,
    table: Table,
    key: Sequence[Any],
    changes: Mapping[str, Any],
    record: type[R],
) -> R | None:
    if not changes:
        return fetch(conn, table, key, record)
    q = sql.SQL("UPDATE {} AS t SET {} WHERE {} RETURNING t.*").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in changes),
        _key_where(table),
    )
    with conn.cursor(row_factory=class_row(record)) as cur:
        return cur.execute(q, [*changes.values(), *key]).fetchone()


def _upsert_sql(table: Table, cols: list[str]) -> sql.Composed:
    """INSERT .. ON CONFLICT DO UPDATE only when something differs, RETURNING (xmax = 0):
    true for a new row, false for an updated one, no row when unchanged."""
    rest = [c for c in cols if c not in table.key]
    head = sql.SQL("INSERT INTO {} AS t ({}) VALUES ({}) ON CONFLICT ({}) ").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, cols)),
        sql.SQL(", ").join(sql.Placeholder(c) for c in cols),
        sql.SQL(", ").join(map(sql.Identifier, table.key)),
    )
    if not rest:  # nothing besides the key
        return head + sql.SQL("DO NOTHING RETURNING true")
    return head + sql.SQL(
        "DO UPDATE SET {sets} WHERE ({old}) IS DISTINCT FROM ({new}) RETURNING (xmax = 0)"
    ).format(
        sets=sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in rest
        ),
        old=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in rest),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in rest),
    )


def _outcome(got: tuple[Any, ...] | None) -> Outcome:
    if got is None:
        return "unchanged"
    return "created" if got[0] else "updated"


def upsert(conn: psycopg.Connection, table: Table, row: Mapping[str, Any]) -> Outcome:
    """Insert or update by key; 'unchanged' when every written column already matches."""
    cols = written(table, row)
    return _outcome(conn.execute(_upsert_sql(table, cols), dict(row)).fetchone())


def upsert_many(
    conn: psycopg.Connection, table: Table, batch: Sequence[Mapping[str, Any]]
) -> list[Outcome]:
    """`upsert` for rows with the same columns, pipelined (one round trip per batch)."""
    if not batch:
        return []
    cols = written(table, batch[0])
    out: list[Outcome] = []
    with conn.cursor() as cur:
        cur.executemany(_upsert_sql(table, cols), [dict(r) for r in batch], returning=True)
        while True:
            out.append(_outcome(cur.fetchone()))
            if not cur.nextset():
                break
    return out


def delete(conn: psycopg.Connection, table: Table, key: Sequence[Any]) -> Row | None:
    q = sql.SQL("DELETE FROM {} AS t WHERE {} RETURNING t.*").format(
        sql.Identifier(table.name), _key_where(table)
    )
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(q, list(key)).fetchone()


def children(
    conn: psycopg.Connection, table: Table, column: str, value: Any, record: type[R]
) -> list[R]:
    q = sql.SQL("SELECT t.* FROM {} t WHERE t.{} = %s ORDER BY {}").format(
        sql.Identifier(table.name),
        sql.Identifier(column),
        sql.SQL(table.order_by),
    )
    with conn.cursor(row_factory=class_row(record)) as cur:
        return cur.execute(q, (value,)).fetchall()


def analyze(conn: psycopg.Connection, tables: Sequence[Table]) -> None:
    for name in sorted({t.name for t in tables}):
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)))
