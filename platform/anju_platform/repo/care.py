"""All SQL of care tasks and reported absences: creating a task for each opened
`elderly_not_seen` alert and closing those whose alert detection closed (the job),
listing and reading them, calls and visits, absence reports and the approved absence a
confirmation writes. The rules are in anju_platform.workflow.care; callers hold the
transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import psycopg

from anju_platform.repo.care_rows import (
    AbsenceReport,
    CareContact,
    CareTask,
    SeenTask,
    WelfareAlert,
)
from anju_platform.repo.rows import dicts, records
from anju_platform.workflow.care import CARE_TYPE

_TASK_SELECT = (
    "SELECT t.task_id, t.alert_id, t.estate_id, t.grid_id, t.unit_id, un.number AS unit_number,"
    " un.building_id, t.assignee_id, us.name AS assignee_name, t.status, t.result, t.due_at,"
    " t.created_at, t.updated_at, t.closed_at, a.status AS alert_status, a.reason_zh,"
    " a.reason_en, a.first_day, a.last_day, a.persons, c.contact_count, c.last_kind,"
    " c.last_result, c.last_at"
    " FROM care_tasks t JOIN alerts a ON a.alert_id = t.alert_id"
    " LEFT JOIN LATERAL (SELECT count(*) AS contact_count,"
    "   (array_agg(kind ORDER BY at DESC, contact_id DESC))[1] AS last_kind,"
    "   (array_agg(result ORDER BY at DESC, contact_id DESC))[1] AS last_result,"
    "   max(at) AS last_at FROM care_contacts cc WHERE cc.task_id = t.task_id) c ON true"
    " LEFT JOIN units un ON un.unit_id = t.unit_id"
    " LEFT JOIN users us ON us.user_id = t.assignee_id"
)


# --- the job ----------------------------------------------------------------------------


def alerts_without_task(conn: psycopg.Connection, limit: int = 500) -> list[WelfareAlert]:
    return records(
        conn,
        WelfareAlert,
        "SELECT a.alert_id, a.estate_id, coalesce(a.grid_id, un.grid_id) AS grid_id,"
        " a.unit_id, coalesce(a.opened_at, now()) AS opened_at FROM alerts a"
        " LEFT JOIN units un ON un.unit_id = a.unit_id"
        " WHERE a.type = %s AND a.status IN ('open', 'acknowledged')"
        " AND NOT EXISTS (SELECT 1 FROM care_tasks t WHERE t.alert_id = a.alert_id)"
        " ORDER BY a.alert_id LIMIT %s",
        (CARE_TYPE.value, limit),
    )


def insert_task(
    conn: psycopg.Connection, alert: WelfareAlert, assignee_id: str | None, due: datetime
) -> int | None:
    """The new task id, or None when another worker created it first."""
    row = conn.execute(
        "INSERT INTO care_tasks (alert_id, estate_id, grid_id, unit_id, assignee_id, due_at)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (alert_id) DO NOTHING RETURNING task_id",
        (alert.alert_id, alert.estate_id, alert.grid_id, alert.unit_id, assignee_id, due),
    ).fetchone()  # fmt: skip
    return None if row is None else int(row[0])


# The tenant at a door since the silence began (local days: UTC+tz): their face
# recognised, or their own card let through. Read in real time, before the daily pass.
_SEEN_AT_A_DOOR = (
    "EXISTS (SELECT 1 FROM events e WHERE e.estate_id = t.estate_id"
    " AND e.time >= (a.first_day::timestamp - make_interval(hours => %(tz)s)) AT TIME ZONE 'UTC'"
    " AND coalesce(e.granted, true) AND (e.person_id = ANY(a.persons)"
    "  OR e.credential_ref IN (SELECT c.ref FROM credentials c"
    "   WHERE c.person_id = ANY(a.persons) AND c.ref IS NOT NULL)))"
)


def close_seen(conn: psycopg.Connection, tz_hours: int) -> list[SeenTask]:
    """Open tasks whose tenant was seen again: at a door since the silence began (real
    time), or detection closed the alert (its daily pass saw them, or an approved absence
    now explains the silence)."""
    return records(
        conn,
        SeenTask,
        "UPDATE care_tasks t SET status = 'seen', closed_at = now(), updated_at = now()"
        " FROM alerts a WHERE a.alert_id = t.alert_id AND t.status IN ('call', 'visit')"
        f" AND (a.status IN ('closed', 'dismissed') OR {_SEEN_AT_A_DOOR})"
        " RETURNING t.task_id, t.alert_id, t.estate_id, t.grid_id, t.unit_id",
        {"tz": tz_hours},
    )


# --- reading ----------------------------------------------------------------------------


def list_tasks(
    conn: psycopg.Connection,
    estate_id: str,
    grids: list[str] | None,
    statuses: list[str],
    limit: int,
    offset: int,
) -> list[CareTask]:
    return records(
        conn,
        CareTask,
        f"{_TASK_SELECT} WHERE t.estate_id = %(estate)s"
        " AND (%(grids)s::text[] IS NULL OR t.grid_id = ANY(%(grids)s::text[]))"
        " AND t.status = ANY(%(statuses)s::text[])"
        " ORDER BY t.due_at, t.task_id LIMIT %(limit)s OFFSET %(offset)s",
        {"estate": estate_id, "grids": grids, "statuses": statuses, "limit": limit,
         "offset": offset},
    )  # fmt: skip


def get_task(conn: psycopg.Connection, task_id: int, lock: bool = False) -> CareTask | None:
    rows = records(
        conn,
        CareTask,
        f"{_TASK_SELECT} WHERE t.task_id = %s" + (" FOR UPDATE OF t" if lock else ""),
        (task_id,),
    )
    return rows[0] if rows else None


def contacts(conn: psycopg.Connection, task_id: int) -> list[CareContact]:
    return records(
        conn,
        CareContact,
        "SELECT c.contact_id, c.kind, c.result, c.notes, c.user_id, u.name AS user_name, c.at"
        " FROM care_contacts c LEFT JOIN users u USING (user_id) WHERE c.task_id = %s"
        " ORDER BY c.at, c.contact_id",
        (task_id,),
    )


def add_contact(
    conn: psycopg.Connection,
    task_id: int,
    kind: str,
    result: str,
    notes: str | None,
    user_id: str,
    at: datetime,
) -> int:
    row = conn.execute(
        "INSERT INTO care_contacts (task_id, kind, result, notes, user_id, at)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING contact_id",
        (task_id, kind, result, notes, user_id, at),
    ).fetchone()
    assert row is not None
    return int(row[0])


def set_task(conn: psycopg.Connection, task_id: int, status: str, result: str | None) -> None:
    done = status in ("done", "seen")
    conn.execute(
        "UPDATE care_tasks SET status = %s, result = coalesce(%s, result), updated_at = now(),"
        " closed_at = CASE WHEN %s THEN now() ELSE closed_at END WHERE task_id = %s",
        (status, result, done, task_id),
    )


# --- absence reports ----------------------------------------------------------------------


def unit_place(conn: psycopg.Connection, unit_id: str) -> dict[str, Any] | None:
    rows = dicts(
        conn,
        "SELECT unit_id, estate_id, grid_id, number FROM units WHERE unit_id = %s",
        (unit_id,),
    )
    return rows[0] if rows else None


def insert_absence_report(conn: psycopg.Connection, r: dict[str, Any]) -> int:
    row = conn.execute(
        "INSERT INTO absence_reports (estate_id, unit_id, grid_id, household_id, source,"
        " starts_on, ends_on, note, contact, resident_report_id, created_by)"
        " VALUES (%(estate_id)s, %(unit_id)s, %(grid_id)s, %(household_id)s, %(source)s,"
        " %(starts_on)s, %(ends_on)s, %(note)s, %(contact)s, %(resident_report_id)s,"
        " %(created_by)s) RETURNING report_id",
        r,
    ).fetchone()
    assert row is not None
    return int(row[0])


_ABSENCE_SELECT = (
    "SELECT r.report_id, r.estate_id, r.unit_id, un.number AS unit_number, r.grid_id,"
    " r.household_id, r.source, r.starts_on, r.ends_on, r.note, r.contact, r.status,"
    " r.created_by, r.created_at, r.decided_by, r.decided_at, r.absence_id"
    " FROM absence_reports r LEFT JOIN units un ON un.unit_id = r.unit_id"
)


def list_absence_reports(
    conn: psycopg.Connection, estate_id: str, statuses: list[str], limit: int, offset: int
) -> list[AbsenceReport]:
    return records(
        conn,
        AbsenceReport,
        f"{_ABSENCE_SELECT} WHERE r.estate_id = %s AND r.status = ANY(%s::text[])"
        " ORDER BY r.created_at DESC, r.report_id DESC LIMIT %s OFFSET %s",
        (estate_id, statuses, limit, offset),
    )


def get_absence_report(
    conn: psycopg.Connection, report_id: int, lock: bool = False
) -> AbsenceReport | None:
    rows = records(
        conn,
        AbsenceReport,
        f"{_ABSENCE_SELECT} WHERE r.report_id = %s" + (" FOR UPDATE OF r" if lock else ""),
        (report_id,),
    )
    return rows[0] if rows else None


def decide_absence_report(
    conn: psycopg.Connection, report_id: int, status: str, by: str, absence_id: str | None
) -> None:
    conn.execute(
        "UPDATE absence_reports SET status = %s, decided_by = %s, decided_at = now(),"
        " absence_id = %s WHERE report_id = %s",
        (status, by, absence_id, report_id),
    )


def approve_absence(
    conn: psycopg.Connection,
    absence_id: str,
    household_id: str,
    starts_on: date,
    ends_on: date,
    note: str,
    by: str,
) -> None:
    """The register's approved absence (what detection reads)."""
    conn.execute(
        "INSERT INTO absences (absence_id, household_id, kind, starts_on, ends_on, note,"
        " approved_by) VALUES (%s, %s, 'travel', %s, %s, %s, %s)",
        (absence_id, household_id, starts_on, ends_on, note, by),
    )
