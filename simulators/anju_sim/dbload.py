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


# The columns event_from_stored needs, the payload, and the face data still kept.
EXPORT_SQL = """
SELECT e.time, e.event_id, e.kind, e.estate_id, e.gateway_id, e.device_id, e.door_id,
       e.direction, e.credential_type, e.credential_ref, e.person_id, e.granted,
       e.payload, f.embedding, f.snapshot_ref
FROM events e
LEFT JOIN event_faces f ON f.event_id = e.event_id AND f.time = e.time AND e.kind = 'face'
WHERE (%(estate)s::text IS NULL OR e.estate_id = %(estate)s)
  AND (%(since)s::timestamptz IS NULL OR e.time >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR e.time < %(until)s)
  AND e.kind IN ('access', 'face', 'qr')
ORDER BY e.time, e.event_id
"""


def iter_stored_events(
    conn: psycopg.Connection,
    estate: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[bytes]:
    """Stored events as wire bytes, rebuilt from their columns, payload and face data
    (anju_common.events.event_from_stored); re-serialized, so key order and the UTC
    offset of times may differ from what the gateway sent, and an embedding comes back
    at float32 precision."""
    from psycopg.rows import dict_row

    from anju_common.events import dump_event, event_from_stored

    with conn.cursor(name="anju_export", row_factory=dict_row) as cur:
        cur.itersize = 5000
        cur.execute(EXPORT_SQL, {"estate": estate, "since": since, "until": until})
        for row in cur:
            yield dump_event(event_from_stored(row, row["payload"], row))
