"""Console routes in the authorization matrix: gateway health for the estate overview
(like the register's gateways: not for inspectors; manager only in their estates)."""

from __future__ import annotations

from matrix_kit import READ_NONE, Build, get

CASES: dict[tuple[str, str], tuple[str, Build | None]] = {
    ("GET", "/api/v1/overview/gateways"): (
        READ_NONE,
        lambda c, n, i: get("/api/v1/overview/gateways", estate_id=f"E{n}"),
    ),
}
