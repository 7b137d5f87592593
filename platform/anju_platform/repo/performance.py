"""SQL of the performance report: the month's alerts, cases and resident reports of an
estate, as plain records for anju_platform.workflow.performance."""

from __future__ import annotations

from datetime import datetime

import psycopg

from anju_platform.workflow.performance import HANDLED, AlertRec, CaseRec, ReportRec


def grids(conn: psycopg.Connection, estate_id: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT grid_id, name FROM grids WHERE estate_id = %s ORDER BY grid_id", (estate_id,)
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def alerts(
    conn: psycopg.Connection, estate_id: str, start: datetime, end: datetime
) -> list[AlertRec]:
    rows = conn.execute(
        "SELECT grid_id, opened_at FROM alerts WHERE estate_id = %s"
        " AND opened_at >= %s AND opened_at < %s"
        " AND type <> 'elderly_not_seen'",  # a care task, counted apart (care_tasks)
        (estate_id, start, end),
    ).fetchall()
    return [AlertRec(r[0], r[1]) for r in rows]


def cases(
    conn: psycopg.Connection, estate_id: str, start: datetime, end: datetime
) -> list[CaseRec]:
    """Cases created or handled in [start, end). First visit: cases.first_visit_at, or
    the earliest visit row; handled at: closed_at, or the first visit with a finding."""
    rows = conn.execute(
        "SELECT * FROM (SELECT c.grid_id, c.status, c.created_at, c.due_at,"
        "  COALESCE(c.first_visit_at, v.first_at) AS first_at,"
        "  COALESCE(c.closed_at, v.finding_at) AS handled_at"
        " FROM cases c LEFT JOIN LATERAL (SELECT min(visited_at) AS first_at,"
        "  min(visited_at) FILTER (WHERE outcome IN ('confirmed', 'not_confirmed')) AS finding_at"
        "  FROM case_visits WHERE case_id = c.case_id) v ON true"
        " WHERE c.estate_id = %(e)s) x"
        " WHERE (created_at >= %(s)s AND created_at < %(t)s)"
        " OR (handled_at >= %(s)s AND handled_at < %(t)s)",
        {"e": estate_id, "s": start, "t": end},
    ).fetchall()
    return [CaseRec(*r) for r in rows]


def reports(
    conn: psycopg.Connection, estate_id: str, start: datetime, end: datetime
) -> list[ReportRec]:
    """Reports received in [start, end); handled: the alert's case has a finding or a
    decision, or the alert was closed or dismissed."""
    rows = conn.execute(
        "SELECT COALESCE(u.grid_id, a.grid_id), r.created_at,"
        " (a.status IN ('closed', 'dismissed') OR EXISTS (SELECT 1 FROM cases c"
        "   WHERE c.alert_id = r.alert_id AND c.status = ANY(%s))) IS TRUE"
        " FROM resident_reports r LEFT JOIN alerts a ON a.alert_id = r.alert_id"
        " LEFT JOIN units u ON u.unit_id = r.unit_id"
        " WHERE r.estate_id = %s AND r.created_at >= %s AND r.created_at < %s",
        (list(HANDLED), estate_id, start, end),
    ).fetchall()
    return [ReportRec(r[0], r[1], bool(r[2])) for r in rows]
