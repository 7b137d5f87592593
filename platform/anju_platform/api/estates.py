"""Estates: listed by scope (there is no estate to filter by); the rest is plain CRUD."""

from __future__ import annotations

from fastapi import APIRouter

from anju_platform.access import Role
from anju_platform.deps import Conn, User
from anju_platform.repo import rows
from anju_platform.schemas import EstateOut

router = APIRouter(prefix="/estates", tags=["estates"])


@router.get("", response_model=list[EstateOut], summary="List the estates you can see")
def list_estates(conn: Conn, who: User) -> list[EstateOut]:
    if who.role in (Role.ADMIN, Role.AUTHORITY):
        ids = None
    elif who.role is Role.MANAGER:
        ids = sorted(who.estates)
    else:
        ids = sorted(who.grid_estates)
    with conn.transaction():
        return rows.list_estates(conn, ids, EstateOut)
