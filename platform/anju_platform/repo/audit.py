"""The audit log: who read personal data or changed state, when, and which record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from anju_platform.access import Location, Principal


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


def log(
    conn: psycopg.Connection,
    who: Principal,
    action: str,
    target_type: str,
    target_id: str | None,
    where: list[Location] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """`record` for the signed-in user; the estate is the first of the record's places."""
    estate = where[0].estate_id if where else None
    record(conn, who.user_id, who.role.value, action, target_type, target_id, estate, detail)


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
