"""The use cases that change inspection cases. Each one holds its transaction, asks the
pure rules (anju_platform.workflow.cases) what the request does, writes through the repo
and does the side effects: notifications (webhooks, the live stream) and the audit.

The pattern to copy for a new workflow step: lock the record, check scope and state
(raise a ServiceError), call the pure decision, apply its effect, notify, audit."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from anju_common import localtime
from anju_platform.access import FLAT, Action, Location, Principal
from anju_platform.detect import repo_alerts
from anju_platform.repo import case_context as context
from anju_platform.repo import cases as repo
from anju_platform.repo.audit import log
from anju_platform.repo.case_rows import CaseRow, PhotoRow
from anju_platform.repo.notifications import notify
from anju_platform.services.case_reads import (
    Row,
    detail,
    find,
    readable,
    stored_file,
    where,
    with_overdue,
)
from anju_platform.services.errors import Conflict, Forbidden, Gone, Invalid, NotFound, guard
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import cases as rules


def sync(conn: psycopg.Connection, due_hours: Mapping[str, float]) -> tuple[list[int], list[int]]:
    """Create a case for every newly opened alert (routed to its grid's inspector, due
    per type) and cancel open cases whose alert closed. Idempotent; returns the ids."""
    created: list[int] = []
    with conn.transaction():
        for a in repo.alerts_without_case(conn):
            assignee = rules.route(repo.grid_inspectors(conn, a.grid_id))
            due = rules.due_at(a.opened_at, a.type, due_hours)
            cid = repo.insert_case(conn, a.alert_id, a.estate_id, a.grid_id, assignee, due)
            if cid is None:
                continue
            created.append(cid)
            if assignee is not None:
                body = {"case_id": cid, "alert_id": a.alert_id, "assignee_id": assignee}
                notify(conn, "case.assigned", a.estate_id, a.grid_id, body)
        cancelled = repo.cancel_closed(conn)
    return created, cancelled


def sync_job(conn: psycopg.Connection, settings: PlatformSettings) -> object:
    """The job runner's entry (anju_platform.jobs): fn(conn, settings)."""
    return sync(conn, settings.cases.due_hours)


def may_inspect(who: Principal, row: CaseRow) -> list[Location]:
    """Record visits and photos: 403 for anyone else (workflow.cases.may_inspect)."""
    if not rules.may_inspect(who, row.estate_id, row.grid_id):
        raise Forbidden("case is outside your scope")
    return row.places


def assign(conn: psycopg.Connection, who: Principal, case_id: int, assignee_id: str) -> Row:
    with conn.transaction():
        row = repo.get_case(conn, case_id, lock=True)
        places = guard(who, Action.WRITE, FLAT, where(row), "case")
        assert row is not None
        if row.status != "open":
            raise Conflict(f"case is {row.status}")
        user = repo.user_for_assignment(conn, assignee_id)
        if user is None or not rules.may_be_assigned(*user, row.grid_id):
            raise Invalid(f"assignee must be an active inspector of grid {row.grid_id}")
        repo.assign(conn, case_id, assignee_id)
        body = {"case_id": case_id, "alert_id": row.alert_id, "assignee_id": assignee_id}
        notify(conn, "case.assigned", row.estate_id, row.grid_id, body)
        log(conn, who, "assign", "case", str(case_id), places,
            {"from": row.assignee_id, "to": assignee_id})  # fmt: skip
        return with_overdue(find(conn, case_id))


@dataclass(frozen=True, slots=True)
class Visit:
    """What the inspector reports (api/cases.py VisitIn, already parsed)."""

    outcome: str
    violation_type: str | None = None
    reason: str | None = None
    notes: str | None = None
    visited_at: datetime | None = None
    points: int | None = None


def _visited_at(visit: Visit) -> datetime:
    """When the visit happened (default now): not in the future."""
    now = datetime.now(UTC)
    at = visit.visited_at or now
    if at > now + timedelta(minutes=5):
        raise Invalid("visited_at is in the future")
    return at


def add_visit(
    conn: psycopg.Connection,
    who: Principal,
    settings: PlatformSettings,
    case_id: int,
    visit: Visit,
    tz: int,
) -> Row:
    """Record a visit and apply its effect (workflow.cases.visit_effect): the case's and
    the alert's status, a proposed deduction, a suppression of the explained pattern."""
    at = _visited_at(visit)
    with conn.transaction():
        row = find(conn, case_id, lock=True)
        places = may_inspect(who, row)
        if row.status != "open":
            raise Conflict(f"case is {row.status}")
        # not before the alert was raised (a few minutes' grace for the inspector's clock)
        opened = row.opened_at
        if opened and at < opened - timedelta(minutes=settings.cases.visit_grace_minutes):
            raise Invalid(f"visited_at is before the alert was raised ({opened.isoformat()})")
        try:
            eff = rules.visit_effect(
                visit.outcome,
                row.type,
                violation_type=visit.violation_type,
                reason=visit.reason,
                points=visit.points,
                deduction_points=settings.cases.deduction_points,
                suppression_days=settings.cases.suppression_days,
            )
        except rules.RuleError as exc:
            raise Invalid(str(exc)) from None
        audit = _apply_visit(conn, who, row, visit, eff, at, localtime.local_day(at, tz))
        log(conn, who, "visit", "case", str(case_id), places, audit)
        return detail(conn, find(conn, case_id), who, tz)


def _apply_visit(
    conn: psycopg.Connection,
    who: Principal,
    row: CaseRow,
    visit: Visit,
    eff: rules.VisitEffect,
    at: datetime,
    day: date,
) -> dict[str, Any]:
    """The writes and notifications of one visit (`day`: its local day); returns the audit
    entry's detail."""
    case_id, alert_id = row.case_id, row.alert_id
    vid = repo.add_visit(
        conn, case_id, who.user_id, at, visit.outcome, eff.violation_type, visit.reason,
        visit.notes,
    )  # fmt: skip
    repo.set_case_status(conn, case_id, eff.case_status, at)
    notify(conn, "case.visited", row.estate_id, row.grid_id,
           {"case_id": case_id, "alert_id": alert_id, "visit_id": vid,
            "outcome": visit.outcome})  # fmt: skip
    audit: dict[str, Any] = {"visit_id": vid, "outcome": visit.outcome}
    if eff.alert_status is not None:
        note = f"case {case_id}: {visit.outcome}" + (f" ({visit.reason})" if visit.reason else "")
        repo_alerts.set_status(conn, alert_id, eff.alert_status, note)
    if eff.points is not None and eff.violation_type is not None:
        hid = context.household_id(conn, row.unit_id, day)
        did = repo.add_deduction(conn, case_id, hid, eff.violation_type, eff.points, who.user_id)
        audit |= {"deduction_id": did, "points": eff.points, "household_id": hid}
        notify(conn, "case.confirmed", row.estate_id, row.grid_id,
               {"case_id": case_id, "alert_id": alert_id,
                "violation_type": eff.violation_type, "household_id": hid,
                "points": eff.points, "deduction_id": did})  # fmt: skip
    if eff.suppress_days is not None and row.unit_id is not None:
        start, end = rules.suppression_window(row.first_day, day, eff.suppress_days)
        reason = f"register_change:{visit.reason}" if eff.register_change else str(visit.reason)
        sid = repo.add_suppression(
            conn, row.unit_id, row.type, start, end, reason, case_id, who.user_id
        )
        audit |= {"suppression_id": sid, "reason": reason}
    return audit


def decide(
    conn: psycopg.Connection,
    who: Principal,
    case_id: int,
    decision: str,
    note: str | None,
    tz: int,
) -> Row:
    """The authority settles a confirmed case: the deduction upheld or rejected, the
    alert closed. The product never changes eligibility itself."""
    with conn.transaction():
        row = find(conn, case_id, lock=True)
        if not rules.may_decide(who):
            raise Forbidden("only the authority decides")
        if row.status != "confirmed":
            raise Conflict(f"case is {row.status}; decisions follow a confirmed visit")
        settled = rules.decision_effect(decision)
        repo.add_decision(conn, case_id, decision, note, who.user_id)
        repo.settle_deductions(conn, case_id, settled)
        repo.set_case_status(conn, case_id, "decided")
        repo_alerts.set_status(conn, row.alert_id, "closed", f"case {case_id}: {decision}")
        notify(conn, "case.decided", row.estate_id, row.grid_id,
               {"case_id": case_id, "alert_id": row.alert_id, "decision": decision})  # fmt: skip
        log(conn, who, "decide", "case", str(case_id), row.places,
            {"decision": decision, "deduction": settled})  # fmt: skip
        return detail(conn, find(conn, case_id), who, tz)


def check_may_inspect(conn: psycopg.Connection, who: Principal, case_id: int) -> None:
    """404 or 403 before the route reads an upload it would refuse anyway."""
    with conn.transaction():
        may_inspect(who, find(conn, case_id))


def add_photo(
    conn: psycopg.Connection,
    who: Principal,
    settings: PlatformSettings,
    case_id: int,
    photo: tuple[bytes, str],
    visit_id: int | None,
) -> PhotoRow:
    """Keep a checked photo (bytes, content type) under the evidence directory, named by
    a fresh id (never by the client); the file goes again if the row is refused."""
    data, ctype = photo
    pid = uuid.uuid4().hex
    rel = f"{case_id}/{pid}.{'jpg' if ctype == 'image/jpeg' else 'png'}"
    path = settings.cases.evidence_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    try:
        with conn.transaction():
            row = find(conn, case_id, lock=True)
            places = may_inspect(who, row)
            if row.status == "cancelled":
                raise Conflict("case is cancelled")
            if visit_id is not None and not repo.visit_of_case(conn, case_id, visit_id):
                raise Invalid(f"visit {visit_id} is not a visit of this case")
            digest = hashlib.sha256(data).hexdigest()
            out = repo.add_photo(conn, pid, case_id, visit_id, rel, ctype, digest, who.user_id)
            log(conn, who, "add_photo", "case", str(case_id), places,
                {"photo_id": pid, "sha256": digest, "bytes": len(data)})  # fmt: skip
            return out
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def photo_file(
    conn: psycopg.Connection,
    who: Principal,
    settings: PlatformSettings,
    case_id: int,
    photo_id: str,
) -> tuple[Path, str]:
    """A photo's stored file and content type (its read audited)."""
    with conn.transaction():
        _, places = readable(conn, who, case_id)
        meta = repo.get_photo(conn, case_id, photo_id)
        if meta is None:
            raise NotFound("photo not found")
        path = stored_file(settings.cases.evidence_dir, meta.path)
        if path is None:
            raise Gone("photo file is gone")
        log(conn, who, "read_photo", "case", str(case_id), places, {"photo_id": photo_id})
    return path, meta.content_type
