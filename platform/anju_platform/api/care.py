"""Care tasks and reported absences (issue 16 item 8). A welfare check on an elderly
tenant living alone: phone first, visit if nobody answers, the outcome recorded; it
closes itself when the tenant is seen again. Reads follow the alerts (inspectors their
grids); calls and visits: the grid's inspector, the estate's manager, admin. Absence
reports hold a contact (personal data): listed for managers, the authority and admin,
audited; confirmed or rejected by a manager of the estate or admin."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import AwareDatetime, BaseModel, Field

from anju_common.vocabulary import AbsenceStatus, CareResult, CareStatus, ContactKind
from anju_platform.access import Location, list_filter
from anju_platform.api.register import NO_INSPECTOR
from anju_platform.deps import MAX_OFFSET, Conn, TzOffset, User, log
from anju_platform.repo import care as repo
from anju_platform.repo.care_rows import AbsenceReport
from anju_platform.services import care as service

router = APIRouter(tags=["care tasks"])


class CareTaskOut(BaseModel):
    task_id: int
    alert_id: int = Field(description="The `elderly_not_seen` alert the task came from")
    estate_id: str
    grid_id: str | None
    unit_id: str | None
    unit_number: str | None
    building_id: str | None
    assignee_id: str | None
    assignee_name: str | None
    status: CareStatus = Field(
        description="call: phone first; visit: nobody answered, go to the door; done: a "
        "person recorded how the tenant is; seen: closed by itself (seen again)"
    )
    result: CareResult | None = Field(description="What the closing call or visit found")
    due_at: datetime
    created_at: datetime
    closed_at: datetime | None
    overdue: bool
    alert_status: str
    reason_zh: str
    reason_en: str
    first_day: date | None = Field(description="The first day of the silence")
    last_day: date | None
    contact_count: int
    last_kind: ContactKind | None
    last_result: CareResult | None
    last_at: datetime | None


class ContactOut(BaseModel):
    contact_id: int
    kind: ContactKind
    result: CareResult
    notes: str | None
    user_id: str
    user_name: str | None
    at: datetime


class MemberOut(BaseModel):
    person_id: str
    name: str
    role: str
    phone: str | None = Field(description="Only for the task's assignee (audited)")


class CareTaskDetail(CareTaskOut):
    contacts: list[ContactOut]
    members: list[MemberOut]


class ContactIn(BaseModel):
    kind: ContactKind = Field(description="phone or visit")
    result: CareResult = Field(
        description="fine, needed_help, away, reported (handed on to family, community, "
        "police), no_answer (phone: a visit is due next)"
    )
    notes: str | None = Field(default=None, max_length=2000)
    at: AwareDatetime | None = Field(default=None, description="When; default now")


class AbsenceReportIn(BaseModel):
    unit_id: str = Field(max_length=64)
    starts_on: date
    ends_on: date
    note: str | None = Field(default=None, max_length=500, description="e.g. at her daughter's")
    contact: str | None = Field(
        default=None, max_length=100, description="Who called and how to reach them"
    )


class AbsenceReportOut(BaseModel):
    report_id: int
    estate_id: str
    unit_id: str
    unit_number: str | None
    grid_id: str | None
    household_id: str | None
    source: str = Field(description="resident (the poster's form) or phone (staff entered)")
    starts_on: date
    ends_on: date
    note: str | None
    contact: str | None = Field(description="Personal data")
    status: AbsenceStatus
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    absence_id: str | None = Field(description="The approved absence, once confirmed")


class AbsenceDecisionIn(BaseModel):
    confirm: bool = Field(description="true: approve the absence; false: reject the report")
    note: str | None = Field(default=None, max_length=500)


@router.get("/care-tasks", response_model=list[CareTaskOut], summary="Care tasks of an estate")
def list_tasks(
    conn: Conn,
    who: User,
    estate_id: str = Query(..., description="Estate"),
    status_: list[CareStatus] | None = Query(
        None, alias="status", description="Statuses (repeat); default: call and visit"
    ),
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[dict[str, Any]]:
    wanted = [str(s) for s in status_ or (CareStatus.CALL, CareStatus.VISIT)]
    return service.list_tasks(conn, who, estate_id, wanted, limit, offset)


@router.get(
    "/care-tasks/{task_id}", response_model=CareTaskDetail, summary="A care task, calls, visits"
)
def get_task(task_id: int, conn: Conn, who: User, tz: TzOffset) -> dict[str, Any]:
    return service.read_task(conn, who, task_id, tz)


@router.post(
    "/care-tasks/{task_id}/contacts",
    response_model=CareTaskDetail,
    summary="Record a phone call or a visit and what it found",
    responses={409: {"description": "the task is closed"}},
)
def add_contact(
    task_id: int, body: ContactIn, conn: Conn, who: User, tz: TzOffset
) -> dict[str, Any]:
    now = datetime.now(UTC)
    at = body.at or now
    if at > now + timedelta(minutes=5):
        raise HTTPException(422, "at is in the future")
    notes = (body.notes or "").strip() or None
    return service.record_contact(
        conn, who, task_id, str(body.kind), str(body.result), notes, at, tz
    )


@router.get(
    "/absence-reports",
    response_model=list[AbsenceReportOut],
    summary="Absences residents, families or staff reported (personal data: audited)",
)
def list_absence_reports(
    conn: Conn,
    who: User,
    estate_id: str = Query(..., description="Estate"),
    status_: list[AbsenceStatus] | None = Query(
        None, alias="status", description="Statuses (repeat); default: pending"
    ),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[AbsenceReport]:
    ok, _ = list_filter(who, NO_INSPECTOR, estate_id)
    if not ok:  # inspectors never: the contact is personal data
        raise HTTPException(status.HTTP_403_FORBIDDEN, "estate is outside your scope")
    wanted = [str(s) for s in status_ or (AbsenceStatus.PENDING,)]
    with conn.transaction():
        rows = repo.list_absence_reports(conn, estate_id, wanted, limit, offset)
        log(conn, who, "list", "absence_report", None, [Location(estate_id)],
            {"ids": [r.report_id for r in rows]})  # fmt: skip
        return rows


@router.post(
    "/absence-reports",
    response_model=AbsenceReportOut,
    status_code=201,
    summary="Enter an absence a tenant or their family reported by phone (to confirm)",
)
def phone_absence(body: AbsenceReportIn, conn: Conn, who: User, tz: TzOffset) -> AbsenceReport:
    note = (body.note or "").strip() or None
    contact = (body.contact or "").strip() or None
    return service.phone_absence(
        conn, who, body.unit_id, body.starts_on, body.ends_on, note, contact, tz
    )


@router.post(
    "/absence-reports/{report_id}/decision",
    response_model=AbsenceReportOut,
    summary="Confirm (an approved absence is written) or reject a reported absence",
    responses={409: {"description": "already decided, or nobody lives there"}},
)
def decide_absence(report_id: int, body: AbsenceDecisionIn, conn: Conn, who: User) -> AbsenceReport:
    note = (body.note or "").strip() or None
    return service.decide_absence(conn, who, report_id, body.confirm, note)
