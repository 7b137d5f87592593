"""Named staff of a grid (the inspectors who receive its alerts)."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Path

from anju_platform.access import Action
from anju_platform.api.crud import db_error
from anju_platform.api.register import STRUCTURE
from anju_platform.deps import Conn, User, guard, log
from anju_platform.repo import rows
from anju_platform.repo import tables as t
from anju_platform.schemas import GridStaffIn, GridStaffOut

router = APIRouter(prefix="/grids", tags=["grids"])

# The path's staff id is what gets stored, so it must meet the same rule as the body's.
StaffId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


@router.get("/{grid_id}/staff", response_model=list[GridStaffOut], summary="Staff of a grid")
def list_staff(grid_id: str, conn: Conn, who: User) -> list[GridStaffOut]:
    with conn.transaction():
        guard(who, Action.READ, STRUCTURE, rows.locate(conn, t.GRIDS, [grid_id]), "grid")
        return rows.children(conn, t.GRID_STAFF, "grid_id", grid_id, GridStaffOut)


@router.put(
    "/{grid_id}/staff/{staff_id}", response_model=GridStaffOut, summary="Add or update staff"
)
def put_staff(
    grid_id: str, staff_id: StaffId, body: GridStaffIn, conn: Conn, who: User
) -> GridStaffOut | dict[str, Any]:
    values = {**body.model_dump(), "grid_id": grid_id, "staff_id": staff_id}
    try:
        with conn.transaction():
            where = guard(
                who, Action.WRITE, STRUCTURE, rows.locate(conn, t.GRIDS, [grid_id]), "grid"
            )
            rows.upsert(conn, t.GRID_STAFF, values)
            log(conn, who, "update", "grid_staff", f"{grid_id}/{staff_id}", where)
            row = rows.fetch(conn, t.GRID_STAFF, [grid_id, staff_id], GridStaffOut)
    except psycopg.Error as exc:
        raise db_error(exc) from None
    return row or {}


@router.delete("/{grid_id}/staff/{staff_id}", status_code=204, summary="Remove staff from a grid")
def delete_staff(grid_id: str, staff_id: str, conn: Conn, who: User) -> None:
    with conn.transaction():
        where = guard(who, Action.WRITE, STRUCTURE, rows.locate(conn, t.GRIDS, [grid_id]), "grid")
        gone = rows.delete(conn, t.GRID_STAFF, [grid_id, staff_id])
        guard(who, Action.WRITE, STRUCTURE, where if gone else None, "staff member")
        log(conn, who, "delete", "grid_staff", f"{grid_id}/{staff_id}", where)
