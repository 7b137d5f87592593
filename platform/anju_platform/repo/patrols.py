"""SQL of patrols: checkpoints, scans, and copying gateway QR scans into patrol_scans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from pydantic import BaseModel


class CheckpointRow(BaseModel):
    """A patrol checkpoint (api/patrols.py CheckpointOut is this model)."""

    checkpoint_id: str
    estate_id: str
    building_id: str | None
    grid_id: str | None
    name: str
    ended_on: date | None


@dataclass(frozen=True, slots=True)
class ScanRow:
    """A patrol scan as recorded."""

    scan_id: int
    checkpoint_id: str
    estate_id: str
    user_id: str | None
    scanned_at: datetime


_CP = (
    "SELECT c.checkpoint_id, c.estate_id, c.building_id, c.grid_id, c.name, c.ended_on"
    " FROM checkpoints c"
)


def get_checkpoint(conn: psycopg.Connection, checkpoint_id: str) -> CheckpointRow | None:
    with conn.cursor(row_factory=class_row(CheckpointRow)) as cur:
        return cur.execute(_CP + " WHERE c.checkpoint_id = %s", (checkpoint_id,)).fetchone()


def list_checkpoints(conn: psycopg.Connection, estate_id: str) -> list[CheckpointRow]:
    with conn.cursor(row_factory=class_row(CheckpointRow)) as cur:
        return cur.execute(
            _CP + " WHERE c.estate_id = %s ORDER BY c.checkpoint_id", (estate_id,)
        ).fetchall()


def insert_checkpoint(conn: psycopg.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO checkpoints (checkpoint_id, estate_id, building_id, grid_id, name, ended_on)"
        " VALUES (%(checkpoint_id)s, %(estate_id)s, %(building_id)s, %(grid_id)s, %(name)s,"
        " %(ended_on)s)",
        row,
    )


def estate_of(conn: psycopg.Connection, table: str, key: str, value: str) -> str | None:
    """The estate of a building or grid (checks that a checkpoint's places agree)."""
    assert table in ("buildings", "grids") and key in ("building_id", "grid_id")
    row = conn.execute(f"SELECT estate_id FROM {table} WHERE {key} = %s", (value,)).fetchone()
    return None if row is None else str(row[0])


def estate_name(conn: psycopg.Connection, estate_id: str) -> str:
    row = conn.execute("SELECT name FROM estates WHERE estate_id = %s", (estate_id,)).fetchone()
    return str(row[0]) if row else estate_id


def add_scan(conn: psycopg.Connection, checkpoint_id: str, estate_id: str, user_id: str) -> ScanRow:
    with conn.cursor(row_factory=class_row(ScanRow)) as cur:
        row = cur.execute(
            "INSERT INTO patrol_scans (checkpoint_id, estate_id, user_id, scanned_at)"
            " VALUES (%s, %s, %s, now())"
            " RETURNING scan_id, checkpoint_id, estate_id, user_id, scanned_at",
            (checkpoint_id, estate_id, user_id),
        ).fetchone()
    assert row is not None
    return row


def scans(
    conn: psycopg.Connection, estate_id: str, start: datetime, end: datetime
) -> list[tuple[str, datetime]]:
    rows = conn.execute(
        "SELECT checkpoint_id, scanned_at FROM patrol_scans"
        " WHERE estate_id = %s AND scanned_at >= %s AND scanned_at < %s",
        (estate_id, start, end),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


MARK = "patrols:events"  # detect_state scope: received_at of the last QR event looked at
OVERLAP_S = 60  # rows commit out of received_at order; look back a little each time


def copy_gateway_scans(conn: psycopg.Connection, first_lookback_h: float = 48.0) -> int:
    """Valid gateway scans of a known checkpoint (same estate) become patrol scans, once
    each (unique event_id). Reads events by arrival from a watermark; returns rows added."""
    with conn.transaction():
        row = conn.execute("SELECT mark FROM detect_state WHERE scope = %s", (MARK,)).fetchone()
        since = conn.execute(
            "SELECT COALESCE(%s::timestamptz - %s * interval '1 second',"
            " now() - %s * interval '1 hour')",
            (row[0] if row else None, OVERLAP_S, first_lookback_h),
        ).fetchone()
        assert since is not None
        got = conn.execute(
            "WITH q AS (SELECT e.event_id, e.time, e.estate_id, e.received_at,"
            "   e.payload->>'checkpoint_id' AS checkpoint_id FROM events e"
            "   WHERE e.received_at >= %s AND e.kind = 'qr'"
            "   AND e.payload->>'purpose' = 'patrol_checkpoint'"
            "   AND e.payload->>'result' = 'valid'),"
            " ins AS (INSERT INTO patrol_scans (checkpoint_id, estate_id, user_id, event_id,"
            "   scanned_at) SELECT q.checkpoint_id, q.estate_id, NULL, q.event_id, q.time"
            "   FROM q JOIN checkpoints c ON c.checkpoint_id = q.checkpoint_id"
            "   AND c.estate_id = q.estate_id"
            "   ON CONFLICT (event_id) DO NOTHING RETURNING 1)"
            " SELECT (SELECT count(*) FROM ins), (SELECT max(received_at) FROM q)",
            (since[0],),
        ).fetchone()
        assert got is not None
        if got[1] is not None:
            conn.execute(
                "INSERT INTO detect_state (scope, mark) VALUES (%s, %s) ON CONFLICT (scope)"
                " DO UPDATE SET mark = GREATEST(detect_state.mark, EXCLUDED.mark),"
                " updated_at = now()",
                (MARK, got[1]),
            )
        return int(got[0])


def patrol_job(conn: psycopg.Connection, settings: object) -> int:
    """Job entry (anju_platform.jobs): copy new gateway patrol scans."""
    return copy_gateway_scans(conn)
