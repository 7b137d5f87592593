"""Patrols (巡查): checkpoints with QR posters, scans by logged-in staff (the poster's
link /p/{code} opens the console, which posts the code), and monthly coverage."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from anju_common.localtime import local_day
from anju_platform.access import Action, Location, Policy, list_filter
from anju_platform.api.register import STRUCTURE
from anju_platform.deps import Conn, Settings, TzOffset, User, guard, log
from anju_platform.public import posters
from anju_platform.repo import patrols as repo
from anju_platform.repo.patrols import CheckpointRow
from anju_platform.schemas import Id
from anju_platform.workflow import patrols

router = APIRouter(tags=["patrols"])
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
POSTER = Policy()  # printing a poster is a write-class action: manager in scope, admin


class CheckpointIn(BaseModel):
    checkpoint_id: Id = Field(description="The estate office's own id")
    estate_id: Id
    building_id: Id | None = Field(default=None, description="Building it hangs in")
    grid_id: Id | None = Field(default=None, description="Grid whose inspector patrols it")
    name: str = Field(min_length=1, max_length=200, description="e.g. 1栋 楼顶")
    ended_on: date | None = None


class CheckpointOut(CheckpointRow):
    pass


class ScanIn(BaseModel):
    code: str = Field(max_length=512, description="The code from the poster's /p/{code} link")


class ScanOut(BaseModel):
    scan_id: int
    checkpoint_id: str
    checkpoint_name: str
    estate_id: str
    grid_id: str | None
    user_id: str | None
    scanned_at: datetime


class CheckpointCoverageOut(BaseModel):
    checkpoint_id: str
    name: str
    grid_id: str | None
    scans: int = Field(description="Scans in the month")
    days_covered: int = Field(description="Local days with at least one scan")
    days: int = Field(description="Days counted: days of the month so far, while it existed")
    coverage: float | None = Field(description="days_covered / days; null if no days counted")


class GroupCoverageOut(BaseModel):
    grid_id: str | None = Field(description="null: checkpoints without a grid, or the total")
    checkpoints: int
    scans: int
    days_covered: int
    days: int
    coverage: float | None


class CoverageOut(BaseModel):
    estate_id: str
    month: str
    checkpoints: list[CheckpointCoverageOut]
    grids: list[GroupCoverageOut]
    total: GroupCoverageOut


def _where(row: CheckpointRow | None) -> list[Location] | None:
    return None if row is None else [Location(row.estate_id, row.grid_id)]


@router.get("/checkpoints", response_model=list[CheckpointOut], summary="Patrol checkpoints")
def list_checkpoints(conn: Conn, who: User, estate_id: str = Query(...)) -> list[CheckpointRow]:
    ok, _ = list_filter(who, STRUCTURE, estate_id)
    if not ok:
        raise HTTPException(403, "estate is outside your scope")
    with conn.transaction():
        return repo.list_checkpoints(conn, estate_id)


@router.post(
    "/checkpoints", response_model=CheckpointOut, status_code=201, summary="Add a checkpoint"
)
def create_checkpoint(body: CheckpointIn, conn: Conn, who: User) -> CheckpointRow | dict[str, Any]:
    where = [Location(body.estate_id, body.grid_id)]
    with conn.transaction():
        guard(who, Action.WRITE, STRUCTURE, where, "checkpoint")
        for table, key, value in (
            ("buildings", "building_id", body.building_id),
            ("grids", "grid_id", body.grid_id),
        ):
            if value is not None and repo.estate_of(conn, table, key, value) != body.estate_id:
                raise HTTPException(422, f"{key} {value} is not in estate {body.estate_id}")
        if repo.get_checkpoint(conn, body.checkpoint_id) is not None:
            raise HTTPException(409, f"checkpoint {body.checkpoint_id} exists")
        repo.insert_checkpoint(conn, body.model_dump())
        log(conn, who, "create", "checkpoint", body.checkpoint_id, where)
        return repo.get_checkpoint(conn, body.checkpoint_id) or {}


@router.get(
    "/checkpoints/{checkpoint_id}/poster",
    response_class=HTMLResponse,
    summary="Printable poster with the checkpoint's QR code (links to /p/{code})",
)
def checkpoint_poster(
    checkpoint_id: str, request: Request, conn: Conn, who: User, settings: Settings
) -> HTMLResponse:
    with conn.transaction():
        cp = repo.get_checkpoint(conn, checkpoint_id)
        where = guard(who, Action.WRITE, POSTER, _where(cp), "checkpoint")
        assert cp is not None
        code = patrols.checkpoint_code(settings.signing_key(), checkpoint_id)
        url = posters.public_url(settings, request, f"/p/{code}")
        log(conn, who, "print_poster", "checkpoint", checkpoint_id, where)
        estate = repo.estate_name(conn, cp.estate_id)
    warning = posters.poster_warning(settings, url)
    html = posters.checkpoint_poster(estate, cp.name, checkpoint_id, url, warning)
    return HTMLResponse(html, headers={"Content-Security-Policy": posters.CSP})


@router.post(
    "/patrols/scans", response_model=ScanOut, status_code=201, summary="Record a patrol scan"
)
def scan(body: ScanIn, conn: Conn, who: User, settings: Settings, tz: TzOffset) -> dict[str, Any]:
    checkpoint_id = patrols.read_checkpoint_code(settings.signing_key(), body.code.strip())
    if checkpoint_id is None:
        raise HTTPException(404, "not a checkpoint code")
    with conn.transaction():
        cp = repo.get_checkpoint(conn, checkpoint_id)
        if cp is None:
            raise HTTPException(404, "checkpoint not found")
        if not patrols.may_scan(who, cp.estate_id, cp.grid_id):
            raise HTTPException(403, "checkpoint is outside your scope")
        today = local_day(datetime.now(UTC), tz)
        if cp.ended_on is not None and cp.ended_on < today:
            raise HTTPException(409, "checkpoint was taken out of use")
        row = repo.add_scan(conn, checkpoint_id, cp.estate_id, who.user_id)
        log(conn, who, "scan", "checkpoint", checkpoint_id, _where(cp), {"scan_id": row.scan_id})
        return {**asdict(row), "checkpoint_name": cp.name, "grid_id": cp.grid_id}


def coverage_of(
    conn: Any, estate_id: str, year: int, month: int, offset_h: int
) -> tuple[list[patrols.CheckpointCoverage], list[patrols.GroupCoverage], patrols.GroupCoverage]:
    start, end = patrols.month_bounds(year, month, offset_h)
    cps = [
        patrols.Checkpoint(c.checkpoint_id, c.name, c.grid_id, c.ended_on)
        for c in repo.list_checkpoints(conn, estate_id)
    ]
    today = local_day(datetime.now(UTC), offset_h)
    return patrols.coverage(
        cps, repo.scans(conn, estate_id, start, end), year, month, today, offset_h
    )


def parse_month(month: str) -> tuple[int, int]:
    ym = patrols.parse_month(month)
    if ym is None:
        raise HTTPException(422, "month must be YYYY-MM")
    return ym


@router.get("/patrols/coverage", response_model=CoverageOut, summary="Patrol coverage of a month")
def coverage(
    conn: Conn,
    who: User,
    settings: Settings,
    tz: TzOffset,
    estate_id: str = Query(...),
    month: str = Query(..., pattern=MONTH_PATTERN, description="YYYY-MM (local month)"),
) -> dict[str, Any]:
    ok, _ = list_filter(who, STRUCTURE, estate_id)
    if not ok:
        raise HTTPException(403, "estate is outside your scope")
    year, mon = parse_month(month)
    with conn.transaction():
        per, groups, total = coverage_of(conn, estate_id, year, mon, tz)
    return {
        "estate_id": estate_id,
        "month": month,
        "checkpoints": [asdict(p) for p in per],
        "grids": [asdict(g) for g in groups],
        "total": asdict(total),
    }
