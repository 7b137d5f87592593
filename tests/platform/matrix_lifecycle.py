"""Authorization matrix entries of the personal data lifecycle (test_platform_matrix.py).

The gateway upload takes a gateway token, not a user's: its scope is tested in
test_lifecycle.py (test_gateway_upload_rules: own gateway only, 401 for user tokens)."""

from __future__ import annotations

import uuid

from matrix_kit import ADMIN, WRITE, Build, Ctx, Req, body, get

FACE_VIEW = "face:view"


def _snapshot(c: Ctx, n: int, i: int) -> Req:
    """A stored snapshot in estate E{n} (file in the test's temporary directory)."""
    ev = str(uuid.uuid4())
    folder = c.live.settings.faces.photo_dir.parent / "matrix-snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ev}.jpg"
    path.write_bytes((c.faces / "obama" / "1.jpg").read_bytes())
    c.sql(
        "INSERT INTO face_snapshots (event_id, estate_id, gateway_id, path, sha256, taken_at)"
        " VALUES (%s, %s, %s, %s, 'x', now())",
        ev,
        f"E{n}",
        f"GW{n}",
        str(path),
    )
    return get(f"/api/v1/snapshots/{ev}")


def _erase(c: Ctx, n: int, i: int) -> Req:
    pid = f"PER{n}_{i}"
    c.sql("INSERT INTO persons (person_id, name, estate_id) VALUES (%s, 'x', %s)", pid, f"E{n}")
    return body(f"/api/v1/persons/{pid}/erase", {"reason": "request"})


CASES: dict[tuple[str, str], tuple[str, Build | None]] = {
    ("PUT", "/api/v1/gateways/{gateway_id}/snapshots/{event_id}"): ("gateway", None),
    ("GET", "/api/v1/snapshots/{event_id}"): (FACE_VIEW, _snapshot),
    ("POST", "/api/v1/persons/{person_id}/erase"): (WRITE, _erase),
    ("GET", "/api/v1/erasures"): (ADMIN, lambda c, n, i: get("/api/v1/erasures")),
}

# Default face_view_roles: admin and authority everywhere, managers in their estates.
EXPECT = {
    FACE_VIEW: lambda role, inside: role in ("admin", "authority") or (role == "manager" and inside)
}
