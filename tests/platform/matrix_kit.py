"""Shared pieces of the authorization matrix (test_platform_matrix.py).

Workflow modules add their routes in their own `matrix_<name>.py` next to this file:
a `CASES` dict like the matrix's, and optionally `EXPECT`, a dict of new access
classes -> function(role, inside) -> bool. The matrix discovers those modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from platform_live import Live

Req = tuple[str, dict[str, Any]]  # path, httpx request kwargs
Build = Callable[["Ctx", int, int], Req]  # ctx, estate number (1 in scope, 2 out), counter


@dataclass
class Ctx:
    live: Live
    faces: Path

    def sql(self, query: str, *params: object) -> None:
        with psycopg.connect(self.live.db) as conn:
            conn.execute(query, params)


def body(path: str, payload: dict[str, Any]) -> Req:
    return path, {"json": payload}


def get(path: str, **params: Any) -> Req:
    return path, {"params": params} if params else {}


NOW = datetime(2025, 1, 1, tzinfo=UTC).isoformat()


def make_alert(c: Ctx, n: int, i: int) -> int:
    """A fresh open alert on unit U{n} (grid G{n}); the type is unique so it is live."""
    aid = n * 1_000_000 + i
    c.sql(
        "INSERT INTO alerts (alert_id, estate_id, unit_id, grid_id, type, status, score,"
        " reason_en, reason_zh, first_day, last_day) VALUES (%s, %s, %s, %s, %s, 'open', 0.9,"
        " 'x', 'x', '2025-01-01', '2025-01-01')",
        aid,
        f"E{n}",
        f"U{n}",
        f"G{n}",
        f"t{i}",
    )
    return aid


# access classes: who may, in scope (estate 1 / grid G1) and out of scope (estate 2)
READ_ESTATE, READ_GRID, READ_NONE = "read:estate", "read:grid", "read:none"
WRITE, WRITE_ADMIN, ADMIN, SELF, IMPORT = "write", "write:admin", "admin", "self", "import"
