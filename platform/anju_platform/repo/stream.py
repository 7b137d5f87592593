"""SQL of the live stream: notifications after an id, new event rows by received_at
(only columns without personal data), gateway states of an estate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

Row = dict[str, Any]


def now(conn: psycopg.Connection) -> datetime:
    row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    return row[0]


def last_notification_id(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT COALESCE(max(notification_id), 0) FROM notifications").fetchone()
    assert row is not None
    return int(row[0])


def notifications_after(
    conn: psycopg.Connection, estate_id: str, grids: list[str] | None, after: int, limit: int
) -> list[Row]:
    """Inspectors (grids given) get their grids' rows and those tied to no grid."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT notification_id, at, kind, estate_id, grid_id, body FROM notifications"
            " WHERE estate_id = %(e)s AND notification_id > %(after)s"
            "  AND (%(g)s::text[] IS NULL OR grid_id IS NULL OR grid_id = ANY(%(g)s::text[]))"
            " ORDER BY notification_id LIMIT %(l)s",
            {"e": estate_id, "after": after, "g": grids, "l": limit},
        ).fetchall()


def events_since(
    conn: psycopg.Connection, estate_id: str, since: datetime, limit: int
) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT event_id, kind, time, received_at, gateway_id, device_id, door_id,"
            " direction, credential_type, granted, payload->>'reason' AS deny_reason,"
            " person_id IS NOT NULL AS matched, payload->>'purpose' AS purpose,"
            " payload->>'result' AS result"
            " FROM events WHERE received_at > %(s)s AND estate_id = %(e)s"
            " AND kind IN ('access', 'face', 'qr')"
            " ORDER BY received_at LIMIT %(l)s",
            {"s": since, "e": estate_id, "l": limit},
        ).fetchall()


def gateway_states(conn: psycopg.Connection, estate_id: str) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT gateway_id, state, version, state_time, heartbeat_time, queue_depth,"
            " dropped, devices, updated_at FROM gateway_state WHERE estate_id = %s"
            " ORDER BY gateway_id",
            (estate_id,),
        ).fetchall()
