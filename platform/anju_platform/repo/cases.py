"""All SQL of inspection cases: creating cases for opened alerts and cancelling those
whose alert closed (the job), listing and reading them, visits, photos, deductions,
decisions and suppressions. The rules (routing, due times, effects) are in
anju_platform.workflow.cases, the use cases in anju_platform.services.cases; callers hold
the transaction. What surrounds a case (household, place names, snapshots) is read in
repo/case_context.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import psycopg

from anju_platform.repo.case_rows import (
    CaseRow,
    DecisionRow,
    DeductionRow,
    NewAlert,
    PhotoRow,
    SuppressionRow,
    VisitRow,
)
from anju_platform.repo.rows import records
from anju_platform.workflow import cases as rules

_CASE_SELECT = (
    "SELECT c.case_id, c.alert_id, c.estate_id, c.grid_id, a.unit_id,"
    " coalesce(a.building_id, un.building_id) AS building_id, a.type, a.source,"
    " a.status AS alert_status, a.score, a.level, a.reason_zh, a.reason_en, c.status,"
    " c.assignee_id, us.name AS assignee_name, c.due_at, c.created_at, c.first_visit_at,"
    " c.closed_at, a.first_day, a.opened_at, v.visit_count, v.last_outcome, v.last_visit_at"
    " FROM cases c JOIN alerts a ON a.alert_id = c.alert_id"
    " LEFT JOIN LATERAL (SELECT count(*) AS visit_count,"
    "   (array_agg(outcome ORDER BY visited_at DESC, visit_id DESC))[1] AS last_outcome,"
    "   max(visited_at) AS last_visit_at FROM case_visits cv WHERE cv.case_id = c.case_id) v"
    "   ON true"
    " LEFT JOIN units un ON un.unit_id = a.unit_id"
    " LEFT JOIN users us ON us.user_id = c.assignee_id"
)


def _cases(conn: psycopg.Connection, query: str, params: Any) -> list[CaseRow]:
    return records(conn, CaseRow, query, params)


# --- the job ----------------------------------------------------------------------------


def alerts_without_case(conn: psycopg.Connection, limit: int = 500) -> list[NewAlert]:
    """Alerts that reached 'open' (or were acknowledged at once) and have no case yet.
    A welfare alert is a care task instead (services.care.sync), not an inspection."""
    return records(
        conn,
        NewAlert,
        "SELECT a.alert_id, a.estate_id, coalesce(a.grid_id, un.grid_id) AS grid_id, a.type,"
        " coalesce(a.opened_at, now()) AS opened_at FROM alerts a"
        " LEFT JOIN units un ON un.unit_id = a.unit_id"
        " WHERE a.status IN ('open', 'acknowledged') AND a.type <> 'elderly_not_seen'"
        " AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.alert_id = a.alert_id)"
        " ORDER BY a.alert_id LIMIT %s",
        (limit,),
    )


def grid_inspectors(conn: psycopg.Connection, grid_id: str | None) -> list[str]:
    if grid_id is None:
        return []
    rows = conn.execute(
        "SELECT s.user_id FROM user_scopes s JOIN users u USING (user_id)"
        " WHERE s.kind = 'grid' AND s.ref_id = %s AND u.active AND u.role = 'inspector'",
        (grid_id,),
    )
    return [r[0] for r in rows]


def insert_case(
    conn: psycopg.Connection,
    alert_id: int,
    estate_id: str,
    grid_id: str | None,
    assignee_id: str | None,
    due_at: datetime,
) -> int | None:
    """The new case id, or None when another worker created it first."""
    row = conn.execute(
        "INSERT INTO cases (alert_id, estate_id, grid_id, assignee_id, due_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (alert_id) DO NOTHING RETURNING case_id",
        (alert_id, estate_id, grid_id, assignee_id, due_at),
    ).fetchone()
    return None if row is None else int(row[0])


def cancel_closed(conn: psycopg.Connection) -> list[int]:
    """Open cases whose alert closed (or was dismissed) before anyone went."""
    rows = conn.execute(
        "UPDATE cases c SET status = 'cancelled', closed_at = now(), updated_at = now()"
        " FROM alerts a WHERE a.alert_id = c.alert_id AND c.status = 'open'"
        " AND a.status IN ('closed', 'dismissed') RETURNING c.case_id"
    )
    return [int(r[0]) for r in rows]


# --- reading ----------------------------------------------------------------------------


def list_cases(
    conn: psycopg.Connection,
    estate_id: str,
    grids: list[str] | None,
    filters: Mapping[str, Any],
    limit: int,
    offset: int,
) -> list[CaseRow]:
    q = (
        f"{_CASE_SELECT} WHERE c.estate_id = %(estate)s"
        " AND (%(grids)s::text[] IS NULL OR c.grid_id = ANY(%(grids)s::text[]))"
        " AND (%(grid)s::text IS NULL OR c.grid_id = %(grid)s)"
        " AND (%(assignee)s::text IS NULL OR c.assignee_id = %(assignee)s)"
        " AND (%(statuses)s::text[] IS NULL OR c.status = ANY(%(statuses)s::text[]))"
        " AND (NOT %(overdue)s OR (c.status = 'open' AND c.due_at < now()))"
        " ORDER BY c.due_at, c.case_id LIMIT %(limit)s OFFSET %(offset)s"
    )
    params = {"estate": estate_id, "grids": grids, "limit": limit, "offset": offset, **filters}
    return _cases(conn, q, params)


def my_cases(conn: psycopg.Connection, user_id: str) -> list[CaseRow]:
    return _cases(
        conn,
        f"{_CASE_SELECT} WHERE c.assignee_id = %s AND c.status = 'open'"
        " ORDER BY c.due_at, c.case_id",
        (user_id,),
    )


def get_case(conn: psycopg.Connection, case_id: int, lock: bool = False) -> CaseRow | None:
    rows = _cases(
        conn,
        f"{_CASE_SELECT} WHERE c.case_id = %s" + (" FOR UPDATE OF c" if lock else ""),
        (case_id,),
    )
    return rows[0] if rows else None


def visits(conn: psycopg.Connection, case_id: int) -> list[VisitRow]:
    return records(
        conn,
        VisitRow,
        "SELECT visit_id, inspector_id, visited_at, outcome, violation_type, reason, notes"
        " FROM case_visits WHERE case_id = %s ORDER BY visited_at, visit_id",
        (case_id,),
    )


_PHOTO_COLUMNS = "photo_id, visit_id, content_type, uploaded_by, uploaded_at, path, sha256"


def photos(conn: psycopg.Connection, case_id: int) -> list[PhotoRow]:
    return records(
        conn,
        PhotoRow,
        f"SELECT {_PHOTO_COLUMNS} FROM case_photos WHERE case_id = %s"
        " ORDER BY uploaded_at, photo_id",
        (case_id,),
    )


def get_photo(conn: psycopg.Connection, case_id: int, photo_id: str) -> PhotoRow | None:
    rows = records(
        conn,
        PhotoRow,
        f"SELECT {_PHOTO_COLUMNS} FROM case_photos WHERE case_id = %s AND photo_id = %s",
        (case_id, photo_id),
    )
    return rows[0] if rows else None


def deduction(conn: psycopg.Connection, case_id: int) -> DeductionRow | None:
    rows = records(
        conn,
        DeductionRow,
        "SELECT deduction_id, household_id, violation_type, points, status FROM deductions"
        " WHERE case_id = %s ORDER BY deduction_id DESC LIMIT 1",
        (case_id,),
    )
    return rows[0] if rows else None


def decision(conn: psycopg.Connection, case_id: int) -> DecisionRow | None:
    rows = records(
        conn,
        DecisionRow,
        "SELECT decision, note, decided_by, decided_at FROM case_decisions"
        " WHERE case_id = %s ORDER BY decision_id DESC LIMIT 1",
        (case_id,),
    )
    return rows[0] if rows else None


def suppressions(conn: psycopg.Connection, case_id: int) -> list[SuppressionRow]:
    return records(
        conn,
        SuppressionRow,
        "SELECT suppression_id, unit_id, type, valid_from, valid_to, reason FROM suppressions"
        " WHERE case_id = %s ORDER BY suppression_id",
        (case_id,),
    )


def user_for_assignment(
    conn: psycopg.Connection, user_id: str
) -> tuple[str, bool, list[str]] | None:
    """(role, active, grid ids) of a user, or None."""
    row = conn.execute("SELECT role, active FROM users WHERE user_id = %s", (user_id,)).fetchone()
    if row is None:
        return None
    grids = conn.execute(
        "SELECT ref_id FROM user_scopes WHERE user_id = %s AND kind = 'grid'", (user_id,)
    )
    return str(row[0]), bool(row[1]), [g[0] for g in grids]


# --- changes ----------------------------------------------------------------------------


def assign(conn: psycopg.Connection, case_id: int, assignee_id: str) -> None:
    conn.execute(
        "UPDATE cases SET assignee_id = %s, updated_at = now() WHERE case_id = %s",
        (assignee_id, case_id),
    )


def add_visit(
    conn: psycopg.Connection,
    case_id: int,
    inspector_id: str,
    visited_at: datetime,
    outcome: str,
    violation_type: str | None,
    reason: str | None,
    notes: str | None,
) -> int:
    row = conn.execute(
        "INSERT INTO case_visits (case_id, inspector_id, visited_at, outcome, violation_type,"
        " reason, notes) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING visit_id",
        (case_id, inspector_id, visited_at, outcome, violation_type, reason, notes),
    ).fetchone()
    assert row is not None
    return int(row[0])


def set_case_status(
    conn: psycopg.Connection, case_id: int, status: str, visited_at: datetime | None = None
) -> None:
    """A case leaves 'open': its closed_at is set unless it waits for a decision."""
    assert status in rules.CASE_STATUSES
    done = status in ("not_confirmed", "decided", "cancelled")
    conn.execute(
        "UPDATE cases SET status = %s, updated_at = now(),"
        " first_visit_at = coalesce(first_visit_at, %s),"
        " closed_at = CASE WHEN %s THEN now() ELSE closed_at END WHERE case_id = %s",
        (status, visited_at, done, case_id),
    )


def add_deduction(
    conn: psycopg.Connection,
    case_id: int,
    household: str | None,
    violation_type: str,
    points: int,
    created_by: str,
) -> int:
    row = conn.execute(
        "INSERT INTO deductions (case_id, household_id, violation_type, points, created_by)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING deduction_id",
        (case_id, household, violation_type, points, created_by),
    ).fetchone()
    assert row is not None
    return int(row[0])


def settle_deductions(conn: psycopg.Connection, case_id: int, status: str) -> None:
    conn.execute(
        "UPDATE deductions SET status = %s WHERE case_id = %s AND status = 'proposed'",
        (status, case_id),
    )


def add_decision(
    conn: psycopg.Connection, case_id: int, decision: str, note: str | None, decided_by: str
) -> None:
    conn.execute(
        "INSERT INTO case_decisions (case_id, decision, note, decided_by) VALUES (%s, %s, %s, %s)",
        (case_id, decision, note, decided_by),
    )


def add_suppression(
    conn: psycopg.Connection,
    unit_id: str,
    alert_type: str | None,
    valid_from: date,
    valid_to: date | None,
    reason: str,
    case_id: int,
    created_by: str,
) -> int:
    row = conn.execute(
        "INSERT INTO suppressions (unit_id, type, valid_from, valid_to, reason, case_id,"
        " created_by) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING suppression_id",
        (unit_id, alert_type, valid_from, valid_to, reason, case_id, created_by),
    ).fetchone()
    assert row is not None
    return int(row[0])


def add_photo(
    conn: psycopg.Connection,
    photo_id: str,
    case_id: int,
    visit_id: int | None,
    path: str,
    content_type: str,
    sha256: str,
    uploaded_by: str,
) -> PhotoRow:
    rows = records(
        conn,
        PhotoRow,
        "INSERT INTO case_photos (photo_id, case_id, visit_id, path, content_type, sha256,"
        f" uploaded_by) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_PHOTO_COLUMNS}",
        (photo_id, case_id, visit_id, path, content_type, sha256, uploaded_by),
    )
    return rows[0]


def visit_of_case(conn: psycopg.Connection, case_id: int, visit_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM case_visits WHERE case_id = %s AND visit_id = %s", (case_id, visit_id)
    ).fetchone()
    return row is not None
