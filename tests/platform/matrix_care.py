"""Authorization matrix entries of care tasks and reported absences (issue 16 item 8).
Reads follow the alerts (READ_GRID); recording a call or visit and entering an absence
someone phoned in: "care" (admin, the estate's manager, the grid's inspector; not the
authority); listing absence reports holds a contact (READ_NONE: never inspectors);
confirming one writes an approved absence (WRITE: admin, the estate's manager)."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
from matrix_kit import READ_GRID, READ_NONE, WRITE, Build, Ctx, Req, body, get, make_alert

CARE = "care"


def _care(role: str, inside: bool) -> bool:
    return role == "admin" or (role in ("manager", "inspector") and inside)


EXPECT = {CARE: _care}


def make_task(c: Ctx, n: int, i: int) -> int:
    aid = make_alert(c, n, i)
    with psycopg.connect(c.live.db) as conn:
        row = conn.execute(
            "INSERT INTO care_tasks (alert_id, estate_id, grid_id, unit_id, due_at)"
            " VALUES (%s, %s, %s, %s, now() + interval '1 day') RETURNING task_id",
            (aid, f"E{n}", f"G{n}", f"U{n}"),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _absence(c: Ctx, n: int) -> dict[str, str]:
    today = date.today()
    return {"unit_id": f"U{n}", "starts_on": str(today), "ends_on": str(today + timedelta(3))}


def make_report(c: Ctx, n: int, i: int) -> int:
    a = _absence(c, n)
    with psycopg.connect(c.live.db) as conn:
        row = conn.execute(
            "INSERT INTO absence_reports (estate_id, unit_id, grid_id, household_id, source,"
            " starts_on, ends_on, created_by) VALUES (%s, %s, %s, %s, 'phone', %s, %s, 'x')"
            " RETURNING report_id",
            (f"E{n}", f"U{n}", f"G{n}", f"H{n}", a["starts_on"], a["ends_on"]),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _contact(c: Ctx, n: int, i: int) -> Req:
    tid = make_task(c, n, i)
    return body(f"/api/v1/care-tasks/{tid}/contacts", {"kind": "phone", "result": "no_answer"})


CASES: dict[tuple[str, str], tuple[str, Build | None]] = {
    ("GET", "/api/v1/care-tasks"): (
        READ_GRID,
        lambda c, n, i: get("/api/v1/care-tasks", estate_id=f"E{n}"),
    ),
    ("GET", "/api/v1/care-tasks/{task_id}"): (
        READ_GRID,
        lambda c, n, i: get(f"/api/v1/care-tasks/{make_task(c, n, i)}"),
    ),
    ("POST", "/api/v1/care-tasks/{task_id}/contacts"): (CARE, _contact),
    ("GET", "/api/v1/absence-reports"): (
        READ_NONE,
        lambda c, n, i: get("/api/v1/absence-reports", estate_id=f"E{n}"),
    ),
    ("POST", "/api/v1/absence-reports"): (
        CARE,
        lambda c, n, i: body("/api/v1/absence-reports", _absence(c, n)),
    ),
    ("POST", "/api/v1/absence-reports/{report_id}/decision"): (
        WRITE,
        lambda c, n, i: body(
            f"/api/v1/absence-reports/{make_report(c, n, i)}/decision", {"confirm": True}
        ),
    ),
}
