"""Login (OAuth2 password form, so the OpenAPI page can log in), who-am-I, logout."""

from __future__ import annotations

from datetime import UTC, datetime
from math import ceil
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from anju_platform import throttle
from anju_platform.console.roles import capabilities
from anju_platform.deps import Conn, ErrorOut, Settings, User, log
from anju_platform.repo import audit, logins, users
from anju_platform.security import DUMMY_HASH, issue_token, verify_password
from anju_platform.settings import PlatformSettings

router = APIRouter(prefix="/auth", tags=["auth"])
MAX_NAME = 100  # longer names are no user's id; kept this long in the audit log


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class MeOut(BaseModel):
    user_id: str
    name: str
    role: str
    estates: list[str]
    grids: list[str]
    can: list[str] = Field(
        description="What the console shows this role (pages, buttons): names from "
        "anju_platform/console/roles.py; the API still decides each request"
    )


def _limits(settings: PlatformSettings) -> throttle.Limits:
    return throttle.Limits(
        settings.login.max_failures,
        settings.login.address_max_failures,
        settings.login.lockout_seconds,
        settings.login.lockout_max_seconds,
    )


@router.post(
    "/login",
    response_model=TokenOut,
    summary="Exchange user id and password for a token",
    responses={
        401: {"model": ErrorOut, "description": "Wrong user id or password"},
        429: {"model": ErrorOut, "description": "Too many failed logins: wait Retry-After"},
    },
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    conn: Conn,
    settings: Settings,
) -> TokenOut:
    # A login form can carry a megabyte of name: record a prefix (user ids are short).
    name = form.username[:MAX_NAME]
    address = request.client.host if request.client else "unknown"
    window = settings.login.lockout_max_seconds
    with conn.transaction():
        mine, theirs, last_mine, last_theirs, now = logins.failures(conn, name, address, window)
        wait = throttle.wait_seconds(_limits(settings), mine, theirs, last_mine, last_theirs, now)
        if wait > 0:
            audit.record(conn, name, "-", "login_throttled", "user", name,
                         detail={"address": address, "retry_after_s": ceil(wait)})  # fmt: skip
    if wait > 0:  # refused before the password is even checked, right or wrong
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins: try again later",
            headers={"Retry-After": str(ceil(wait))},
        )
    user = users.get_user(conn, name) if len(form.username) <= MAX_NAME else None
    # Verify against a dummy hash for unknown users: same time, no user enumeration.
    ok = verify_password(user.password_hash if user else DUMMY_HASH, form.password)
    with conn.transaction():
        if user is None or not ok or not user.active:
            audit.record(conn, name, "-", "login_failed", "user", name, detail={"address": address})
            logins.record_failure(conn, name, address, window)
            failed = True
        else:
            audit.record(conn, user.user_id, user.role.value, "login", "user", user.user_id)
            logins.clear(conn, user.user_id, address)
            failed = False
    if failed or user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user id or password")
    ttl = settings.auth.token_ttl_minutes * 60
    token = issue_token(settings.signing_key(), user.user_id, user.token_version, ttl)
    expires = int(token.split(".")[2])
    return TokenOut(access_token=token, expires_at=datetime.fromtimestamp(expires, UTC))


@router.get("/me", response_model=MeOut, summary="The logged-in user and their scopes")
def me(who: User) -> MeOut:
    return MeOut(
        user_id=who.user_id,
        name=who.name,
        role=who.role.value,
        estates=sorted(who.estates),
        grids=sorted(who.grids),
        can=capabilities(who.role),
    )


@router.post("/logout", status_code=204, summary="Revoke all of this user's tokens")
def logout(conn: Conn, who: User) -> None:
    with conn.transaction():
        users.update_user(conn, who.user_id, bump_tokens=True)
        log(conn, who, "logout", "user", who.user_id)
