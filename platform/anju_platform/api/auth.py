"""Login (OAuth2 password form, so the OpenAPI page can log in), who-am-I, logout."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from anju_platform.console.roles import capabilities
from anju_platform.deps import Conn, Settings, User, log
from anju_platform.repo import audit, users
from anju_platform.security import DUMMY_HASH, issue_token, verify_password

router = APIRouter(prefix="/auth", tags=["auth"])


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


@router.post("/login", response_model=TokenOut, summary="Exchange user id and password for a token")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], conn: Conn, settings: Settings
) -> TokenOut:
    user = users.get_user(conn, form.username)
    # Verify against a dummy hash for unknown users: same time, no user enumeration.
    ok = verify_password(user.password_hash if user else DUMMY_HASH, form.password)
    with conn.transaction():
        if user is None or not ok or not user.active:
            audit.record(conn, form.username, "-", "login_failed", "user", form.username)
            failed = True
        else:
            audit.record(conn, user.user_id, user.role.value, "login", "user", user.user_id)
            failed = False
    if failed or user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user id or password")
    ttl = settings.token_ttl_minutes * 60
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
