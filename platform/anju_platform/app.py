"""The platform's FastAPI application. Later work (detection, cases, console) plugs in
by adding routers to `routers()`; every router gets the same typed dependencies."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg_pool import ConnectionPool

from anju_platform.settings import PlatformSettings, get_platform_settings

API_PREFIX = "/api/v1"


def routers() -> list[APIRouter]:
    from anju_platform.api import (
        alerts,
        audit,
        auth,
        case_exports,
        enrollments,
        erasures,
        estates,
        gateways,
        grids,
        households,
        imports,
        patrols,
        performance,
        register,
        reports,
        snapshots,
        stream,
        users,
        webhooks,
    )
    from anju_platform.api import care as care_api
    from anju_platform.api import cases as cases_api
    from anju_platform.console import api as console_api

    # Specific routes before the generic ones with the same prefix.
    return [
        auth.router,
        users.router,
        audit.router,
        estates.router,
        households.router,
        grids.router,
        gateways.router,
        enrollments.router,
        imports.router,
        alerts.router,
        reports.public_router,
        reports.router,
        patrols.router,
        performance.router,
        cases_api.router,
        case_exports.router,
        care_api.router,
        snapshots.router,
        erasures.router,
        stream.router,
        webhooks.router,
        console_api.router,
        *register.routers(),
    ]


def create_app(
    settings: PlatformSettings | None = None,
    database_url: str | None = None,
    tz_offset_hours: int | None = None,
) -> FastAPI:
    from anju_common.settings import get_database_settings
    from anju_platform.detect.settings import local_offset_hours

    settings = settings or get_platform_settings()
    settings.signing_key()  # refuse to build an app that cannot sign tokens
    db = get_database_settings()
    url = database_url or db.url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Autocommit: each route opens its own `conn.transaction()`, so a change and its
        # audit row commit together and an error response cannot roll back a failed-login row.
        pool = ConnectionPool(
            url, min_size=1, max_size=max(db.pool_size, 4), open=False, kwargs={"autocommit": True}
        )
        pool.open(wait=True, timeout=30)
        app.state.pool = pool
        from anju_platform.detect.schedule import start_background
        from anju_platform.jobs import start_jobs

        stop_detection = start_background(url)  # off unless ANJU_DETECT_*_ENABLED
        stop_jobs = start_jobs(url, settings)
        try:
            yield
        finally:
            stop_jobs()
            stop_detection()
            pool.close()

    app = FastAPI(
        title="Anju platform API",
        version="1",
        description="Register, accounts and audit for public rental housing estates.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # One clock for every route (deps.TzOffset): local days, charts, evidence packs.
    app.state.tz_offset_hours = local_offset_hours() if tz_offset_hours is None else tz_offset_hours
    app.state.webhook_tests = threading.BoundedSemaphore(settings.webhooks.test_concurrency)
    from anju_platform.unicode_guard import UnicodeGuard

    app.add_middleware(UnicodeGuard)  # "a\ud800b" in a JSON body: 422, not a 500 later

    @app.get("/healthz", tags=["health"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(psycopg.IntegrityError)
    @app.exception_handler(psycopg.DataError)
    async def client_data_error(request: Request, exc: Exception) -> JSONResponse:
        """A value the database refuses (NUL byte, out of range, FK) in any route: 4xx."""
        from anju_platform.api.crud import db_error

        assert isinstance(exc, psycopg.Error)
        err = db_error(exc)
        return JSONResponse({"detail": err.detail}, status_code=err.status_code)

    from anju_platform.services.errors import ServiceError

    @app.exception_handler(ServiceError)
    async def refused(request: Request, exc: Exception) -> JSONResponse:
        """A use case refused the request: the one place its reason becomes a response."""
        assert isinstance(exc, ServiceError)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    from anju_platform.deps import ERROR_RESPONSES

    for r in routers():
        app.include_router(r, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    from anju_platform.public.routes import router as public_pages

    app.include_router(public_pages)  # GET /r/{code}: the resident report page
    from anju_platform.console.routes import mount_console

    mount_console(app)  # the web console at / (static files, not in the API schema)
    from anju_platform.openapi import document

    app.openapi = lambda: document(app)  # type: ignore[method-assign]
    return app
