"""GET /stream: the console's live feed as Server-Sent Events.

- `event: notification` (id: = notification_id; resumes after Last-Event-ID),
- `event: event` new access/face/qr rows of the estate (summary without personal data),
- `event: gateway` gateway state changes (the current states first),
- `: heartbeat` comment lines.
Inspectors get only the notifications of their grids (and those tied to no grid), not
the event feed or gateways (they never see gateways in the register either).

Each poll borrows a pooled connection for a few short queries and gives it back: an open
stream holds no connection (the pool is small). A disconnecting client cancels the
generator at its next await; max_seconds (or the setting) ends it in any case."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from psycopg_pool import ConnectionPool

from anju_platform.access import Location, Principal, Role, list_filter
from anju_platform.api.register import FLAT
from anju_platform.deps import Bearer, current_user, log
from anju_platform.repo import stream as repo
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import sse

router = APIRouter(tags=["notifications"])

BATCH = 500
ACTIVE = {"streams": 0}  # open streams in this process (tests check that they end)

DESCRIPTION = """Server-Sent Events (text/event-stream), bearer token in the Authorization
header. Events: `hello` first (data {after}: the notification id the stream resumes
after), `notification` (data {notification_id, at, kind, estate_id, grid_id, body};
`id:` is the notification id, send it back as `Last-Event-ID` to resume), `event` (new
access/face/qr events of the estate: event_id, kind, time, gateway_id, device_id and for
access door_id/direction/credential_type/granted/result/deny_reason, face
direction/matched, qr purpose/result), `gateway` (gateway states, current ones first, then
changes), and `: heartbeat` comments. Inspectors get only notifications (their grids and
those without a grid). See docs/api.md, Notifications."""


@dataclass
class Feed:
    estate_id: str
    grids: list[str] | None
    full: bool  # events and gateways too (not for inspectors)
    after: int
    events: sse.Watermark | None = None
    gateways: sse.GatewayWatch = field(default_factory=sse.GatewayWatch)

    def poll(self, pool: ConnectionPool) -> list[str]:
        """One round over the database; returns SSE frames in order."""
        out: list[str] = []
        with pool.connection() as conn, conn.transaction():
            if self.events is None and self.full:
                self.events = sse.Watermark(repo.now(conn))
            for n in repo.notifications_after(conn, self.estate_id, self.grids, self.after, BATCH):
                self.after = n["notification_id"]
                out.append(sse.frame("notification", sse.notification_data(n), self.after))
            if not self.full or self.events is None:
                return out
            rows = repo.events_since(conn, self.estate_id, self.events.since(), BATCH)
            for e in self.events.take(rows):
                out.append(sse.frame("event", sse.event_summary(e)))
            for g in self.gateways.changed(repo.gateway_states(conn, self.estate_id)):
                out.append(sse.frame("gateway", sse.gateway_data(g)))
        return out


def _open(
    pool: ConnectionPool,
    settings: PlatformSettings,
    creds: Any,
    estate_id: str,
    last_event_id: int | None,
) -> Feed:
    with pool.connection() as conn:
        who: Principal = current_user(conn, settings, creds)
        ok, grids = list_filter(who, FLAT, estate_id)
        if not ok:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "estate is outside your scope")
        with conn.transaction():
            after = last_event_id if last_event_id is not None else repo.last_notification_id(conn)
            log(conn, who, "stream", "estate", estate_id, [Location(estate_id)],
                {"last_event_id": last_event_id})  # fmt: skip
    return Feed(estate_id, grids, full=who.role is not Role.INSPECTOR, after=after)


async def _frames(
    feed: Feed, pool: ConnectionPool, settings: PlatformSettings, seconds: float
) -> AsyncIterator[str]:
    ACTIVE["streams"] += 1
    try:
        started = time.monotonic()
        yield "retry: 3000\n\n"
        # where this stream starts: a client with no mark of its own keeps it, so the
        # next visit resumes here (the console's "unread since your last visit")
        yield sse.frame("hello", {"after": feed.after})
        beat = started
        while True:
            for chunk in await anyio.to_thread.run_sync(feed.poll, pool):
                yield chunk
            now = time.monotonic()
            if now - beat >= settings.stream.heartbeat_s:
                beat = now
                yield sse.comment("heartbeat")
            left = seconds - (now - started)
            if left <= 0:
                return
            await asyncio.sleep(min(settings.stream.poll_s, left))
    finally:
        ACTIVE["streams"] -= 1


@router.get(
    "/stream",
    summary="Live feed of notifications, events and gateway states (SSE)",
    description=DESCRIPTION,
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def stream(
    request: Request,
    creds: Bearer,
    estate_id: str = Query(..., description="Estate"),
    max_seconds: float | None = Query(
        None, gt=0, description="End the stream after this long (default: the setting)"
    ),
    last_event_id: str | None = Header(
        None, alias="Last-Event-ID", description="Resume after this notification id"
    ),
) -> StreamingResponse:
    settings: PlatformSettings = request.app.state.settings
    pool: ConnectionPool = request.app.state.pool
    feed = _open(pool, settings, creds, estate_id, sse.parse_last_event_id(last_event_id))
    seconds = min(max_seconds or settings.stream.max_s, settings.stream.max_s)
    return StreamingResponse(
        _frames(feed, pool, settings, seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
