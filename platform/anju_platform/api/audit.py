"""The audit view (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from anju_platform.deps import Admin, Conn
from anju_platform.repo import audit

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditOut(BaseModel):
    audit_id: int
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str | None
    estate_id: str | None
    detail: dict[str, Any] | None


@router.get("", response_model=list[AuditOut], summary="Search the audit log, newest first")
def search_audit(
    conn: Conn,
    who: Admin,
    actor_id: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = Query(200, ge=1, le=10000),
) -> list[dict[str, Any]]:
    with conn.transaction():
        return audit.search(
            conn,
            actor_id=actor_id,
            target_type=target_type,
            target_id=target_id,
            action=action,
            since=since,
            limit=limit,
        )
