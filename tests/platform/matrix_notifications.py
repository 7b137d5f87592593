"""Authorization matrix entries of the notifications routes (live stream, webhooks).

Webhooks: admin all, authority reads, manager their estates, inspector nothing: the
existing classes READ_NONE (reads) and WRITE (changes, sending a test). The stream is a
grid-level read (inspectors: their grids' notifications); max_seconds ends the request.
Streaming behaviour and scope are tested in test_notifications.py."""

from __future__ import annotations

import psycopg
from matrix_kit import READ_GRID, READ_NONE, WRITE, Build, Ctx, Req, body, get

# A closed port: the test message fails fast, the route still answers 200.
DEAD_URL = "http://127.0.0.1:9/hook"


def _hook(c: Ctx, n: int, i: int) -> int:
    with psycopg.connect(c.live.db) as conn:
        row = conn.execute(
            "INSERT INTO webhooks (name, estate_id, url, format) VALUES (%s, %s, %s, 'json')"
            " RETURNING webhook_id",
            (f"m{i}", f"E{n}", DEAD_URL),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _path(suffix: str = "") -> Build:
    def build(c: Ctx, n: int, i: int) -> Req:
        return f"/api/v1/webhooks/{_hook(c, n, i)}{suffix}", {}

    return build


CASES: dict[tuple[str, str], tuple[str, Build | None]] = {
    ("GET", "/api/v1/stream"): (
        READ_GRID,
        lambda c, n, i: get("/api/v1/stream", estate_id=f"E{n}", max_seconds=0.5),
    ),
    ("GET", "/api/v1/webhooks"): (
        READ_NONE,
        lambda c, n, i: get("/api/v1/webhooks", estate_id=f"E{n}"),
    ),
    ("POST", "/api/v1/webhooks"): (
        WRITE,
        lambda c, n, i: body(
            "/api/v1/webhooks",
            {"name": f"w{i}", "estate_id": f"E{n}", "url": DEAD_URL, "format": "wecom"},
        ),
    ),
    ("GET", "/api/v1/webhooks/{webhook_id}"): (READ_NONE, _path()),
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): (
        WRITE,
        lambda c, n, i: body(f"/api/v1/webhooks/{_hook(c, n, i)}", {"name": "renamed"}),
    ),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): (WRITE, _path()),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): (READ_NONE, _path("/deliveries")),
    ("POST", "/api/v1/webhooks/{webhook_id}/test"): (WRITE, _path("/test")),
}
