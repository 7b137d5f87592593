"""The notifications outbox: what people are told about. The console's live stream
reads it, the webhook job fans it out. Written in the same transaction as the change."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def notify(
    conn: psycopg.Connection,
    kind: str,
    estate_id: str | None,
    grid_id: str | None,
    body: dict[str, Any],
) -> int:
    """Queue one notification (e.g. kind 'case.confirmed'); returns its id."""
    row = conn.execute(
        "INSERT INTO notifications (kind, estate_id, grid_id, body) VALUES (%s, %s, %s, %s)"
        " RETURNING notification_id",
        (kind, estate_id, grid_id, Jsonb(body)),
    ).fetchone()
    assert row is not None
    conn.execute("SELECT pg_notify('anju_notifications', %s)", (str(row[0]),))
    return int(row[0])


def prune(conn: psycopg.Connection, days: int) -> int:
    """Delete notifications older than `days` (their deliveries and attempts cascade),
    keeping any a webhook still waits to receive; returns how many went."""
    cur = conn.execute(
        "DELETE FROM notifications n WHERE n.at < now() - make_interval(days => %s)"
        " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
        " WHERE d.notification_id = n.notification_id AND d.status = 'pending')",
        (days,),
    )
    return cur.rowcount
