"""Erasure of a person's data on request (manager in scope, admin) and the erasures log
(admin). What is removed and what is kept: docs/privacy.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from anju_platform.access import Action, InspectorAccess, Policy
from anju_platform.deps import MAX_OFFSET, Admin, Conn, Settings, User, guard, log
from anju_platform.lifecycle import UnknownPerson, erase_person
from anju_platform.repo import lifecycle as repo
from anju_platform.repo import rows
from anju_platform.repo import tables as t
from anju_platform.workflow.erasure import COUNT_KEYS, Reason

router = APIRouter(tags=["erasure"])
POLICY = Policy(inspector=InspectorAccess.NONE)
_COUNTS = "What was removed, per kind: " + ", ".join(COUNT_KEYS) + "."


class EraseIn(BaseModel):
    reason: Reason = Field(
        description="request: the person asked (PIPL); after_move_out: no longer needed."
    )
    note: str | None = Field(
        default=None,
        max_length=500,
        description="Reference of the request, kept in the audit log. Never the person's name.",
    )


class EraseOut(BaseModel):
    person_id: str = Field(description="The erased person; the id stays, anonymized.")
    counts: dict[str, int] = Field(description=_COUNTS)


class ErasureOut(BaseModel):
    erasure_id: int = Field(description="Erasure record id.")
    person_id: str = Field(description="The erased person.")
    reason: Reason = Field(description="request or after_move_out.")
    requested_by: str = Field(description="User id, or job:lifecycle for the automatic erasure.")
    done_at: datetime = Field(description="When the erasure was committed.")
    counts: dict[str, int] = Field(description=_COUNTS)


@router.post(
    "/persons/{person_id}/erase",
    response_model=EraseOut,
    summary="Erase a person's face data and anonymize the person (manager in scope, admin)",
)
def erase(
    person_id: str, body: EraseIn, conn: Conn, who: User, settings: Settings
) -> dict[str, Any]:
    with conn.transaction():
        where = guard(
            who, Action.WRITE, POLICY, rows.locate(conn, t.PERSONS, [person_id]), "person"
        )
        try:
            counts = erase_person(conn, settings, person_id, body.reason, who.user_id)
        except UnknownPerson:
            raise HTTPException(404, "person not found") from None
        detail: dict[str, Any] = {"reason": body.reason, "counts": counts}
        if body.note:
            detail["note"] = body.note
        log(conn, who, "erase", "person", person_id, where, detail)
    return {"person_id": person_id, "counts": counts}


@router.get("/erasures", response_model=list[ErasureOut], summary="Erasures done (admin)")
def list_erasures(
    conn: Conn,
    who: Admin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[dict[str, Any]]:
    with conn.transaction():
        found = repo.list_erasures(conn, limit, offset)
        log(conn, who, "list", "erasure", None, None, {"count": len(found)})
    return found
