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

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from fastapi.responses import Response

from anju_common.vocabulary import CaseStatus
from anju_platform.api.case_models import (
    AssignIn,
    CaseDetail,
    CaseOut,
    DecisionIn,
    PhotoOut,
    VisitIn,
)
from anju_platform.deps import MAX_OFFSET, Conn, Settings, User
from anju_platform.images import check_pixels
from anju_platform.services import case_reads as reads
from anju_platform.services import cases as service
from anju_platform.workflow import cases as rules

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
def get_case(case_id: int, conn: Conn, who: User) -> dict[str, Any]:
    return reads.read_case(conn, who, case_id)


@router.post("/{case_id}/assign", response_model=CaseOut, summary="Reassign a case")
def assign(case_id: int, body: AssignIn, conn: Conn, who: User) -> dict[str, Any]:
    return service.assign(conn, who, case_id, body.assignee_id)


@router.post("/{case_id}/visits", response_model=CaseDetail, summary="Record a visit")
def add_visit(
    case_id: int, body: VisitIn, conn: Conn, who: User, settings: Settings
) -> dict[str, Any]:
    visit = service.Visit(**body.model_dump())
    return service.add_visit(conn, who, settings, case_id, visit)


@router.post("/{case_id}/photos", response_model=PhotoOut, status_code=201, summary="Add a photo")
def add_photo(
    case_id: int,
    conn: Conn,
    who: User,
    settings: Settings,
    photo: Annotated[UploadFile, File(description="JPEG or PNG")],
    visit_id: Annotated[int | None, Form(description="The visit it was taken on")] = None,
) -> dict[str, Any]:
    service.check_may_inspect(conn, who, case_id)  # scope before reading the upload
    data = photo.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise HTTPException(413, "photo too large")
    ctype = rules.image_type(data)
    if ctype is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "only JPEG or PNG photos")
    check_pixels(data, settings.max_image_pixels)
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
def decide(case_id: int, body: DecisionIn, conn: Conn, who: User) -> dict[str, Any]:
    return service.decide(conn, who, case_id, body.decision, body.note)
