"""SQL of webhooks: the receivers, fan-out of the notifications outbox into deliveries,
claiming due deliveries, and the attempt log."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

Row = dict[str, Any]

_COLS = (
    "w.webhook_id, w.name, w.estate_id, w.url, w.format, w.kinds, w.active, w.created_at,"
    " w.created_by, (w.secret IS NOT NULL AND w.secret <> '') AS has_secret"
)


def list_webhooks(conn: psycopg.Connection, estates: list[str] | None) -> list[Row]:
    """All webhooks (estates None) or those of the given estates (not the global ones)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT {_COLS} FROM webhooks w"
            " WHERE %(e)s::text[] IS NULL OR w.estate_id = ANY(%(e)s::text[])"
            " ORDER BY w.webhook_id",
            {"e": estates},
        ).fetchall()


def get_webhook(conn: psycopg.Connection, webhook_id: int) -> Row | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT {_COLS}, w.secret FROM webhooks w WHERE w.webhook_id = %s", (webhook_id,)
        ).fetchone()


def create_webhook(conn: psycopg.Connection, values: dict[str, Any]) -> int:
    """New receivers start after the newest notification: history is not replayed."""
    row = conn.execute(
        "INSERT INTO webhooks (name, estate_id, url, format, secret, kinds, active, created_by,"
        " start_after) VALUES (%(name)s, %(estate_id)s, %(url)s, %(format)s, %(secret)s,"
        " %(kinds)s, %(active)s, %(created_by)s,"
        " (SELECT COALESCE(max(notification_id), 0) FROM notifications))"
        " RETURNING webhook_id",
        values,
    ).fetchone()
    assert row is not None
    return int(row[0])


_UPDATABLE = ("name", "url", "format", "secret", "kinds", "active")


def update_webhook(conn: psycopg.Connection, webhook_id: int, changes: dict[str, Any]) -> None:
    sets = [f"{c} = %({c})s" for c in _UPDATABLE if c in changes]
    if changes.get("active") is True:  # re-activated: from now on, not the backlog
        sets.append(
            "start_after = CASE WHEN active THEN start_after ELSE"
            " (SELECT COALESCE(max(notification_id), 0) FROM notifications) END"
        )
    if not sets:
        return
    conn.execute(
        f"UPDATE webhooks SET {', '.join(sets)} WHERE webhook_id = %(id)s",
        {**changes, "id": webhook_id},
    )


def delete_webhook(conn: psycopg.Connection, webhook_id: int) -> None:
    conn.execute("DELETE FROM webhooks WHERE webhook_id = %s", (webhook_id,))


def list_deliveries(
    conn: psycopg.Connection, webhook_id: int, limit: int, status: str | None
) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT d.delivery_id, d.notification_id, n.kind, d.status, d.attempts, d.next_at,"
            " d.last_status, d.last_error, d.created_at, d.delivered_at,"
            " COALESCE((SELECT jsonb_agg(jsonb_build_object('attempt', a.attempt, 'at', a.at,"
            "   'status_code', a.status_code, 'error', a.error, 'duration_ms', a.duration_ms)"
            "   ORDER BY a.attempt) FROM webhook_attempts a"
            "   WHERE a.delivery_id = d.delivery_id), '[]'::jsonb) AS attempt_log"
            " FROM webhook_deliveries d JOIN notifications n USING (notification_id)"
            " WHERE d.webhook_id = %(w)s AND (%(s)s::text IS NULL OR d.status = %(s)s)"
            " ORDER BY d.delivery_id DESC LIMIT %(l)s",
            {"w": webhook_id, "s": status, "l": limit},
        ).fetchall()


def fan_out(conn: psycopg.Connection, settle_s: float) -> int:
    """One delivery per active webhook and matching notification after its cursor
    (`start_after`); idempotent, unique per webhook and notification. In the same
    statement (same snapshot) the cursor moves up to the newest notification older than
    `settle_s`: one written by a transaction that commits a little late is still ahead of
    the cursor when it becomes visible. Notifications written while the platform was down
    are delivered when it is back."""
    row = conn.execute(
        "WITH ins AS ("
        " INSERT INTO webhook_deliveries (webhook_id, notification_id)"
        " SELECT w.webhook_id, n.notification_id FROM webhooks w"
        " JOIN notifications n ON n.notification_id > w.start_after"
        "  AND (w.estate_id IS NULL OR w.estate_id = n.estate_id)"
        "  AND (cardinality(w.kinds) = 0 OR n.kind = ANY(w.kinds))"
        " WHERE w.active ORDER BY n.notification_id"
        " ON CONFLICT (webhook_id, notification_id) DO NOTHING RETURNING 1),"
        " settled AS (SELECT max(notification_id) AS id FROM notifications"
        "  WHERE at < now() - make_interval(secs => %s)),"
        " moved AS (UPDATE webhooks w SET start_after = settled.id FROM settled"
        "  WHERE w.active AND settled.id > w.start_after RETURNING 1)"
        " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM moved)",
        (settle_s,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def claim_due(conn: psycopg.Connection, limit: int, lease_s: float) -> list[Row]:
    """Take due deliveries by moving their next_at past the lease, so another worker
    (or the next tick) does not send them twice; a crash mid-send retries after it."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "WITH due AS (SELECT delivery_id FROM webhook_deliveries"
            "   WHERE status = 'pending' AND next_at <= now()"
            "   ORDER BY next_at, delivery_id LIMIT %(l)s FOR UPDATE SKIP LOCKED)"
            " UPDATE webhook_deliveries d SET next_at = now() + make_interval(secs => %(lease)s)"
            " FROM due, webhooks w, notifications n LEFT JOIN estates e USING (estate_id)"
            " WHERE d.delivery_id = due.delivery_id AND w.webhook_id = d.webhook_id"
            "  AND n.notification_id = d.notification_id"
            " RETURNING d.delivery_id, d.attempts, w.webhook_id, w.url, w.format, w.secret,"
            "  n.notification_id, n.at, n.kind, n.estate_id, n.grid_id, n.body,"
            "  e.name AS estate_name",
            {"l": limit, "lease": lease_s},
        ).fetchall()


def record_attempt(
    conn: psycopg.Connection,
    delivery_id: int,
    attempt: int,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    new_status: str,
    retry_in_s: float | None,
) -> None:
    with conn.transaction():
        conn.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)"
            " VALUES (%s, %s, %s, %s, %s)",
            (delivery_id, attempt, status_code, error, duration_ms),
        )
        conn.execute(
            "UPDATE webhook_deliveries SET attempts = %(a)s, status = %(s)s,"
            " last_status = %(code)s, last_error = %(err)s,"
            " next_at = CASE WHEN %(retry)s::float8 IS NULL THEN next_at"
            "   ELSE now() + make_interval(secs => %(retry)s::float8) END,"
            " delivered_at = CASE WHEN %(s)s = 'delivered' THEN now() END"
            " WHERE delivery_id = %(id)s",
            {
                "a": attempt,
                "s": new_status,
                "code": status_code,
                "err": error,
                "retry": retry_in_s,
                "id": delivery_id,
            },
        )


def estate_name(conn: psycopg.Connection, estate_id: str | None) -> str | None:
    if estate_id is None:
        return None
    row = conn.execute("SELECT name FROM estates WHERE estate_id = %s", (estate_id,)).fetchone()
    return None if row is None else str(row[0])
