"""Typed FastAPI dependencies: settings, the local time offset, a pooled connection, the
current user, and the guard every route calls before it touches a record (role x scope,
then audit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from anju_platform.access import Principal, Role
from anju_platform.repo import audit, users
from anju_platform.security import GATEWAY_TOKEN_PREFIX, read_token
from anju_platform.services import errors
from anju_platform.settings import PlatformSettings

MAX_OFFSET = 1_000_000  # list offsets: beyond, PostgreSQL's bigint overflowed into a 500 text
_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")


def get_settings(request: Request) -> PlatformSettings:
    settings: PlatformSettings = request.app.state.settings
    return settings


def get_tz_offset(request: Request) -> int:
    """The estates' local time offset (hours): set once by `create_app` (detection's
    ANJU_DETECT_TZ_OFFSET_HOURS unless given), so routes never read it from a module."""
    hours: int = request.app.state.tz_offset_hours
    return hours


def get_conn(request: Request) -> Iterator[psycopg.Connection]:
    """One pooled autocommit connection per request; routes open their own transactions."""
    pool: ConnectionPool = request.app.state.pool
    with pool.connection() as conn:
        yield conn


Settings = Annotated[PlatformSettings, Depends(get_settings)]
TzOffset = Annotated[int, Depends(get_tz_offset)]
Conn = Annotated[psycopg.Connection, Depends(get_conn)]
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


class ErrorOut(BaseModel):
    """Every error but a 422: `{"detail": "one line"}`; the public report routes give
    `{"detail": {"reason": ..., "message": ...}}` (docs/api.md)."""

    detail: str | dict[str, Any]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No valid token (or, at login, wrong password)"},
    403: {"model": ErrorOut, "description": "Outside your role or scope"},
    404: {"model": ErrorOut, "description": "No such record"},
    409: {"model": ErrorOut, "description": "Conflicts with the current state"},
}

UNAUTHORIZED = HTTPException(
    status.HTTP_401_UNAUTHORIZED, "not authenticated", headers={"WWW-Authenticate": "Bearer"}
)


def current_user(conn: Conn, settings: Settings, creds: Bearer) -> Principal:
    if creds is None or creds.credentials.startswith(GATEWAY_TOKEN_PREFIX):
        raise UNAUTHORIZED
    claims = read_token(settings.signing_key(), creds.credentials)
    if claims is None:
        raise UNAUTHORIZED
    user = users.get_user(conn, claims.user_id)
    if user is None or not user.active or user.token_version != claims.version:
        raise UNAUTHORIZED
    return users.principal(conn, user)


User = Annotated[Principal, Depends(current_user)]


def get_pool(request: Request) -> ConnectionPool:
    pool: ConnectionPool = request.app.state.pool
    return pool


Pool = Annotated[ConnectionPool, Depends(get_pool)]


def current_user_brief(pool: Pool, settings: Settings, creds: Bearer) -> Principal:
    """The current user, read on a connection given back at once: for routes that wait
    on the network (a pooled connection held across I/O starves every other request)."""
    with pool.connection() as conn:
        return current_user(conn, settings, creds)


BriefUser = Annotated[Principal, Depends(current_user_brief)]


def require_role(*roles: Role) -> Any:
    def check(who: User) -> Principal:
        if who.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "role not allowed")
        return who

    return Depends(check)


Admin = Annotated[Principal, require_role(Role.ADMIN)]


# The guard every route calls before it touches a record, and the audit entry: defined
# with the services (which call them too) and named here for the routes.
guard = errors.guard
log = audit.log
