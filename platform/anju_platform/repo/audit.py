"""The audit log: who read personal data or changed state, when, and which record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb


def record(
    conn: psycopg.Connection,
    actor_id: str,
    actor_role: str,
    action: str,
    target_type: str,
    target_id: str | None,
    estate_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log"
        " (actor_id, actor_role, action, target_type, target_id, estate_id, detail)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            actor_id,
            actor_role,
            action,
            target_type,
            target_id,
            estate_id,
            Jsonb(detail) if detail else None,
        ),
    )


def search(
    conn: psycopg.Connection,
    *,
    actor_id: str | None,
    target_type: str | None,
    target_id: str | None,
    action: str | None,
    since: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT * FROM audit_log WHERE (%(a)s::text IS NULL OR actor_id = %(a)s)"
            " AND (%(tt)s::text IS NULL OR target_type = %(tt)s)"
            " AND (%(ti)s::text IS NULL OR target_id = %(ti)s)"
            " AND (%(ac)s::text IS NULL OR action = %(ac)s)"
            " AND (%(s)s::timestamptz IS NULL OR at >= %(s)s)"
            " ORDER BY audit_id DESC LIMIT %(n)s",
            {
                "a": actor_id,
                "tt": target_type,
                "ti": target_id,
                "ac": action,
                "s": since,
                "n": limit,
            },
        ).fetchall()
