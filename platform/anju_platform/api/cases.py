"""Inspection cases (核查案件): an opened alert becomes a task for its grid's inspector.
Visits record the outcome (confirmed -> a points deduction proposed to the authority;
not confirmed -> the alert is dismissed and the pattern suppressed; no access -> try
again), photos are kept as evidence, the authority decides, and a case exports as a
self-contained evidence pack (api/case_exports.py). Every read of a case and every change
is audited.

The routes only parse and call a use case (anju_platform.services.cases for changes,
services.case_reads for reads); a refusal is a ServiceError the app maps to the error
shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from anju_common.vocabulary import CaseStatus, Decision
from anju_platform.api.alerts import EvidenceOut
from anju_platform.deps import MAX_OFFSET, Conn, Settings, TzOffset, User
from anju_platform.images import check_pixels
from anju_platform.repo.case_rows import PhotoRow
from anju_platform.services import case_reads as reads
from anju_platform.services import cases as service
from anju_platform.workflow import cases as rules

Outcome = rules.Outcome
Reason = rules.Reason


class CaseOut(BaseModel):
    case_id: int
    alert_id: int
    estate_id: str
    grid_id: str | None
    unit_id: str | None = Field(description="The flat; null for a report about a building")
    building_id: str | None
    type: str = Field(description="Alert type, see docs/alerts.md")
    source: str = Field(description="detection or resident_report")
    alert_status: str = Field(description="The alert's status: open, acknowledged, closed...")
    score: float
    level: int
    reason_zh: str
    reason_en: str
    status: CaseStatus = Field(
        description="open (awaiting a visit), confirmed (awaiting the authority's decision), "
        "not_confirmed, decided, cancelled (the alert closed before anyone went)"
    )
    assignee_id: str | None = Field(description="The inspector; null: unassigned")
    assignee_name: str | None
    due_at: datetime = Field(description="When the first visit is due (per alert type)")
    overdue: bool = Field(description="Still open after its due time")
    created_at: datetime
    first_visit_at: datetime | None
    closed_at: datetime | None
    visit_count: int = Field(default=0, description="Visits recorded (a no-access try counts)")
    last_outcome: Outcome | None = Field(default=None, description="The latest visit's outcome")
    last_visit_at: datetime | None = Field(default=None, description="The latest visit")


class VisitOut(BaseModel):
    visit_id: int
    inspector_id: str = Field(description="Who recorded the visit")
    visited_at: datetime
    outcome: Outcome
    violation_type: str | None = Field(description="Confirmed: the violation found")
    reason: str | None = Field(description="Not confirmed: why")
    notes: str | None


class PhotoOut(BaseModel):
    photo_id: str
    visit_id: int | None
    content_type: str = Field(description="image/jpeg or image/png (checked by magic bytes)")
    uploaded_by: str
    uploaded_at: datetime
    sha256: str | None = Field(default=None, description="SHA-256 of the stored file")


class DeductionOut(BaseModel):
    deduction_id: int
    household_id: str | None
    violation_type: str
    points: int
    status: str = Field(description="proposed, upheld or rejected")


class DecisionOut(BaseModel):
    decision: str
    note: str | None
    decided_by: str
    decided_at: datetime


class MemberOut(BaseModel):
    person_id: str
    name: str
    role: str
    phone: str | None = Field(
        default=None, description="Only for the inspector assigned to the case (audited)"
    )


class HouseholdOut(BaseModel):
    household_id: str
    members: list[MemberOut]


class SuppressionOut(BaseModel):
    suppression_id: int
    unit_id: str
    type: str | None = Field(description="Alert type held off; null: every type")
    valid_from: date
    valid_to: date | None
    reason: str = Field(description="The visit's reason; register_change:<reason> when staff "
                        "must register the person")  # fmt: skip


class RegisterChangeOut(BaseModel):
    reason: str
    note_zh: str
    note_en: str


class CaseDetail(CaseOut):
    evidence: list[EvidenceOut] = Field(description="The alert's evidence, oldest first")
    visits: list[VisitOut]
    photos: list[PhotoOut]
    deduction: DeductionOut | None
    decision: DecisionOut | None
    household: HouseholdOut | None = Field(description="The household holding the unit now")
    suppressions: list[SuppressionOut] = Field(description="Patterns held off by this case")
    register_change: RegisterChangeOut | None = Field(
        description="A not-confirmed visit named an unregistered caregiver or family member"
    )


class AssignIn(BaseModel):
    assignee_id: str = Field(description="An inspector whose grids include the case's grid")


class VisitIn(BaseModel):
    outcome: Outcome
    violation_type: str | None = Field(
        default=None, max_length=64, description="Confirmed: the violation (default: alert type)"
    )
    reason: Reason | None = Field(default=None, description="Not confirmed: why (required)")
    notes: str | None = Field(default=None, max_length=4000)
    visited_at: AwareDatetime | None = Field(default=None, description="Default: now")
    points: int | None = Field(
        default=None, ge=0, le=1000, description="Confirmed: points proposed (default per type)"
    )


class DecisionIn(BaseModel):
    decision: Decision
    note: str | None = Field(default=None, max_length=4000)


router = APIRouter(prefix="/cases", tags=["cases"])


@router.get("", response_model=list[CaseOut], summary="List and filter cases")
def list_cases(
    conn: Conn,
    who: User,
    estate_id: str = Query(..., description="Estate"),
    status_: list[CaseStatus] | None = Query(
        None, alias="status", description="Statuses (repeat); default: open and confirmed"
    ),
    grid_id: str | None = Query(None),
    assignee_id: str | None = Query(None),
    overdue: bool = Query(False, description="Only open cases past their due time"),
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[dict[str, Any]]:
    filters = {
        "statuses": [str(s) for s in status_ or (CaseStatus.OPEN, CaseStatus.CONFIRMED)],
        "grid": grid_id,
        "assignee": assignee_id,
        "overdue": overdue,
    }
    return reads.list_cases(conn, who, estate_id, filters, limit, offset)


@router.get("/mine", response_model=list[CaseOut], summary="My open cases (phone task list)")
def my_cases(conn: Conn, who: User) -> list[dict[str, Any]]:
    return reads.my_cases(conn, who)


@router.get("/{case_id}", response_model=CaseDetail, summary="A case with evidence and visits")
def get_case(case_id: int, conn: Conn, who: User, tz: TzOffset) -> dict[str, Any]:
    return reads.read_case(conn, who, case_id, tz)


@router.post("/{case_id}/assign", response_model=CaseOut, summary="Reassign a case")
def assign(case_id: int, body: AssignIn, conn: Conn, who: User) -> dict[str, Any]:
    return service.assign(conn, who, case_id, body.assignee_id)


@router.post("/{case_id}/visits", response_model=CaseDetail, summary="Record a visit")
def add_visit(
    case_id: int, body: VisitIn, conn: Conn, who: User, settings: Settings, tz: TzOffset
) -> dict[str, Any]:
    visit = service.Visit(**body.model_dump())
    return service.add_visit(conn, who, settings, case_id, visit, tz)


@router.post("/{case_id}/photos", response_model=PhotoOut, status_code=201, summary="Add a photo")
def add_photo(
    case_id: int,
    conn: Conn,
    who: User,
    settings: Settings,
    photo: Annotated[UploadFile, File(description="JPEG or PNG")],
    visit_id: Annotated[int | None, Form(description="The visit it was taken on")] = None,
) -> PhotoRow:
    service.check_may_inspect(conn, who, case_id)  # scope before reading the upload
    data = photo.file.read(settings.limits.max_upload_bytes + 1)
    if len(data) > settings.limits.max_upload_bytes:
        raise HTTPException(413, "photo too large")
    ctype = rules.image_type(data)
    if ctype is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "only JPEG or PNG photos")
    check_pixels(data, settings.limits.max_image_pixels)
    return service.add_photo(conn, who, settings, case_id, (data, ctype), visit_id)


@router.get(
    "/{case_id}/photos/{photo_id}",
    summary="A photo's bytes",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def get_photo(case_id: int, photo_id: str, conn: Conn, who: User, settings: Settings) -> Response:
    path, content_type = service.photo_file(conn, who, settings, case_id, photo_id)
    return Response(
        path.read_bytes(),
        media_type=content_type,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/{case_id}/decision", response_model=CaseDetail, summary="The authority decides")
def decide(case_id: int, body: DecisionIn, conn: Conn, who: User, tz: TzOffset) -> dict[str, Any]:
    return service.decide(conn, who, case_id, body.decision, body.note, tz)
