"""Resident reports (举报). Public: the form token and the report itself (no account;
abuse is held off by a signed form token with a minimum fill time, a honeypot field,
rate limits per client and per building, duplicate rejection and length bounds).
Staff: the list (personal data: the contact; audited) and the printable QR poster."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from anju_common.localtime import local_day
from anju_platform.access import Action, Location, Policy, list_filter
from anju_platform.api.register import NO_INSPECTOR
from anju_platform.deps import MAX_OFFSET, Conn, Settings, TzOffset, User, guard, log
from anju_platform.public import posters
from anju_platform.repo import audit, reports
from anju_platform.repo.notifications import notify
from anju_platform.services import care as care_service
from anju_platform.services.errors import Invalid
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import reports as rules

public_router = APIRouter(prefix="/public", tags=["resident reports"])
router = APIRouter(tags=["resident reports"])

Category = Literal[
    "sublet", "vacant", "overcrowding", "change_of_use", "noise_or_safety", "other", "away"
]
POSTER = Policy(admin_only_write=False)  # poster: a write-class action (manager, admin)


class FormOut(BaseModel):
    form_token: str = Field(description="Send back with the report; signed, carries the issue time")
    min_fill_s: float = Field(description="The report is refused if sent sooner than this")
    max_age_s: int = Field(description="The token is refused after this; fetch a new one")
    estate_name: str
    building_name: str


class ReportIn(BaseModel):
    code: str = Field(max_length=512, description="The building code from the poster's QR link")
    unit_number: str | None = Field(
        default=None, max_length=32, description="Flat number, e.g. 302 (optional)"
    )
    category: Category = Field(
        description="What is wrong; 'away': I (or my elderly relative) will be away, from "
        "away_from to away_to (a reported absence, approved once staff confirm it)"
    )
    body: str = Field(
        max_length=5000,
        description="What the resident saw (length per settings); for 'away' optional",
    )
    away_from: date | None = Field(default=None, description="'away': first day away")
    away_to: date | None = Field(default=None, description="'away': last day away")
    contact: str | None = Field(
        default=None, max_length=100, description="Phone or name to call back; empty: anonymous"
    )
    form_token: str = Field(max_length=512, description="From GET /public/reports/form")
    website: str | None = Field(
        default=None, max_length=200, description="Leave empty (a field only robots fill in)"
    )


class ReportReceived(BaseModel):
    report_id: int
    received: bool = True


class ReportOut(BaseModel):
    report_id: int
    estate_id: str
    building_id: str
    unit_id: str | None = Field(description="The flat, when the unit number resolved")
    grid_id: str | None
    category: str
    body: str
    contact: str | None = Field(description="Personal data; null when anonymous")
    created_at: datetime
    alert_id: int | None
    alert_status: str | None


def _refuse(status: int, reason: str, message: str, **extra: Any) -> HTTPException:
    return HTTPException(status, {"reason": reason, "message": message, **extra})


def form_for(settings: PlatformSettings, code: str, now: float) -> str:
    return rules.issue_form_token(
        settings.signing_key(),
        code,
        now,
        settings.reports.min_fill_s,
        settings.reports.form_max_age_s,
    )


@public_router.get(
    "/reports/form",
    response_model=FormOut,
    summary="A form token for a resident report (public)",
)
def report_form(
    conn: Conn, settings: Settings, code: str = Query(..., max_length=512)
) -> dict[str, Any]:
    place = rules.read_building_code(settings.signing_key(), code)
    b = reports.building(conn, *place) if place else None
    if b is None:
        raise _refuse(404, "unknown_code", "unknown or withdrawn building code")
    return {
        "form_token": form_for(settings, code, time.time()),
        "min_fill_s": settings.reports.min_fill_s,
        "max_age_s": settings.reports.form_max_age_s,
        "estate_name": b["estate_name"],
        "building_name": b["building_name"],
    }


@public_router.post(
    "/reports",
    response_model=ReportReceived,
    status_code=201,
    summary="Send a resident report (public, no account)",
    responses={
        404: {"description": "unknown building code"},
        409: {
            "description": "reason duplicate: the same text was already reported about this"
            " building; form_used: this form token already carried a report"
        },
        422: {
            "description": "refused form: reason too_fast, expired, invalid_token, "
            "rejected (honeypot), body_too_short, body_too_long"
        },
        429: {"description": "too many reports; see Retry-After"},
    },
)
def send_report(
    body: ReportIn, request: Request, conn: Conn, settings: Settings, tz: TzOffset
) -> dict[str, Any]:
    key = settings.signing_key()
    now = time.time()
    place = rules.read_building_code(key, body.code)
    b = reports.building(conn, *place) if place else None
    if b is None:
        raise _refuse(404, "unknown_code", "unknown or withdrawn building code")
    if body.website:  # the honeypot: hidden from people, filled in by form robots
        raise _refuse(422, "rejected", "report refused")
    form = rules.check_form_token(key, body.form_token, body.code, now)
    if not form.ok:
        raise _refuse(422, form.reason, f"form refused: {form.reason}", wait_s=form.wait_s)
    away = body.category == "away"
    if away and (body.away_from is None or body.away_to is None or not body.unit_number):
        raise _refuse(422, "away_incomplete", "an absence needs the flat, from and to")
    problems = rules.body_problems(
        body.body,
        0 if away else settings.reports.body_min_chars,
        settings.reports.body_max_chars,
    )
    if problems:
        raise _refuse(
            422,
            problems[0],
            f"text must be {settings.reports.body_min_chars}"
            f"-{settings.reports.body_max_chars} characters",
        )
    client = rules.client_key(key, request.client.host if request.client else "unknown")
    with conn.transaction():
        reports.lock_building(conn, b["building_id"])  # also serialises a form's reuse
        if reports.form_used(conn, form.nonce):
            raise _refuse(409, "form_used", "this form was already sent; reload to report again")
        since = datetime.fromtimestamp(now - settings.reports.window_s, UTC)
        mine, theirs = reports.recent_times(conn, client, b["building_id"], since)
        verdict = rules.rate_verdict(
            mine,
            theirs,
            now,
            settings.reports.client_limit,
            settings.reports.building_limit,
            settings.reports.window_s,
        )
        if not verdict.ok:
            raise HTTPException(
                429,
                {"reason": verdict.reason, "message": "too many reports, try later",
                 "retry_after_s": verdict.retry_after_s},
                headers={"Retry-After": str(verdict.retry_after_s)},
            )  # fmt: skip
        dup_since = datetime.fromtimestamp(now, UTC) - timedelta(
            hours=settings.reports.duplicate_hours
        )
        if away:  # an absence, not a complaint: no alert, staff confirm it
            return {"report_id": _record_away(conn, b, body, client, form.nonce, tz),
                    "received": True}  # fmt: skip
        if settings.reports.duplicate_hours and reports.is_duplicate(
            conn, b["building_id"], body.body, dup_since
        ):
            raise _refuse(409, "duplicate", "this has already been reported")
        report_id = _record(conn, settings, b, body, client, form.nonce, tz)
    return {"report_id": report_id, "received": True}


def _record_away(
    conn: Any, b: dict[str, Any], body: ReportIn, client: str, nonce: str, tz: int
) -> int:
    """Store the report and the absence it announces (pending until staff confirm it)."""
    unit = reports.resolve_unit(conn, b["building_id"], body.unit_number or "")
    if unit is None:
        raise _refuse(422, "unknown_flat", "no such flat in this building")
    assert body.away_from is not None and body.away_to is not None
    report_id, _ = reports.insert_report(
        conn,
        {
            "estate_id": b["estate_id"],
            "building_id": b["building_id"],
            "unit_id": unit["unit_id"],
            "category": "away",
            "body": body.body.strip(),
            "contact": (body.contact or "").strip() or None,
            "client_key": client,
            "form_nonce": nonce,
        },
    )
    place = {**unit, "estate_id": b["estate_id"]}
    try:
        rid = care_service.report_absence(
            conn, place, body.away_from, body.away_to, body.body.strip() or None,
            (body.contact or "").strip() or None, "resident", "public", tz, report_id,
        )  # fmt: skip
    except Invalid as e:
        raise _refuse(422, "away_dates", str(e)) from e
    audit.record(conn, "public", "public", "create", "absence_report", str(rid),
                 b["estate_id"], {"resident_report_id": report_id})  # fmt: skip
    return report_id


def _record(
    conn: Any,
    settings: PlatformSettings,
    b: dict[str, Any],
    body: ReportIn,
    client: str,
    nonce: str,
    tz: int,
) -> int:
    """Store the report and put it on the flat's (or building's) live alert."""
    unit = reports.resolve_unit(conn, b["building_id"], body.unit_number or "")
    unit_id = unit["unit_id"] if unit else None
    report_id, at = reports.insert_report(
        conn,
        {
            "estate_id": b["estate_id"],
            "building_id": b["building_id"],
            "unit_id": unit_id,
            "category": body.category,
            "body": body.body.strip(),
            "contact": (body.contact or "").strip() or None,
            "client_key": client,
            "form_nonce": nonce,
        },
    )
    day = local_day(at, tz)
    live = reports.live_alert(conn, b["building_id"], unit_id)
    flat = unit["number"] if unit else None
    if live is None:
        grid = unit["grid_id"] if unit else reports.building_grid(conn, b["building_id"])
        alert_id = reports.open_alert(
            conn,
            {
                "estate_id": b["estate_id"],
                "unit_id": unit_id,
                "building_id": b["building_id"],
                "grid_id": grid,
                "score": rules.report_score(1),
                "level": rules.report_level(1),
                "reason_en": rules.report_reason([body.category], flat)[0],
                "reason_zh": rules.report_reason([body.category], flat)[1],
                "day": day,
            },
        )
        reports.link_report(conn, report_id, alert_id)
    else:
        alert_id, grid = live["alert_id"], live["grid_id"]
        reports.link_report(conn, report_id, alert_id)
        cats = reports.alert_categories(conn, alert_id)
        n = len(cats)
        reports.raise_alert(
            conn,
            alert_id,
            rules.report_score(n),
            rules.report_level(n),
            rules.report_reason(cats, flat),
            day,
        )
    zh = rules.CATEGORIES[body.category][1]
    reports.add_evidence(conn, alert_id, report_id, at, day, f"居民举报 {zh}: {body.body[:200]}")
    notify(
        conn,
        "report.received",
        b["estate_id"],
        grid,
        {
            "report_id": report_id,
            "alert_id": alert_id,
            "building_id": b["building_id"],
            "unit_id": unit_id,
            "category": body.category,
        },
    )
    audit.record(conn, "public", "public", "create", "resident_report", str(report_id),
                 b["estate_id"], {"alert_id": alert_id})  # fmt: skip
    return report_id


@router.get("/reports", response_model=list[ReportOut], summary="Resident reports of an estate")
def list_reports(
    conn: Conn,
    who: User,
    estate_id: str = Query(..., description="Estate"),
    since: datetime | None = Query(None, description="Received on or after"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[reports.ReportRow]:
    ok, _ = list_filter(who, NO_INSPECTOR, estate_id)
    if not ok:  # inspectors never: the contact is personal data
        raise HTTPException(403, "estate is outside your scope")
    with conn.transaction():
        rows = reports.list_reports(conn, estate_id, since, limit, offset)
        log(conn, who, "list", "resident_report", None, [Location(estate_id)],
            {"ids": [r.report_id for r in rows]})  # fmt: skip
        return rows


class PosterAddressOut(BaseModel):
    base_url: str = Field(description="The address QR posters print (before /r/... or /p/...)")
    configured: bool = Field(description="ANJU_PLATFORM_PUBLIC_BASE_URL is set")
    unreachable: str | None = Field(
        description="Why a resident's phone cannot open it (loopback, private, link-local, "
        "unspecified, local-name), or null; only when not configured"
    )


@router.get(
    "/posters/address",
    response_model=PosterAddressOut,
    summary="The address QR posters print, and whether residents' phones can open it",
)
def poster_address(request: Request, who: User, settings: Settings) -> PosterAddressOut:
    base = posters.public_url(settings, request, "")
    return PosterAddressOut(
        base_url=base,
        configured=bool(settings.reports.public_base_url),
        unreachable=posters.poster_warning(settings, base),
    )


@router.get(
    "/buildings/{building_id}/report-poster",
    response_class=HTMLResponse,
    summary="Printable poster with the building's report QR code",
)
def report_poster(
    building_id: str, request: Request, conn: Conn, who: User, settings: Settings
) -> HTMLResponse:
    with conn.transaction():
        b = reports.buildings_of(conn, building_id)
        where = None if b is None else [Location(b["estate_id"])]
        guard(who, Action.WRITE, POSTER, where, "building")
        assert b is not None
        code = rules.building_code(settings.signing_key(), b["estate_id"], building_id)
        url = posters.public_url(settings, request, f"/r/{code}")
        log(conn, who, "print_poster", "building", building_id, where)
    warning = posters.poster_warning(settings, url)
    html = posters.report_poster(b["estate_name"], b["building_name"], url, warning)
    return HTMLResponse(html, headers={"Content-Security-Policy": posters.CSP})
