"""Authorization matrix entries of the inspection case routes.

Reads follow the alerts (READ_GRID: inspectors their grids, managers their estates,
authority and admin all); reassigning is a manager's change (WRITE). Two new classes:
"inspect" (recording visits and photos: admin, the manager of the estate, the inspector
of the grid; not the authority) and "decide" (the sanction decision: admin and the
authority in every estate; nobody else)."""

from __future__ import annotations

import psycopg
from matrix_kit import READ_GRID, SELF, WRITE, Build, Ctx, Req, body, get, make_alert

INSPECT, DECIDE = "inspect", "decide"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _inspect(role: str, inside: bool) -> bool:
    return role == "admin" or (role in ("manager", "inspector") and inside)


def _decide(role: str, inside: bool) -> bool:
    return role in ("admin", "authority")


EXPECT = {INSPECT: _inspect, DECIDE: _decide}


def make_case(c: Ctx, n: int, i: int, status: str = "open") -> int:
    """A fresh case on a fresh open alert of unit U{n} (grid G{n}). The platform's own
    case job may have created it already: then only the status is set."""
    aid = make_alert(c, n, i)
    with psycopg.connect(c.live.db) as conn:
        row = conn.execute(
            "INSERT INTO cases (alert_id, estate_id, grid_id, status, due_at)"
            " VALUES (%s, %s, %s, %s, now() + interval '3 days') ON CONFLICT (alert_id)"
            " DO UPDATE SET status = excluded.status RETURNING case_id",
            (aid, f"E{n}", f"G{n}", status),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _photo(c: Ctx, n: int, i: int) -> int:
    cid = make_case(c, n, i)
    with psycopg.connect(c.live.db) as conn:
        conn.execute(
            "INSERT INTO case_photos (photo_id, case_id, path, content_type, sha256, uploaded_by)"
            " VALUES (%s, %s, %s, 'image/png', 'x', 'admin')",
            (f"ph{i}", cid, f"{cid}/ph{i}.png"),
        )
    path = c.live.settings.cases.evidence_dir / f"{cid}" / f"ph{i}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    return cid


def _inspector_of(c: Ctx, n: int) -> str:
    """An inspector holding grid G{n} (the seeded one holds only G1)."""
    uid = f"insp-g{n}"
    with psycopg.connect(c.live.db) as conn:
        conn.execute(
            "INSERT INTO users (user_id, name, role, password_hash) VALUES (%s, %s, 'inspector',"
            " 'x') ON CONFLICT DO NOTHING",
            (uid, uid),
        )
        conn.execute(
            "INSERT INTO user_scopes VALUES (%s, 'grid', %s) ON CONFLICT DO NOTHING",
            (uid, f"G{n}"),
        )
    return uid


def _assign(c: Ctx, n: int, i: int) -> Req:
    cid = make_case(c, n, i)
    return body(f"/api/v1/cases/{cid}/assign", {"assignee_id": _inspector_of(c, n)})


def _upload(c: Ctx, n: int, i: int) -> Req:
    cid = make_case(c, n, i)
    return f"/api/v1/cases/{cid}/photos", {"files": {"photo": ("p.png", PNG, "image/png")}}


CASES: dict[tuple[str, str], tuple[str, Build | None]] = {
    ("GET", "/api/v1/cases"): (
        READ_GRID,
        lambda c, n, i: get("/api/v1/cases", estate_id=f"E{n}"),
    ),
    ("GET", "/api/v1/cases/mine"): (SELF, lambda c, n, i: get("/api/v1/cases/mine")),
    ("GET", "/api/v1/cases/{case_id}"): (
        READ_GRID,
        lambda c, n, i: get(f"/api/v1/cases/{make_case(c, n, i)}"),
    ),
    ("POST", "/api/v1/cases/{case_id}/assign"): (WRITE, _assign),
    ("POST", "/api/v1/cases/{case_id}/visits"): (
        INSPECT,
        lambda c, n, i: body(
            f"/api/v1/cases/{make_case(c, n, i)}/visits", {"outcome": "no_access"}
        ),
    ),
    ("POST", "/api/v1/cases/{case_id}/photos"): (INSPECT, _upload),
    ("GET", "/api/v1/cases/{case_id}/photos/{photo_id}"): (
        READ_GRID,
        lambda c, n, i: get(f"/api/v1/cases/{_photo(c, n, i)}/photos/ph{i}"),
    ),
    ("POST", "/api/v1/cases/{case_id}/decision"): (
        DECIDE,
        lambda c, n, i: body(
            f"/api/v1/cases/{make_case(c, n, i, 'confirmed')}/decision",
            {"decision": "warning", "note": "first time"},
        ),
    ),
    ("GET", "/api/v1/cases/{case_id}/evidence-pack"): (
        READ_GRID,
        lambda c, n, i: get(f"/api/v1/cases/{make_case(c, n, i)}/evidence-pack"),
    ),
    ("GET", "/api/v1/cases/{case_id}/evidence-pack.pdf"): (
        READ_GRID,
        lambda c, n, i: get(f"/api/v1/cases/{make_case(c, n, i)}/evidence-pack.pdf"),
    ),
}
