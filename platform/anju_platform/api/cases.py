"""Inspection cases (核查案件): an opened alert becomes a task for its grid's inspector.
Visits record the outcome (confirmed -> a points deduction proposed to the authority;
not confirmed -> the alert is dismissed and the pattern suppressed; no access -> try
again), photos are kept as evidence, the authority decides, and a case exports as a
self-contained HTML evidence pack. Every read of a case and every change is audited."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from anju_common.vocabulary import CaseStatus, Decision
from anju_platform.access import Action, Location, Principal, allowed, list_filter
from anju_platform.api.alerts import EvidenceOut, with_snapshots
from anju_platform.api.register import FLAT
from anju_platform.console.places import flat_label
from anju_platform.deps import MAX_OFFSET, Conn, Settings, TzOffset, User, guard, log
from anju_platform.detect import repo as detect_repo
from anju_platform.images import check_pixels
from anju_platform.repo import cases as repo
from anju_platform.repo.notifications import notify
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import cases as rules
from anju_platform.workflow import evidence_pack, evidence_pdf

router = APIRouter(prefix="/cases", tags=["cases"])

Outcome = rules.Outcome
Reason = rules.Reason
REGISTER_NOTE_ZH = "需由工作人员在登记系统中登记该人员（护理人员或家庭成员）"
REGISTER_NOTE_EN = "Staff must register the person (caregiver or family member) in the register"


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


# --- helpers ------------------------------------------------------------------------------


def _where(row: dict[str, Any] | None) -> list[Location] | None:
    return None if row is None else [Location(row["estate_id"], row["grid_id"])]


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "overdue": rules.is_overdue(row["status"], row["due_at"], datetime.now(UTC))}


def _local_day(t: datetime, tz: int) -> date:
    return (t.astimezone(UTC) + timedelta(hours=tz)).date()


def _find(conn: Conn, case_id: int, lock: bool = False) -> dict[str, Any]:
    row = repo.get_case(conn, case_id, lock)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "case not found")
    return row


def _may_inspect(who: Principal, row: dict[str, Any]) -> list[Location]:
    if not rules.may_inspect(who, row["estate_id"], row["grid_id"]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "case is outside your scope")
    return [Location(row["estate_id"], row["grid_id"])]


def _household(
    conn: Conn, who: Principal, row: dict[str, Any], hid: str | None, today: date
) -> dict[str, Any] | None:
    """The household with its members; their phone numbers only for the inspector the
    case is assigned to (who is about to knock on the door), and that read is audited."""
    if hid is None:
        return None
    found = repo.household(conn, hid, today)
    mine = row["assignee_id"] is not None and row["assignee_id"] == who.user_id
    phones = [m for m in found["members"] if m["phone"]] if mine else []
    if phones:
        log(conn, who, "read_phone", "case", str(row["case_id"]),
            [Location(row["estate_id"], row["grid_id"])],
            {"persons": [m["person_id"] for m in phones]})  # fmt: skip
    if not mine:
        found["members"] = [{**m, "phone": None} for m in found["members"]]
    return found


def _detail(conn: Conn, row: dict[str, Any], who: Principal, tz: int) -> dict[str, Any]:
    cid = row["case_id"]
    today = _local_day(datetime.now(UTC), tz)
    ded = repo.deduction(conn, cid)
    hid = ded["household_id"] if ded else None
    hid = hid or repo.household_id(conn, row["unit_id"], today)
    sups = repo.suppressions(conn, cid)
    change = next((s for s in sups if s["reason"].startswith("register_change:")), None)
    return {
        **_out(row),
        "evidence": with_snapshots(conn, detect_repo.alert_evidence(conn, row["alert_id"])),
        "visits": repo.visits(conn, cid),
        "photos": repo.photos(conn, cid),
        "deduction": ded,
        "decision": repo.decision(conn, cid),
        "household": _household(conn, who, row, hid, today),
        "suppressions": sups,
        "register_change": None
        if change is None
        else {
            "reason": change["reason"].split(":", 1)[1],
            "note_zh": REGISTER_NOTE_ZH,
            "note_en": REGISTER_NOTE_EN,
        },
    }


def _file(base: Path, rel: str) -> Path | None:
    """A stored file under its directory (never outside it), or None if gone."""
    root = base.resolve()
    p = (root / rel).resolve()
    if not p.is_relative_to(root) or not p.is_file():
        return None
    return p


# --- routes -------------------------------------------------------------------------------


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
    ok, grids = list_filter(who, FLAT, estate_id)
    if not ok:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "estate is outside your scope")
    filters = {
        "statuses": [str(s) for s in status_ or (CaseStatus.OPEN, CaseStatus.CONFIRMED)],
        "grid": grid_id,
        "assignee": assignee_id,
        "overdue": overdue,
    }
    with conn.transaction():
        rows = repo.list_cases(conn, estate_id, grids, filters, limit, offset)
        log(conn, who, "list", "case", None, [Location(estate_id)], {"count": len(rows)})
        return [_out(r) for r in rows]


@router.get("/mine", response_model=list[CaseOut], summary="My open cases (phone task list)")
def my_cases(conn: Conn, who: User) -> list[dict[str, Any]]:
    with conn.transaction():
        # still assigned but no longer in the caller's scope (grids or estates changed):
        # not shown, as GET /cases/{id} would refuse them
        rows = [
            r
            for r in repo.my_cases(conn, who.user_id)
            if allowed(who, Action.READ, FLAT, [Location(r["estate_id"], r["grid_id"])])
        ]
        log(conn, who, "list", "case", None, None, {"mine": True, "count": len(rows)})
        return [_out(r) for r in rows]


@router.get("/{case_id}", response_model=CaseDetail, summary="A case with evidence and visits")
def get_case(case_id: int, conn: Conn, who: User, tz: TzOffset) -> dict[str, Any]:
    with conn.transaction():
        row = repo.get_case(conn, case_id)
        where = guard(who, Action.READ, FLAT, _where(row), "case")
        assert row is not None
        log(conn, who, "read", "case", str(case_id), where)
        return _detail(conn, row, who, tz)


@router.post("/{case_id}/assign", response_model=CaseOut, summary="Reassign a case")
def assign(case_id: int, body: AssignIn, conn: Conn, who: User) -> dict[str, Any]:
    with conn.transaction():
        row = repo.get_case(conn, case_id, lock=True)
        where = guard(who, Action.WRITE, FLAT, _where(row), "case")
        assert row is not None
        if row["status"] != "open":
            raise HTTPException(status.HTTP_409_CONFLICT, f"case is {row['status']}")
        user = repo.user_for_assignment(conn, body.assignee_id)
        if user is None or not rules.may_be_assigned(*user, row["grid_id"]):
            raise HTTPException(
                422, f"assignee must be an active inspector of grid {row['grid_id']}"
            )
        repo.assign(conn, case_id, body.assignee_id)
        notify(conn, "case.assigned", row["estate_id"], row["grid_id"],
               {"case_id": case_id, "alert_id": row["alert_id"],
                "assignee_id": body.assignee_id})  # fmt: skip
        log(conn, who, "assign", "case", str(case_id), where,
            {"from": row["assignee_id"], "to": body.assignee_id})  # fmt: skip
        return _out(_find(conn, case_id))


@router.post("/{case_id}/visits", response_model=CaseDetail, summary="Record a visit")
def add_visit(
    case_id: int, body: VisitIn, conn: Conn, who: User, settings: Settings, tz: TzOffset
) -> dict[str, Any]:
    now = datetime.now(UTC)
    at = body.visited_at or now
    if at > now + timedelta(minutes=5):
        raise HTTPException(422, "visited_at is in the future")
    with conn.transaction():
        row = _find(conn, case_id, lock=True)
        where = _may_inspect(who, row)
        if row["status"] != "open":
            raise HTTPException(status.HTTP_409_CONFLICT, f"case is {row['status']}")
        earliest = row["opened_at"] and row["opened_at"] - timedelta(
            minutes=settings.cases.visit_grace_minutes
        )
        if earliest and at < earliest:
            raise HTTPException(
                422, f"visited_at is before the alert was raised ({row['opened_at'].isoformat()})"
            )
        try:
            eff = rules.visit_effect(
                body.outcome,
                row["type"],
                violation_type=body.violation_type,
                reason=body.reason,
                points=body.points,
                deduction_points=settings.cases.deduction_points,
                suppression_days=settings.cases.suppression_days,
            )
        except rules.RuleError as exc:
            raise HTTPException(422, str(exc)) from None
        day = _local_day(at, tz)
        vid = repo.add_visit(
            conn, case_id, who.user_id, at, body.outcome, eff.violation_type, body.reason,
            body.notes,
        )  # fmt: skip
        repo.set_case_status(conn, case_id, eff.case_status, at)
        notify(conn, "case.visited", row["estate_id"], row["grid_id"],
               {"case_id": case_id, "alert_id": row["alert_id"], "visit_id": vid,
                "outcome": body.outcome})  # fmt: skip
        detail: dict[str, Any] = {"visit_id": vid, "outcome": body.outcome}
        if eff.alert_status is not None:
            note = f"case {case_id}: {body.outcome}" + (f" ({body.reason})" if body.reason else "")
            repo.set_alert_status(conn, row["alert_id"], eff.alert_status, note)
        if eff.points is not None and eff.violation_type is not None:
            hid = repo.household_id(conn, row["unit_id"], day)
            did = repo.add_deduction(
                conn, case_id, hid, eff.violation_type, eff.points, who.user_id
            )
            detail |= {"deduction_id": did, "points": eff.points, "household_id": hid}
            notify(conn, "case.confirmed", row["estate_id"], row["grid_id"],
                   {"case_id": case_id, "alert_id": row["alert_id"],
                    "violation_type": eff.violation_type, "household_id": hid,
                    "points": eff.points, "deduction_id": did})  # fmt: skip
        if eff.suppress_days is not None and row["unit_id"] is not None:
            start, end = rules.suppression_window(row["first_day"], day, eff.suppress_days)
            reason = f"register_change:{body.reason}" if eff.register_change else str(body.reason)
            sid = repo.add_suppression(
                conn, row["unit_id"], row["type"], start, end, reason, case_id, who.user_id
            )
            detail |= {"suppression_id": sid, "reason": reason}
        log(conn, who, "visit", "case", str(case_id), where, detail)
        return _detail(conn, _find(conn, case_id), who, tz)


@router.post("/{case_id}/photos", response_model=PhotoOut, status_code=201, summary="Add a photo")
def add_photo(
    case_id: int,
    conn: Conn,
    who: User,
    settings: Settings,
    photo: Annotated[UploadFile, File(description="JPEG or PNG")],
    visit_id: Annotated[int | None, Form(description="The visit it was taken on")] = None,
) -> dict[str, Any]:
    with conn.transaction():  # check scope before reading the upload
        row = _find(conn, case_id)
        _may_inspect(who, row)
    data = photo.file.read(settings.limits.max_upload_bytes + 1)
    if len(data) > settings.limits.max_upload_bytes:
        raise HTTPException(413, "photo too large")
    ctype = rules.image_type(data)
    if ctype is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "only JPEG or PNG photos")
    check_pixels(data, settings.limits.max_image_pixels)
    pid = uuid.uuid4().hex
    rel = f"{case_id}/{pid}.{'jpg' if ctype == 'image/jpeg' else 'png'}"
    path = settings.cases.evidence_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    try:
        with conn.transaction():
            row = _find(conn, case_id, lock=True)
            where = _may_inspect(who, row)
            if row["status"] == "cancelled":
                raise HTTPException(status.HTTP_409_CONFLICT, "case is cancelled")
            if visit_id is not None and not repo.visit_of_case(conn, case_id, visit_id):
                raise HTTPException(422, f"visit {visit_id} is not a visit of this case")
            digest = hashlib.sha256(data).hexdigest()
            out = repo.add_photo(conn, pid, case_id, visit_id, rel, ctype, digest, who.user_id)
            log(conn, who, "add_photo", "case", str(case_id), where,
                {"photo_id": pid, "sha256": digest, "bytes": len(data)})  # fmt: skip
            return out
    except BaseException:
        path.unlink(missing_ok=True)
        raise


@router.get(
    "/{case_id}/photos/{photo_id}",
    summary="A photo's bytes",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def get_photo(case_id: int, photo_id: str, conn: Conn, who: User, settings: Settings) -> Response:
    with conn.transaction():
        row = repo.get_case(conn, case_id)
        where = guard(who, Action.READ, FLAT, _where(row), "case")
        meta = repo.get_photo(conn, case_id, photo_id)
        if meta is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "photo not found")
        path = _file(settings.cases.evidence_dir, meta["path"])
        if path is None:
            raise HTTPException(status.HTTP_410_GONE, "photo file is gone")
        log(conn, who, "read_photo", "case", str(case_id), where, {"photo_id": photo_id})
    return Response(
        path.read_bytes(),
        media_type=meta["content_type"],
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/{case_id}/decision", response_model=CaseDetail, summary="The authority decides")
def decide(case_id: int, body: DecisionIn, conn: Conn, who: User, tz: TzOffset) -> dict[str, Any]:
    with conn.transaction():
        row = _find(conn, case_id, lock=True)
        if not rules.may_decide(who):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "only the authority decides")
        where = [Location(row["estate_id"], row["grid_id"])]
        if row["status"] != "confirmed":
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"case is {row['status']}; decisions follow a confirmed visit",
            )
        settled = rules.decision_effect(body.decision)
        repo.add_decision(conn, case_id, body.decision, body.note, who.user_id)
        repo.settle_deductions(conn, case_id, settled)
        repo.set_case_status(conn, case_id, "decided")
        repo.set_alert_status(conn, row["alert_id"], "closed", f"case {case_id}: {body.decision}")
        notify(conn, "case.decided", row["estate_id"], row["grid_id"],
               {"case_id": case_id, "alert_id": row["alert_id"],
                "decision": body.decision})  # fmt: skip
        log(conn, who, "decide", "case", str(case_id), where,
            {"decision": body.decision, "deduction": settled})  # fmt: skip
        return _detail(conn, _find(conn, case_id), who, tz)


def _may_view_faces(who: Principal, settings: PlatformSettings) -> bool:
    return who.role in settings.faces.view_roles


def _on_clock(value: Any, zone: timezone) -> Any:
    """Every datetime in a case detail moved to the estates' clock."""
    if isinstance(value, datetime):
        return value.astimezone(zone)
    if isinstance(value, dict):
        return {k: _on_clock(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [_on_clock(v, zone) for v in value]
    return value


@dataclass
class _Pack:
    detail: dict[str, Any]
    photos: list[tuple[dict[str, Any], bytes]]
    snapshots: list[tuple[dict[str, Any], str, bytes]]  # (row, content type, bytes)


def _gather(conn: Conn, who: Principal, settings: PlatformSettings, case_id: int, tz: int) -> _Pack:
    """The case with its photo and snapshot files (snapshots for roles that see faces)."""
    row = repo.get_case(conn, case_id)
    guard(who, Action.READ, FLAT, _where(row), "case")
    assert row is not None
    d = _detail(conn, row, who, tz)
    photos = []
    for p in repo.photos(conn, case_id):
        f = _file(settings.cases.evidence_dir, p["path"])
        if f is not None:
            photos.append((p, f.read_bytes()))
    snaps = []
    snap_dir = settings.faces.snapshot_dir
    if _may_view_faces(who, settings):
        ids = sorted({e["event_id"] for e in d["evidence"] if e["event_id"]})
        for s in repo.snapshots(conn, ids):
            f = _file(snap_dir, s["path"])
            data = f.read_bytes() if f is not None else b""
            ctype = rules.image_type(data[:16]) if data else None
            if ctype is not None:
                snaps.append((s, ctype, data))
    return _Pack(d, photos, snaps)


@router.get(
    "/{case_id}/evidence-pack",
    summary="The case as one self-contained HTML file",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def evidence_pack_html(
    case_id: int, conn: Conn, who: User, settings: Settings, tz: TzOffset
) -> Response:
    with conn.transaction():
        pack = _gather(conn, who, settings, case_id, tz)
        d = pack.detail
        photos = [
            evidence_pack.Image(
                f"{p['photo_id']} · {p['uploaded_by']} · {p['uploaded_at']:%Y-%m-%d %H:%M}",
                p["content_type"],
                data,
            )
            for p, data in pack.photos
        ]
        snaps = [
            evidence_pack.Image(f"{s['event_id']} · {s['taken_at']:%Y-%m-%d %H:%M:%S}", ctype, data)
            for s, ctype, data in pack.snapshots
        ]
        zone = timezone(timedelta(hours=tz))
        d = _on_clock(d, zone)  # times on the estates' clock, with their offset
        html = evidence_pack.render(
            d, d["evidence"], d["visits"], photos, snaps, d["deduction"], d["decision"],
            d["household"], d["suppressions"], datetime.now(zone), who.user_id,
        )  # fmt: skip
        log(conn, who, "export", "case", str(case_id), _where(d),
            {"photos": len(photos), "snapshots": len(snaps)})  # fmt: skip
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}.html"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/{case_id}/evidence-pack.pdf",
    summary="The case as a PDF to hand to the authority (signature and stamp fields)",
    description="Chinese, times on the estates' clock, page numbers and the content's "
    "SHA-256 on every page (also in the X-Content-SHA256 header): the same case content "
    "gives the same checksum in every copy. 503 when the PDF font is not installed.",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def evidence_pack_pdf(
    case_id: int, conn: Conn, who: User, settings: Settings, tz: TzOffset
) -> Response:
    if not settings.cases.pdf_font.is_file():
        raise HTTPException(503, "the PDF font is not installed (ANJU_PLATFORM_PDF_FONT)")
    with conn.transaction():
        pack = _gather(conn, who, settings, case_id, tz)
        d = pack.detail
        place = repo.place_names(conn, d["unit_id"], d["grid_id"], d["estate_id"])
        people = {m["person_id"]: m["name"] for m in (d["household"] or {}).get("members", [])}
        if d["assignee_id"] and d["assignee_name"]:
            people[d["assignee_id"]] = d["assignee_name"]
        names = evidence_pdf.Names(
            flat=flat_label(place["building_name"], place["entrance_name"], place["number"])
            if place["number"]
            else (place["building_name"] or d["building_id"] or ""),
            estate=place["estate_name"] or d["estate_id"],
            address=place["address"],
            grid=place["grid_name"],
            gateways=repo.gateway_names(conn, d["estate_id"]),
            people=people,
        )
        photos = [
            evidence_pdf.PdfImage(
                evidence_pdf.local(p["uploaded_at"], tz) + " · "
                + people.get(p["uploaded_by"], p["uploaded_by"]),
                data, p["sha256"] or hashlib.sha256(data).hexdigest(), p["visit_id"],
            )
            for p, data in pack.photos
        ]  # fmt: skip
        snaps = [
            evidence_pdf.PdfImage(
                f"{evidence_pdf.local(s['taken_at'], tz)} · {s['event_id'][:8]}",
                data, hashlib.sha256(data).hexdigest(),
            )
            for s, _ctype, data in pack.snapshots
        ]  # fmt: skip
        pdf, digest = evidence_pdf.render_pdf(
            d, names, d["evidence"], d["visits"], photos, snaps, d["deduction"], d["decision"],
            d["household"], datetime.now(UTC), who.user_id, tz, settings.cases.pdf_font,
        )  # fmt: skip
        log(conn, who, "export", "case", str(case_id), _where(d),
            {"format": "pdf", "photos": len(photos), "snapshots": len(snaps),
             "sha256": digest})  # fmt: skip
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Content-SHA256": digest,
        },
    )
