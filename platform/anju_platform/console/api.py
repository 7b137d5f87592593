"""GET /api/v1/overview/gateways: gateway health for the console's estate overview.
Gateways are not shown to inspectors (like the register's gateway records)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from anju_platform.access import list_filter
from anju_platform.api.register import NO_INSPECTOR
from anju_platform.deps import Conn, User
from anju_platform.repo import console

router = APIRouter(prefix="/overview", tags=["console"])


class GatewayHealthOut(BaseModel):
    gateway_id: str
    name: str | None = Field(description="Gateway name from the register")
    state: str = Field(description="online, offline or unknown (never reported)")
    version: str | None = Field(description="Agent version last reported")
    state_time: datetime | None = Field(description="When the state last changed")
    heartbeat_time: datetime | None = Field(description="Last heartbeat received")
    queue_depth: int | None = Field(description="Events buffered on the gateway")
    dropped: int | None = Field(description="Events the gateway dropped (buffer full)")


@router.get(
    "/gateways",
    response_model=list[GatewayHealthOut],
    summary="Gateway health of one estate (console overview)",
)
def gateway_health(
    conn: Conn, who: User, estate_id: str = Query(..., description="Estate")
) -> list[dict[str, Any]]:
    ok, _ = list_filter(who, NO_INSPECTOR, estate_id)
    if not ok:
        raise HTTPException(403, "estate is outside your scope")
    with conn.transaction():
        return console.gateway_health(conn, estate_id)
