"""Console routes in the authorization matrix: gateway health for the estate overview
(like the register's gateways: not for inspectors; manager only in their estates); the
estate's place names (inspectors: the estate of their grid, their grid's flats only);
the console's configuration (anyone logged in)."""

from __future__ import annotations

from matrix_kit import READ_GRID, READ_NONE, SELF, Build, get

CASES: dict[tuple[str, str], tuple[str, Build | None]] = {
    ("GET", "/api/v1/overview/gateways"): (
        READ_NONE,
        lambda c, n, i: get("/api/v1/overview/gateways", estate_id=f"E{n}"),
    ),
    ("GET", "/api/v1/overview/places"): (
        READ_GRID,
        lambda c, n, i: get("/api/v1/overview/places", estate_id=f"E{n}"),
    ),
    ("GET", "/api/v1/overview/config"): (SELF, lambda c, n, i: get("/api/v1/overview/config")),
    ("GET", "/api/v1/overview/charts"): (
        READ_GRID,
        lambda c, n, i: get("/api/v1/overview/charts", estate_id=f"E{n}", days=7),
    ),
}
