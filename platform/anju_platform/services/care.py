"""Care tasks, one function per use case, each holding its transaction: the job that
turns `elderly_not_seen` alerts into care tasks and closes them when the tenant is seen
again; recording a call or visit; an absence reported by phone or on the poster's form;
staff confirming or rejecting it. Decisions come from workflow/care.py, SQL from
repo/care.py; refusals are services.errors (the app maps them to HTTP once)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from anju_common.localtime import local_day
from anju_platform.access import FLAT, Action, Location, Principal
from anju_platform.detect.settings import local_offset_hours
from anju_platform.repo import care, case_context
from anju_platform.repo import cases as case_repo
from anju_platform.repo.audit import log
from anju_platform.repo.care_rows import AbsenceReport, CareTask
from anju_platform.repo.notifications import notify
from anju_platform.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    estate_grids,
    guard,
)
from anju_platform.workflow import care as rules


def _log(
    conn: psycopg.Connection,
    who: Principal,
    action: str,
    kind: str,
    ref: str | None,
    estate_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    log(conn, who, action, kind, ref, [Location(estate_id)], detail)


def where(row: CareTask) -> list[Location]:
    return [Location(row.estate_id, row.grid_id)]


# --- the job ----------------------------------------------------------------------------


def sync(conn: psycopg.Connection, due_hours: float, tz: int) -> tuple[list[int], list[int]]:
    """A care task for every newly opened welfare alert, routed to the grid's inspector
    and told to them (notification -> console stream and webhooks); open tasks whose
    tenant was seen again (at a door, or detection closed the alert) close themselves.
    Idempotent; returns (created, closed) task ids."""
    created: list[int] = []
    with conn.transaction():
        for a in care.alerts_without_task(conn):
            assignee = rules.route(case_repo.grid_inspectors(conn, a.grid_id))
            tid = care.insert_task(conn, a, assignee, rules.due_at(a.opened_at, due_hours))
            if tid is None:
                continue
            created.append(tid)
            notify(conn, "care.assigned", a.estate_id, a.grid_id,
                   {"task_id": tid, "alert_id": a.alert_id, "unit_id": a.unit_id,
                    "type": rules.CARE_TYPE.value, "assignee_id": assignee})  # fmt: skip
        closed = care.close_seen(conn, tz)
        for t in closed:
            notify(conn, "care.closed", t.estate_id, t.grid_id,
                   {"task_id": t.task_id, "alert_id": t.alert_id, "unit_id": t.unit_id,
                    "status": "seen"})  # fmt: skip
    return created, [int(t.task_id) for t in closed]


def sync_job(conn: psycopg.Connection, settings: Any) -> object:
    """The job runner's entry (anju_platform.jobs): fn(conn, settings)."""
    hours = settings.cases.due_hours
    due = float(hours.get(rules.CARE_TYPE, hours.get("default", 72.0)))
    return sync(conn, due, local_offset_hours())


# --- tasks --------------------------------------------------------------------------------


def list_tasks(
    conn: psycopg.Connection,
    who: Principal,
    estate_id: str,
    statuses: list[str],
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    grids = estate_grids(who, FLAT, estate_id)
    now = datetime.now(UTC)
    with conn.transaction():
        rows = care.list_tasks(conn, estate_id, grids, statuses, limit, offset)
        _log(conn, who, "list", "care_task", None, estate_id, {"count": len(rows)})
    return [{**asdict(r), "overdue": rules.is_overdue(r.status, r.due_at, now)} for r in rows]


def read_task(conn: psycopg.Connection, who: Principal, task_id: int, tz: int) -> dict[str, Any]:
    with conn.transaction():
        row = care.get_task(conn, task_id)
        places = guard(who, Action.READ, FLAT, None if row is None else where(row), "care task")
        assert row is not None
        log(conn, who, "read", "care_task", str(task_id), places)
        return detail(conn, who, row, tz)


def _today(tz: int) -> date:
    """The estates' calendar day now (`tz`: their UTC offset, given by the route)."""
    return local_day(datetime.now(UTC), tz)


def detail(conn: psycopg.Connection, who: Principal, row: CareTask, tz: int) -> dict[str, Any]:
    """The task with its calls and visits and the tenant; their phone number only for
    the assignee while the task is open (who is about to call), every such read audited."""
    today = _today(tz)
    hid = case_context.household_id(conn, row.unit_id, today)
    people = case_context.household(conn, hid, today).members if hid else []
    found = {"members": [asdict(m) for m in people]}
    mine = row.assignee_id is not None and row.assignee_id == who.user_id
    mine = mine and row.status in rules.OPEN_STATUSES  # a closed task needs no number
    phones = [m["person_id"] for m in found["members"] if m["phone"]] if mine else []
    if phones:
        _log(conn, who, "read_phone", "care_task", str(row.task_id), row.estate_id,
             {"persons": phones})  # fmt: skip
    members = [m if mine else {**m, "phone": None} for m in found["members"]]
    return {
        **asdict(row),
        "overdue": rules.is_overdue(row.status, row.due_at, datetime.now(UTC)),
        "contacts": [asdict(c) for c in care.contacts(conn, row.task_id)],
        "members": members,
    }


def record_contact(
    conn: psycopg.Connection,
    who: Principal,
    task_id: int,
    kind: str,
    result: str,
    notes: str | None,
    at: datetime,
    tz: int,
) -> dict[str, Any]:
    with conn.transaction():
        row = care.get_task(conn, task_id, lock=True)
        if row is None:
            raise NotFound("care task not found")
        if not rules.may_handle(who, row.estate_id, row.grid_id):
            raise Forbidden("care task is outside your scope")
        try:
            effect = rules.contact_effect(row.status, kind, result)
        except rules.RuleError as e:
            raise Conflict(str(e)) from e
        if at < row.created_at - timedelta(hours=1):
            raise Invalid("a call or visit cannot be dated before the task")
        cid = care.add_contact(conn, task_id, kind, result, notes, who.user_id, at)
        care.set_task(conn, task_id, effect.status, effect.result)
        notify(conn, "care.contacted", row.estate_id, row.grid_id,
               {"task_id": task_id, "alert_id": row.alert_id, "unit_id": row.unit_id,
                "status": effect.status, "outcome": result})  # fmt: skip
        what = {"contact_id": cid, "kind": kind, "result": result, "from": row.status}
        _log(conn, who, "contact", "care_task", str(task_id), row.estate_id, what)
        new = care.get_task(conn, task_id)
        assert new is not None
        return detail(conn, who, new, tz)


# --- absences -----------------------------------------------------------------------------


def report_absence(
    conn: psycopg.Connection,
    unit: dict[str, Any],
    starts_on: date,
    ends_on: date,
    note: str | None,
    contact: str | None,
    source: str,
    created_by: str,
    tz: int,
    resident_report_id: int | None = None,
) -> int:
    """Store a reported absence (pending) and tell the grid; in the caller's transaction.
    Nothing changes for detection until staff confirm it."""
    problem = rules.absence_problem(starts_on, ends_on, _today(tz))
    if problem:
        raise Invalid(problem)
    hid = case_context.household_id(conn, unit["unit_id"], _today(tz))
    rid = care.insert_absence_report(
        conn,
        {
            "estate_id": unit["estate_id"],
            "unit_id": unit["unit_id"],
            "grid_id": unit["grid_id"],
            "household_id": hid,
            "source": source,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "note": note,
            "contact": contact,
            "resident_report_id": resident_report_id,
            "created_by": created_by,
        },
    )
    notify(conn, "absence.reported", unit["estate_id"], unit["grid_id"],
           {"absence_report_id": rid, "unit_id": unit["unit_id"]})  # fmt: skip
    return rid


def phone_absence(
    conn: psycopg.Connection,
    who: Principal,
    unit_id: str,
    starts_on: date,
    ends_on: date,
    note: str | None,
    contact: str | None,
    tz: int,
) -> AbsenceReport:
    """Staff entering a call from a tenant or their family ("she is at her daughter's
    until the 20th"): anyone who may handle the flat's care tasks."""
    with conn.transaction():
        unit = care.unit_place(conn, unit_id)
        if unit is None:
            raise NotFound("unit not found")
        if not rules.may_handle(who, unit["estate_id"], unit["grid_id"]):
            raise Forbidden("unit is outside your scope")
        rid = report_absence(
            conn, unit, starts_on, ends_on, note, contact, "phone", who.user_id, tz
        )
        _log(conn, who, "create", "absence_report", str(rid), unit["estate_id"],
             {"unit_id": unit_id, "source": "phone"})  # fmt: skip
        row = care.get_absence_report(conn, rid)
        assert row is not None
        return row


def decide_absence(
    conn: psycopg.Connection, who: Principal, report_id: int, confirm: bool, note: str | None
) -> AbsenceReport:
    """Confirming writes the register's approved absence, which detection reads (the
    welfare rule stays quiet during it and its alert closes, closing the care task)."""
    with conn.transaction():
        row = care.get_absence_report(conn, report_id, lock=True)
        if row is None:
            raise NotFound("absence report not found")
        if not rules.may_confirm_absence(who, row.estate_id):
            raise Forbidden("absence report is outside your scope")
        try:
            status = rules.absence_decision(row.status, confirm)
        except rules.RuleError as e:
            raise Conflict(str(e)) from e
        absence_id = None
        if confirm:
            if row.household_id is None:
                raise Conflict("nobody lives in this flat by the register: nothing to approve")
            absence_id = rules.absence_id(report_id)
            text = f"reported ({row.source}), confirmed by {who.user_id}: {note or ''}"
            care.approve_absence(conn, absence_id, row.household_id, row.starts_on,
                                 row.ends_on, text.strip()[:500], who.user_id)  # fmt: skip
        care.decide_absence_report(conn, report_id, status, who.user_id, absence_id)
        _log(conn, who, "confirm" if confirm else "reject", "absence_report", str(report_id),
             row.estate_id, {"absence_id": absence_id, "note": note})  # fmt: skip
        new = care.get_absence_report(conn, report_id)
        assert new is not None
        return new
