"""Authorization matrix entries of resident reports, patrols and the performance report
(see matrix_kit.py). The public report routes have no builder: test_reports.py drives
them end to end (no token needed, abuse checks)."""

from __future__ import annotations

from collections.abc import Callable

from matrix_kit import READ_ESTATE, READ_NONE, SELF, WRITE, Build, Ctx, Req, body, get

from anju_platform.workflow.patrols import checkpoint_code

POSTER = "poster"  # printing a QR poster: admin, manager in scope
PATROL = "patrol"  # recording a patrol scan: admin, manager in scope, inspector in scope


def _checkpoint(c: Ctx, n: int, i: int) -> str:
    cid = f"CPX{n}_{i}"
    c.sql(
        "INSERT INTO checkpoints (checkpoint_id, estate_id, building_id, grid_id, name)"
        " VALUES (%s, %s, %s, %s, 'roof')",
        cid,
        f"E{n}",
        f"B{n}",
        f"G{n}",
    )
    return cid


def _scan(c: Ctx, n: int, i: int) -> Req:
    code = checkpoint_code(c.live.settings.signing_key(), _checkpoint(c, n, i))
    return body("/api/v1/patrols/scans", {"code": code})


CASES: dict[tuple[str, str], tuple[str, Build | None]] = {
    ("GET", "/api/v1/public/reports/form"): ("public", None),  # test_reports.py
    ("POST", "/api/v1/public/reports"): ("public", None),  # test_reports.py
    ("GET", "/api/v1/reports"): (
        READ_NONE,
        lambda c, n, i: get("/api/v1/reports", estate_id=f"E{n}"),
    ),
    # Where posters point (no estate, nothing personal): any logged-in user.
    ("GET", "/api/v1/posters/address"): (SELF, lambda c, n, i: get("/api/v1/posters/address")),
    ("GET", "/api/v1/buildings/{building_id}/report-poster"): (
        POSTER,
        lambda c, n, i: get(f"/api/v1/buildings/B{n}/report-poster"),
    ),
    ("GET", "/api/v1/checkpoints"): (
        READ_ESTATE,
        lambda c, n, i: get("/api/v1/checkpoints", estate_id=f"E{n}"),
    ),
    ("POST", "/api/v1/checkpoints"): (
        WRITE,
        lambda c, n, i: body(
            "/api/v1/checkpoints",
            {
                "checkpoint_id": f"CPN{n}_{i}",
                "estate_id": f"E{n}",
                "building_id": f"B{n}",
                "grid_id": f"G{n}",
                "name": "1栋 楼顶",
            },
        ),
    ),
    ("GET", "/api/v1/checkpoints/{checkpoint_id}/poster"): (
        POSTER,
        lambda c, n, i: get(f"/api/v1/checkpoints/{_checkpoint(c, n, i)}/poster"),
    ),
    ("POST", "/api/v1/patrols/scans"): (PATROL, _scan),
    ("GET", "/api/v1/patrols/coverage"): (
        READ_ESTATE,
        lambda c, n, i: get("/api/v1/patrols/coverage", estate_id=f"E{n}", month="2025-01"),
    ),
    ("GET", "/api/v1/performance"): (
        READ_NONE,
        lambda c, n, i: get("/api/v1/performance", estate_id=f"E{n}", month="2025-01"),
    ),
}

EXPECT: dict[str, Callable[[str, bool], bool]] = {
    POSTER: lambda role, inside: role == "admin" or (role == "manager" and inside),
    PATROL: lambda role, inside: role == "admin" or (role in ("manager", "inspector") and inside),
}
