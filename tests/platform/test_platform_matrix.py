"""Authorization matrix: every API route x every role x a target in / out of scope.

The routes come from the running app's OpenAPI document. Every route must have an
entry in CASES (its access class and a request builder), so a new route cannot ship
without being put through the matrix; out-of-scope requests must get 403, which a
route without a scope check would not give."""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matrix_kit import (
    ADMIN,
    IMPORT,
    NOW,
    READ_ESTATE,
    READ_GRID,
    READ_NONE,
    SELF,
    WRITE,
    WRITE_ADMIN,
    Build,
    Ctx,
    Req,
    body,
    get,
    make_alert,
)
from platform_live import ROLES, Live

from anju_platform.console.roles import CAN


def _open_member(c: Ctx, n: int, i: int) -> Req:
    pid = f"MX{n}_{i}"
    c.sql("INSERT INTO persons (person_id, name, estate_id) VALUES (%s, 'x', %s)", pid, f"E{n}")
    c.sql(
        "INSERT INTO household_members VALUES (%s, %s, 'member', '2024-02-01', NULL)", f"H{n}", pid
    )
    return body(f"/api/v1/households/H{n}/members/{pid}/end", {"on": "2025-01-01"})


def _staff(c: Ctx, n: int, i: int) -> Req:
    c.sql("INSERT INTO grid_staff (grid_id, staff_id, name) VALUES (%s, %s, 'x')", f"G{n}", f"S{i}")
    return f"/api/v1/grids/G{n}/staff/S{i}", {}


def _enrollment(c: Ctx, n: int, i: int) -> Req:
    eid = f"EN{n}_{i}"
    c.sql(
        "INSERT INTO face_enrollments (enrollment_id, person_id, estate_id, embedding, consent_at,"
        " consent_ref) VALUES (%s, %s, %s, array_fill(0.1::real, ARRAY[128]), now(), 'c')",
        eid,
        f"P{n}",
        f"E{n}",
    )
    return f"/api/v1/enrollments/{eid}", {}


def _enroll(c: Ctx, n: int, i: int) -> Req:
    photo = (c.faces / "obama" / "1.jpg").read_bytes()
    form = {"estate_id": f"E{n}", "consent_at": NOW, "consent_ref": f"form-{i}"}
    return f"/api/v1/persons/P{n}/enrollments", {"data": form, "files": {"photo": ("1.jpg", photo)}}


def _import(c: Ctx, n: int, i: int) -> Req:
    csv = f"building_id,estate_id,name\nBI{n}_{i},E{n},imported\n".encode()
    return "/api/v1/import/register", {
        "params": {"dry_run": "false"},
        "files": {"files": ("buildings.csv", csv)},
    }


CASES: dict[tuple[str, str], tuple[str, Build | None]] = {
    ("POST", "/api/v1/auth/login"): ("public", None),  # PUBLIC
    ("GET", "/api/v1/auth/me"): (SELF, lambda c, n, i: get("/api/v1/auth/me")),
    ("POST", "/api/v1/auth/logout"): (SELF, None),  # revokes tokens: tested in test_platform_auth
    ("GET", "/api/v1/users"): (ADMIN, lambda c, n, i: get("/api/v1/users")),
    ("POST", "/api/v1/users"): (
        ADMIN,
        lambda c, n, i: body(
            "/api/v1/users",
            {
                "user_id": f"u{n}_{i}",
                "name": "x",
                "role": "inspector",
                "password": "long enough pw",
            },
        ),
    ),
    ("GET", "/api/v1/users/{user_id}"): (ADMIN, lambda c, n, i: get("/api/v1/users/manager")),
    ("PATCH", "/api/v1/users/{user_id}"): (
        ADMIN,
        lambda c, n, i: body("/api/v1/users/admin", {"name": "Admin"}),
    ),
    ("GET", "/api/v1/audit"): (ADMIN, lambda c, n, i: get("/api/v1/audit", limit=5)),
    ("GET", "/api/v1/estates"): (SELF, lambda c, n, i: get("/api/v1/estates")),
    ("POST", "/api/v1/estates"): (
        WRITE_ADMIN,
        lambda c, n, i: body("/api/v1/estates", {"estate_id": f"EX{n}_{i}", "name": "x"}),
    ),
    ("GET", "/api/v1/estates/{estate_id}"): (
        READ_ESTATE,
        lambda c, n, i: get(f"/api/v1/estates/E{n}"),
    ),
    ("PATCH", "/api/v1/estates/{estate_id}"): (
        WRITE_ADMIN,
        lambda c, n, i: body(f"/api/v1/estates/E{n}", {"city": "Xiangyang"}),
    ),
    ("POST", "/api/v1/estates/{estate_id}/end"): (
        WRITE_ADMIN,
        lambda c, n, i: body(f"/api/v1/estates/E{n}/end", {"on": "2030-01-01"}),
    ),
    ("POST", "/api/v1/households/{household_id}/move-in"): (
        WRITE,
        lambda c, n, i: body(f"/api/v1/households/H{n}/move-in", {"on": "2024-01-05"}),
    ),
    ("POST", "/api/v1/households/{household_id}/move-out"): (
        WRITE,
        lambda c, n, i: body(f"/api/v1/households/H{n}/move-out", {"on": "2029-01-05"}),
    ),
    ("GET", "/api/v1/households/{household_id}/members"): (
        READ_GRID,
        lambda c, n, i: get(f"/api/v1/households/H{n}/members"),
    ),
    ("POST", "/api/v1/households/{household_id}/members"): (
        WRITE,
        lambda c, n, i: body(
            f"/api/v1/households/H{n}/members",
            {
                "household_id": f"H{n}",
                "person_id": f"K{n}",
                "role": "member",
                "valid_from": f"2024-05-{i % 28 + 1:02d}",
            },
        ),
    ),
    ("POST", "/api/v1/households/{household_id}/members/{person_id}/end"): (WRITE, _open_member),
    ("GET", "/api/v1/grids/{grid_id}/staff"): (
        READ_ESTATE,
        lambda c, n, i: get(f"/api/v1/grids/G{n}/staff"),
    ),
    ("PUT", "/api/v1/grids/{grid_id}/staff/{staff_id}"): (
        WRITE,
        lambda c, n, i: body(
            f"/api/v1/grids/G{n}/staff/T{i}",
            {"grid_id": f"G{n}", "staff_id": f"T{i}", "name": "Wang"},
        ),
    ),
    ("DELETE", "/api/v1/grids/{grid_id}/staff/{staff_id}"): (WRITE, _staff),
    ("POST", "/api/v1/gateways/{gateway_id}/token"): (
        WRITE,
        lambda c, n, i: (f"/api/v1/gateways/GW{n}/token", {}),
    ),
    ("GET", "/api/v1/gateways/{gateway_id}/gallery"): ("gateway", None),  # test_platform_faces
    ("POST", "/api/v1/persons/{person_id}/enrollments"): (WRITE, _enroll),
    ("GET", "/api/v1/persons/{person_id}/enrollments"): (
        READ_NONE,
        lambda c, n, i: get(f"/api/v1/persons/P{n}/enrollments"),
    ),
    ("DELETE", "/api/v1/enrollments/{enrollment_id}"): (WRITE, _enrollment),
    ("POST", "/api/v1/estates/{estate_id}/face-calibration"): (
        WRITE_ADMIN,
        lambda c, n, i: (f"/api/v1/estates/E{n}/face-calibration", {}),
    ),
    # 404 until an estate is calibrated; scope by role and estate: test_face_calibration
    ("GET", "/api/v1/estates/{estate_id}/face-calibration"): (READ_NONE, None),
    ("POST", "/api/v1/import/register"): (IMPORT, _import),
    ("GET", "/api/v1/alerts"): (
        READ_GRID,
        lambda c, n, i: get("/api/v1/alerts", estate_id=f"E{n}"),
    ),
    ("GET", "/api/v1/alerts/{alert_id}"): (
        READ_GRID,
        lambda c, n, i: get(f"/api/v1/alerts/{make_alert(c, n, i)}"),
    ),
    ("POST", "/api/v1/alerts/{alert_id}/status"): (
        WRITE,
        lambda c, n, i: body(
            f"/api/v1/alerts/{make_alert(c, n, i)}/status", {"status": "acknowledged"}
        ),
    ),
}

# The plain resources: list / create / read / update / end, with one sample each.
PLAIN: dict[str, tuple[str, str, Callable[[int, int], dict[str, Any]], dict[str, Any]]] = {
    # path: (access class, id of the seeded target, new-record factory, patch)
    "buildings": (
        READ_ESTATE,
        "B",
        lambda n, i: {"building_id": f"BX{n}_{i}", "estate_id": f"E{n}", "name": "x"},
        {"floors": 7},
    ),
    "entrances": (
        READ_ESTATE,
        "N",
        lambda n, i: {"entrance_id": f"NX{n}_{i}", "building_id": f"B{n}", "name": "x"},
        {"name": "B"},
    ),
    "grids": (
        READ_ESTATE,
        "G",
        lambda n, i: {"grid_id": f"GX{n}_{i}", "estate_id": f"E{n}", "name": "x"},
        {"name": "north"},
    ),
    "units": (
        READ_GRID,
        "U",
        lambda n, i: {
            "unit_id": f"UX{n}_{i}",
            "estate_id": f"E{n}",
            "building_id": f"B{n}",
            "grid_id": f"G{n}",
            "number": "9",
        },
        {"rooms": 2},
    ),
    "households": (
        READ_GRID,
        "H",
        lambda n, i: {
            "household_id": f"HX{n}_{i}",
            "unit_id": f"U{n}",
            "lease_start": "2025-01-01",
        },
        {"lease_end": "2030-01-01"},
    ),
    "persons": (
        READ_GRID,
        "P",
        lambda n, i: {"person_id": f"PX{n}_{i}", "name": "x", "estate_id": f"E{n}"},
        {"birth_year": 1961},
    ),
    "credentials": (
        READ_NONE,
        "C",
        lambda n, i: {
            "credential_id": f"CX{n}_{i}",
            "estate_id": f"E{n}",
            "person_id": f"P{n}",
            "type": "card",
            "number": f"77{i}",
            "valid_from": NOW,
        },
        {"valid_to": "2031-01-01T00:00:00Z"},
    ),
    "caregivers": (
        READ_GRID,
        "CG",
        lambda n, i: {
            "caregiver_id": f"CGX{n}_{i}",
            "person_id": f"K{n}",
            "unit_id": f"U{n}",
            "valid_from": "2025-01-01",
        },
        {"weekdays": [1, 3, 5]},
    ),
    "absences": (
        READ_GRID,
        "A",
        lambda n, i: {
            "absence_id": f"AX{n}_{i}",
            "household_id": f"H{n}",
            "kind": "travel",
            "starts_on": "2025-02-01",
            "ends_on": "2025-02-20",
        },
        {"note": "Spring Festival"},
    ),
    "gateways": (
        READ_NONE,
        "GW",
        lambda n, i: {"gateway_id": f"GWX{n}_{i}", "estate_id": f"E{n}"},
        {"name": "gate"},
    ),
    "devices": (
        READ_NONE,
        "D",
        lambda n, i: {"device_id": f"DX{n}_{i}", "gateway_id": f"GW{n}", "kind": "camera"},
        {"name": "cam"},
    ),
}
NO_END = {"households", "persons"}
END_BODY = {"credentials": {"at": "2031-06-01T00:00:00Z"}}
KEYS = {
    "buildings": "building_id",
    "entrances": "entrance_id",
    "grids": "grid_id",
    "units": "unit_id",
    "households": "household_id",
    "persons": "person_id",
    "credentials": "credential_id",
    "caregivers": "caregiver_id",
    "absences": "absence_id",
    "gateways": "gateway_id",
    "devices": "device_id",
}


def _plain_cases() -> dict[tuple[str, str], tuple[str, Build | None]]:
    out: dict[tuple[str, str], tuple[str, Build | None]] = {}
    for path, (read, prefix, new, patch) in PLAIN.items():
        base, item = f"/api/v1/{path}", f"/api/v1/{path}/{{{KEYS[path]}}}"

        def bind(
            p: str = path, pre: str = prefix, nw: Any = new, pa: Any = patch
        ) -> dict[str, Build]:
            return {
                "list": lambda c, n, i: get(f"/api/v1/{p}", estate_id=f"E{n}"),
                "create": lambda c, n, i: body(f"/api/v1/{p}", nw(n, i)),
                "read": lambda c, n, i: get(f"/api/v1/{p}/{pre}{n}"),
                "update": lambda c, n, i: body(f"/api/v1/{p}/{pre}{n}", pa),
                "end": lambda c, n, i: body(
                    f"/api/v1/{p}/{pre}{n}/end", END_BODY.get(p, {"on": "2031-01-01"})
                ),
            }

        b = bind()
        out[("GET", base)] = (read, b["list"])
        out[("POST", base)] = (WRITE, b["create"])
        out[("GET", item)] = (read, b["read"])
        out[("PATCH", item)] = (WRITE, b["update"])
        if path not in NO_END:  # households end by move-out, persons by membership end
            out[("POST", item + "/end")] = (WRITE, b["end"])
    return out


def _workflow_modules() -> list[Any]:
    """matrix_<name>.py beside this file: each adds its routes (and access classes)."""
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("matrix_*.py") if p.stem != "matrix_kit")
    return [importlib.import_module(n) for n in names]


MODULES = _workflow_modules()
ALL_CASES = {**CASES, **_plain_cases()}
EXPECT: dict[str, Callable[[str, bool], bool]] = {}
for _m in MODULES:
    ALL_CASES.update(_m.CASES)
    EXPECT.update(getattr(_m, "EXPECT", {}))
PUBLIC = "public"  # no token needed (login, the resident report page)


def expected(access: str, role: str, inside: bool) -> bool:
    """The documented policy (docs/api.md), written independently of the app's code."""
    if access in EXPECT:
        return EXPECT[access](role, inside)
    if role == "admin" or access == SELF:
        return True
    if access in (ADMIN, WRITE_ADMIN):
        return False
    if role == "authority":
        return access.startswith("read")
    if role == "manager":
        return inside
    if access.startswith("write") or access in (READ_NONE, IMPORT):
        return False
    return inside  # inspector: estate-level and grid-level reads in their grid / its estate


def test_every_route_is_in_the_matrix(live: Live) -> None:
    with live.client() as c:
        spec = c.get("/openapi.json").json()
    routes = {
        (m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p.startswith("/api/")
    }
    assert routes == set(ALL_CASES), (
        f"missing from matrix: {routes - set(ALL_CASES)}; stale: {set(ALL_CASES) - routes}"
    )
    for method, path in routes:  # every route except login demands a bearer token
        op = spec["paths"][path][method.lower()]
        assert bool(op.get("security")) == (ALL_CASES[(method, path)][0] != PUBLIC), (method, path)


def test_matrix(live: Live, faces_dir: Path) -> None:
    ctx = Ctx(live, faces_dir)
    counter = itertools.count()
    clients = {role: live.client(role) for role in ROLES}
    anonymous = live.client()
    failures: list[str] = []
    checked = 0
    try:
        for (method, _template), (access, build) in sorted(ALL_CASES.items()):
            if build is None:
                continue
            for n, role in itertools.product((2, 1), ROLES):  # out of scope first: no side effects
                path, kwargs = build(ctx, n, next(counter))
                r = clients[role].request(method, path, **kwargs)
                ok = expected(access, role, inside=n == 1)
                checked += 1
                if access == IMPORT and role == "manager" and n == 2:
                    # allowed to call, but every out-of-scope row is refused and not kept
                    errors = r.json()["errors"] if r.status_code == 200 else []
                    reasons = [e["reason"] for e in errors]
                    if len(reasons) != 1 or not reasons[0].endswith("outside your scope"):
                        failures.append(f"manager import into E2: {r.status_code} {r.text[:200]}")
                    continue
                if ok and r.status_code not in (200, 201, 204):
                    failures.append(
                        f"{role} {method} {path} (E{n}): {r.status_code} {r.text[:200]}"
                    )
                if not ok and r.status_code != 403:
                    failures.append(
                        f"{role} {method} {path} (E{n}): expected 403, got {r.status_code}"
                    )
            path, kwargs = build(ctx, 1, next(counter))
            if anonymous.request(method, path, **kwargs).status_code != 401:
                failures.append(f"anonymous {method} {path}: not 401")
    finally:
        for client in [*clients.values(), anonymous]:
            client.close()
    assert not failures, "\n".join(failures)
    assert checked > 400


def test_inspector_lists_only_their_grid(live: Live) -> None:
    with live.client("inspector") as c:
        units = c.get("/api/v1/units", params={"estate_id": "E1"}).json()
        grids = c.get("/api/v1/grids", params={"estate_id": "E1"}).json()
        assert c.get("/api/v1/units/U1b").status_code == 403  # same estate, other grid
        assert c.get("/api/v1/units/nope").status_code == 404
    assert [u["unit_id"] for u in units] == ["U1"]
    assert [g["grid_id"] for g in grids] == ["G1", "G1b"]  # structure: the whole estate
    with live.client("manager") as c:
        assert [
            u["unit_id"] for u in c.get("/api/v1/units", params={"estate_id": "E1"}).json()
        ] == ["U1", "U1b"]
        # a unit cannot be put in another estate's grid (scope checks trust estate and grid):
        # for a manager that grid is out of scope, for an admin the estates disagree
        assert c.patch("/api/v1/units/U1", json={"grid_id": "G2"}).status_code == 403
    with live.client("admin") as c:
        r = c.patch("/api/v1/units/U1", json={"grid_id": "G2"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["msg"] == "grid G2 is not in estate E1"
        assert c.get("/api/v1/units/U1").json()["grid_id"] == "G1"


# What the console shows each role (console/roles.py, served by /auth/me) -> a route that does it.
CONSOLE_CAN = {
    "viewFaces": ("GET", "/api/v1/snapshots/{event_id}"),
    "visit": ("POST", "/api/v1/cases/{case_id}/visits"),
    "care": ("POST", "/api/v1/care-tasks/{task_id}/contacts"),
    "absences": ("GET", "/api/v1/absence-reports"),
    "absenceConfirm": ("POST", "/api/v1/absence-reports/{report_id}/decision"),
    "assign": ("POST", "/api/v1/cases/{case_id}/assign"),
    "decide": ("POST", "/api/v1/cases/{case_id}/decision"),
    "alertStatus": ("POST", "/api/v1/alerts/{alert_id}/status"),
    "registerWrite": ("POST", "/api/v1/units"),
    "credentials": ("GET", "/api/v1/credentials"),
    "enroll": ("POST", "/api/v1/persons/{person_id}/enrollments"),
    "gateways": ("GET", "/api/v1/gateways"),
    "performance": ("GET", "/api/v1/performance"),
    "audit": ("GET", "/api/v1/audit"),
    "patrol": ("POST", "/api/v1/patrols/scans"),
    "reports": ("GET", "/api/v1/reports"),
    "posters": ("GET", "/api/v1/buildings/{building_id}/report-poster"),
    "erase": ("POST", "/api/v1/persons/{person_id}/erase"),
    "webhooks": ("GET", "/api/v1/webhooks"),
    "webhooksWrite": ("POST", "/api/v1/webhooks"),
    "erasures": ("GET", "/api/v1/erasures"),
    "users": ("GET", "/api/v1/users"),
    "faceCalibration": ("GET", "/api/v1/estates/{estate_id}/face-calibration"),
    "faceCalibrate": ("POST", "/api/v1/estates/{estate_id}/face-calibration"),
}


def test_console_roles_agree_with_the_policy() -> None:
    """The console only hides what a role cannot use: each capability it gets from
    /auth/me must name exactly the roles the policy lets do it (in their own estate or
    grid), so the two cannot drift apart."""
    assert set(CAN) == set(CONSOLE_CAN), "a capability of console/roles.py without its route here"
    for name, route in CONSOLE_CAN.items():
        access = ALL_CASES[route][0]
        policy = {r for r in ROLES if expected(access, r, True)}
        assert {str(r) for r in CAN[name]} == policy, (name, route, CAN[name], policy)
