"""Alerts: list and filter, detail with the evidence timeline, status changes.
Inspectors see the alerts of their grids, managers of their estates, authority all;
status changes (managers in their estates, admin) are audited. The use cases are in
anju_platform.services.alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from anju_platform.deps import MAX_OFFSET, Conn, User
from anju_platform.detect.repo_alerts import AlertRow
from anju_platform.services import alerts as service

router = APIRouter(prefix="/alerts", tags=["alerts"])


class AlertOut(AlertRow):
    pass  # the fields are declared once, with the row the repo reads


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
    filters = {
        "grid": grid_id,
        "types": type,
        "statuses": status or ["open", "acknowledged"],
        "min_score": min_score,
        "since": since,
        "until": until,
    }
    return service.list_alerts(conn, who, estate_id, filters, limit, offset)


@router.get("/{alert_id}", response_model=AlertDetail, summary="An alert with its evidence")
def get_alert(alert_id: int, conn: Conn, who: User) -> dict[str, Any]:
    return service.read_alert(conn, who, alert_id)


@router.post("/{alert_id}/status", response_model=AlertOut, summary="Acknowledge, close, dismiss")
def set_status(alert_id: int, body: StatusIn, conn: Conn, who: User) -> dict[str, Any]:
    return service.change_status(conn, who, alert_id, body.status, body.note)
