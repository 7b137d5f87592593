"""Put a generated register straight into PostgreSQL (tests, the demo): one COPY per
table, in foreign-key order. Column names are the dataclass field names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import astuple, fields
from datetime import datetime
from typing import TYPE_CHECKING

from anju_sim.model import REGISTER_TABLES, Portfolio, Register

if TYPE_CHECKING:
    import psycopg


def load_register(conn: psycopg.Connection, portfolio: Portfolio | Register) -> dict[str, int]:
    """Insert every register row; returns rows per table. Commits."""
    reg = portfolio.register if isinstance(portfolio, Portfolio) else portfolio
    counts: dict[str, int] = {}
    with conn.cursor() as cur:
        for name, row_type in REGISTER_TABLES.items():
            cols = ", ".join(f.name for f in fields(row_type))
            rows = reg.table(name)
            with cur.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(astuple(row))  # type: ignore[call-overload]
            counts[name] = len(rows)
    conn.commit()
    return counts


EXPORT_SQL = """
SELECT payload::text FROM events
WHERE (%(estate)s::text IS NULL OR estate_id = %(estate)s)
  AND (%(since)s::timestamptz IS NULL OR time >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR time < %(until)s)
  AND kind IN ('access', 'face', 'qr')
ORDER BY time, event_id
"""


def iter_stored_events(
    conn: psycopg.Connection,
    estate: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[bytes]:
    """Stored events as wire bytes (re-serialized: jsonb does not keep key order)."""
    from anju_common.events import dump_event, parse_event

    with conn.cursor(name="anju_export") as cur:
        cur.itersize = 5000
        cur.execute(EXPORT_SQL, {"estate": estate, "since": since, "until": until})
        for (payload,) in cur:
            yield dump_event(parse_event(payload))
