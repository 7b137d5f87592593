"""Accounts and scopes (admin only)."""

from __future__ import annotations

from typing import Annotated

import psycopg
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field, StringConstraints

from anju_platform.access import Role
from anju_platform.api.crud import db_error
from anju_platform.deps import Admin, Conn, log
from anju_platform.repo import users
from anju_platform.schemas import Id, Name
from anju_platform.security import hash_password

router = APIRouter(prefix="/users", tags=["users"])
Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]


class UserIn(BaseModel):
    user_id: Id
    name: Name
    role: Role
    password: Password
    estates: list[Id] = Field(default=[], description="Manager scope")
    grids: list[Id] = Field(default=[], description="Inspector scope")


class UserPatch(BaseModel):
    name: Name | None = None
    role: Role | None = None
    password: Password | None = None
    active: bool | None = None
    estates: list[Id] | None = None
    grids: list[Id] | None = None


class UserOut(BaseModel):
    user_id: str
    name: str
    role: Role
    active: bool
    estates: list[str]
    grids: list[str]


def _out(conn: psycopg.Connection, user_id: str) -> UserOut:
    user = users.get_user(conn, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    p = users.principal(conn, user)
    return UserOut(
        user_id=user.user_id,
        name=user.name,
        role=user.role,
        active=user.active,
        estates=sorted(p.estates),
        grids=sorted(p.grids),
    )


@router.get("", response_model=list[UserOut], summary="List accounts")
def list_users(conn: Conn, who: Admin) -> list[UserOut]:
    with conn.transaction():
        return [
            UserOut(
                user_id=u.user_id, name=u.name, role=u.role, active=u.active, estates=e, grids=g
            )
            for u, e, g in users.list_users(conn)
        ]


@router.post("", response_model=UserOut, status_code=201, summary="Create an account")
def create_user(body: UserIn, conn: Conn, who: Admin) -> UserOut:
    try:
        with conn.transaction():
            users.create_user(
                conn, body.user_id, body.name, body.role, hash_password(body.password)
            )
            users.set_scopes(conn, body.user_id, body.estates, body.grids)
            log(conn, who, "create", "user", body.user_id, detail={"role": body.role.value})
            return _out(conn, body.user_id)
    except psycopg.Error as exc:
        raise db_error(exc) from None


@router.get("/{user_id}", response_model=UserOut, summary="Read an account")
def read_user(user_id: str, conn: Conn, who: Admin) -> UserOut:
    with conn.transaction():
        return _out(conn, user_id)


@router.patch("/{user_id}", response_model=UserOut, summary="Change role, scopes, password, active")
def update_user(user_id: str, body: UserPatch, conn: Conn, who: Admin) -> UserOut:
    with conn.transaction():
        admins = users.lock_active_admins(conn)
        # Any change to access revokes the user's current tokens.
        found = users.update_user(
            conn,
            user_id,
            name=body.name,
            role=body.role,
            active=body.active,
            password_hash=hash_password(body.password) if body.password else None,
            bump_tokens=any(x is not None for x in (body.role, body.password, body.active)),
        )
        if not found:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
        if admins and not users.lock_active_admins(conn):  # rolls the change back
            raise HTTPException(
                status.HTTP_409_CONFLICT, "the last active admin cannot be demoted or disabled"
            )
        if body.estates is not None or body.grids is not None:
            current = _out(conn, user_id)
            estates = body.estates if body.estates is not None else current.estates
            grids = body.grids if body.grids is not None else current.grids
            users.set_scopes(conn, user_id, estates, grids)
        log(
            conn,
            who,
            "update",
            "user",
            user_id,
            detail={"changed": sorted(body.model_dump(exclude_unset=True))},
        )
        return _out(conn, user_id)
