"""Alerts: list and filter, detail with the evidence timeline, status changes.
Inspectors see the alerts of their grids, managers of their estates, authority all;
status changes (managers in their estates, admin) are audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from anju_platform.access import Action, Location, list_filter
from anju_platform.api.register import FLAT
from anju_platform.deps import MAX_OFFSET, Conn, User, guard, log
from anju_platform.detect import repo_alerts
from anju_platform.repo.case_context import with_snapshots

router = APIRouter(prefix="/alerts", tags=["alerts"])


class AlertOut(BaseModel):
    alert_id: int
    estate_id: str
    unit_id: str | None = Field(description="The flat; null for a report about a building")
    building_id: str | None = Field(default=None, description="Set for resident reports")
    source: str = Field(default="detection", description="detection or resident_report")
    grid_id: str | None
    type: str = Field(description="Stable type name, see docs/alerts.md")
    status: str = Field(description="watch, open, acknowledged, closed or dismissed")
    score: float
    level: int
    reason_en: str
    reason_zh: str
    first_day: date
    last_day: date
    opened_day: date | None
    opened_at: datetime | None
    updated_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    persons: list[str]


class EvidenceOut(BaseModel):
    at: datetime
    day: date
    kind: str
    event_id: str | None
    snapshot_ref: str | None
    note: str = Field(description="In English; prefer code and params")
    code: str | None = Field(
        default=None, description="The note as a stable code (docs/alerts.md, Evidence notes)"
    )
    params: dict[str, Any] | None = Field(default=None, description="The code's values")
    has_snapshot: bool = Field(
        default=False, description="The platform holds a face snapshot of this event"
    )


class AlertDetail(AlertOut):
    evidence: list[EvidenceOut] = Field(description="Timeline, oldest first")


class StatusIn(BaseModel):
    status: Literal["acknowledged", "closed", "dismissed"]
    note: str | None = Field(default=None, max_length=2000, description="Why (required to dismiss)")


def _where(row: dict[str, Any] | None) -> list[Location] | None:
    return None if row is None else [Location(row["estate_id"], row["grid_id"])]


@router.get("", response_model=list[AlertOut], summary="List and filter alerts")
def list_alerts(
    conn: Conn,
    who: User,
    estate_id: str = Query(..., description="Estate"),
    grid_id: str | None = Query(None),
    type: list[str] | None = Query(None, description="Alert types (repeat)"),
    status: list[str] | None = Query(
        None, description="Statuses (repeat); default: open and acknowledged"
    ),
    min_score: float | None = Query(None, ge=0, le=1),
    since: date | None = Query(None, description="Pattern seen on or after"),
    until: date | None = Query(None, description="Pattern began on or before"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[dict[str, Any]]:
    ok, grids = list_filter(who, FLAT, estate_id)
    if not ok:
        raise HTTPException(403, "estate is outside your scope")
    filters = {
        "grid": grid_id,
        "types": type,
        "statuses": status or ["open", "acknowledged"],
        "min_score": min_score,
        "since": since,
        "until": until,
    }
    with conn.transaction():
        return repo_alerts.list_alerts(conn, estate_id, grids, filters, limit, offset)


@router.get("/{alert_id}", response_model=AlertDetail, summary="An alert with its evidence")
def get_alert(alert_id: int, conn: Conn, who: User) -> dict[str, Any]:
    with conn.transaction():
        row = repo_alerts.get_alert(conn, alert_id)
        where = guard(who, Action.READ, FLAT, _where(row), "alert")
        assert row is not None
        log(conn, who, "read", "alert", str(alert_id), where)
        return {**row, "evidence": with_snapshots(conn, repo_alerts.alert_evidence(conn, alert_id))}


@router.post("/{alert_id}/status", response_model=AlertOut, summary="Acknowledge, close, dismiss")
def set_status(alert_id: int, body: StatusIn, conn: Conn, who: User) -> dict[str, Any]:
    if body.status == "dismissed" and not body.note:
        raise HTTPException(422, "a dismissal needs a reason (note)")
    with conn.transaction():
        row = repo_alerts.get_alert(conn, alert_id)
        where = guard(who, Action.WRITE, FLAT, _where(row), "alert")
        assert row is not None
        if row["status"] in ("closed", "dismissed"):
            raise HTTPException(409, f"alert is already {row['status']}")
        repo_alerts.set_status(conn, alert_id, body.status, body.note)
        log(conn, who, body.status, "alert", str(alert_id), where,
            {"from": row["status"], "note": body.note})  # fmt: skip
        return repo_alerts.get_alert(conn, alert_id) or {}
