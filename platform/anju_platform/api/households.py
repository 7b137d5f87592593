"""Household life cycle (move-in, move-out) and membership (lease holder / member)."""

from __future__ import annotations

from typing import Any, Literal

import psycopg
from fastapi import APIRouter, Query

from anju_platform.access import Action
from anju_platform.api.crud import db_error, links
from anju_platform.api.register import FLAT
from anju_platform.deps import Conn, User, guard, log
from anju_platform.repo import households, rows
from anju_platform.repo import tables as t
from anju_platform.schemas import EndOn, HouseholdOut, MemberIn, MemberOut

router = APIRouter(prefix="/households", tags=["households"])


@router.post("/{household_id}/move-in", response_model=HouseholdOut, summary="Record move-in")
def move_in(household_id: str, body: EndOn, conn: Conn, who: User) -> HouseholdOut | dict[str, Any]:
    with conn.transaction():
        where = guard(
            who, Action.WRITE, FLAT, rows.locate(conn, t.HOUSEHOLDS, [household_id]), "household"
        )
        row = households.move_in(conn, household_id, body.on)
        log(conn, who, "move_in", "household", household_id, where, {"on": str(body.on)})
    return row or {}


@router.post(
    "/{household_id}/move-out",
    response_model=HouseholdOut,
    summary="Record move-out: closes memberships and caregivers (and cards if asked)",
)
def move_out(
    household_id: str,
    body: EndOn,
    conn: Conn,
    who: User,
    revoke_credentials: bool = Query(False, description="Also revoke the members' cards"),
    reason: Literal["moved_out", "evicted", "other"] = Query(
        "moved_out",
        description="Why the tenancy ends: 'evicted' puts the members' face enrolments on "
        "the evicted watch list for the configured period (docs/privacy.md).",
    ),
) -> HouseholdOut | dict[str, Any]:
    with conn.transaction():
        where = guard(
            who, Action.WRITE, FLAT, rows.locate(conn, t.HOUSEHOLDS, [household_id]), "household"
        )
        row = households.move_out(conn, household_id, body.on, revoke_credentials, reason)
        log(
            conn,
            who,
            "move_out",
            "household",
            household_id,
            where,
            {"on": str(body.on), "revoke_credentials": revoke_credentials, "reason": reason},
        )
    return row or {}


@router.get("/{household_id}/members", response_model=list[MemberOut], summary="Members")
def list_members(household_id: str, conn: Conn, who: User) -> list[MemberOut]:
    with conn.transaction():
        where = guard(
            who, Action.READ, FLAT, rows.locate(conn, t.HOUSEHOLDS, [household_id]), "household"
        )
        found = rows.children(conn, t.MEMBERS, "household_id", household_id, MemberOut)
        log(
            conn,
            who,
            "list",
            "member",
            household_id,
            where,
            {"persons": [m.person_id for m in found]},
        )
    return found


@router.post(
    "/{household_id}/members", response_model=MemberOut, status_code=201, summary="Add a member"
)
def add_member(household_id: str, body: MemberIn, conn: Conn, who: User) -> MemberOut:
    values = {**body.model_dump(), "household_id": household_id}
    try:
        with conn.transaction():
            where = guard(
                who,
                Action.WRITE,
                FLAT,
                rows.locate(conn, t.HOUSEHOLDS, [household_id]),
                "household",
            )
            links(conn, who, t.MEMBERS, values)
            row = rows.insert(conn, t.MEMBERS, values, MemberOut)
            log(conn, who, "create", "member", f"{household_id}/{body.person_id}", where)
    except psycopg.Error as exc:
        raise db_error(exc) from None
    return row


@router.post(
    "/{household_id}/members/{person_id}/end", response_model=MemberOut, summary="End a membership"
)
def end_member(
    household_id: str, person_id: str, body: EndOn, conn: Conn, who: User
) -> MemberOut | dict[str, Any]:
    with conn.transaction():
        where = guard(
            who, Action.WRITE, FLAT, rows.locate(conn, t.HOUSEHOLDS, [household_id]), "household"
        )
        row = households.end_membership(conn, household_id, person_id, body.on)
        guard(who, Action.WRITE, FLAT, where if row else None, "open membership")
        log(conn, who, "end", "member", f"{household_id}/{person_id}", where, {"on": str(body.on)})
    return row or {}
