"""Test kit for the platform: a live server (uvicorn on a free port, real HTTP) over a
fresh database, with a small register of two estates and one account per role."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import psycopg
import uvicorn

from anju_bench.servers import free_port
from anju_platform.access import Role
from anju_platform.app import create_app
from anju_platform.cards import hash_number
from anju_platform.repo import rows, users
from anju_platform.repo import tables as t
from anju_platform.security import hash_password
from anju_platform.settings import PlatformSettings, flat_names

PASSWORD = "correct horse battery"
CARD_SECRET = "test-card-master"
ROLES = ("admin", "authority", "manager", "inspector")


@dataclass
class Live:
    url: str
    db: str
    settings: PlatformSettings
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, user: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def login(self, user: str, password: str = PASSWORD) -> httpx.Response:
        with httpx.Client(base_url=self.url, timeout=30) as c:
            return c.post("/api/v1/auth/login", data={"username": user, "password": password})


def seed_estate(conn: psycopg.Connection, n: int) -> None:
    """Estate E{n}: building, entrance, grid G{n} (+ G{n}b), units, a household with a
    lease holder, a card, a caregiver, an absence, a gateway and a door."""
    e, g = f"E{n}", f"G{n}"
    put = rows.insert
    put(conn, t.ESTATES, {"estate_id": e, "name": f"Estate {n}", "city": "Xiangyang"})
    put(conn, t.BUILDINGS, {"building_id": f"B{n}", "estate_id": e, "name": "1", "floors": 6})
    put(conn, t.ENTRANCES, {"entrance_id": f"N{n}", "building_id": f"B{n}", "name": "A"})
    for grid in (g, f"{g}b"):
        put(conn, t.GRIDS, {"grid_id": grid, "estate_id": e, "name": grid})
    for unit, grid in ((f"U{n}", g), (f"U{n}b", f"{g}b")):
        put(
            conn,
            t.UNITS,
            {
                "unit_id": unit,
                "estate_id": e,
                "building_id": f"B{n}",
                "entrance_id": f"N{n}",
                "grid_id": grid,
                "number": unit,
            },
        )
    put(
        conn,
        t.HOUSEHOLDS,
        {
            "household_id": f"H{n}",
            "unit_id": f"U{n}",
            "lease_start": date(2024, 1, 1),
            "move_in": date(2024, 1, 5),
        },
    )
    put(
        conn,
        t.PERSONS,
        {"person_id": f"P{n}", "name": f"Person {n}", "birth_year": 1960, "estate_id": e},
    )
    put(
        conn,
        t.MEMBERS,
        {
            "household_id": f"H{n}",
            "person_id": f"P{n}",
            "role": "lease_holder",
            "valid_from": date(2024, 1, 1),
        },
    )
    ref = hash_number(CARD_SECRET.encode(), e, f"0000{n}")
    put(
        conn,
        t.CREDENTIALS,
        {
            "credential_id": f"C{n}",
            "person_id": f"P{n}",
            "estate_id": e,
            "type": "card",
            "ref": ref,
            "valid_from": datetime(2024, 1, 1, tzinfo=UTC),
        },
    )
    put(conn, t.PERSONS, {"person_id": f"K{n}", "name": f"Carer {n}", "estate_id": e})
    put(
        conn,
        t.CAREGIVERS,
        {
            "caregiver_id": f"CG{n}",
            "person_id": f"K{n}",
            "unit_id": f"U{n}",
            "valid_from": date(2024, 1, 1),
        },
    )
    put(
        conn,
        t.ABSENCES,
        {
            "absence_id": f"A{n}",
            "household_id": f"H{n}",
            "kind": "hospital",
            "starts_on": date(2024, 3, 1),
            "ends_on": date(2024, 3, 20),
        },
    )
    put(conn, t.GATEWAYS, {"gateway_id": f"GW{n}", "estate_id": e, "name": "gw"})
    put(
        conn,
        t.DEVICES,
        {
            "device_id": f"D{n}",
            "gateway_id": f"GW{n}",
            "kind": "door",
            "building_id": f"B{n}",
            "entrance_id": f"N{n}",
            "door_id": "main",
        },
    )


def seed_users(conn: psycopg.Connection) -> None:
    pw = hash_password(PASSWORD)
    for role in ROLES:
        users.create_user(conn, role, role.title(), Role(role), pw)
    users.set_scopes(conn, "manager", ["E1"], [])
    users.set_scopes(conn, "inspector", [], ["G1"])


def flat_settings(**flat: object) -> PlatformSettings:
    """Settings from their documented flat names (ANJU_PLATFORM_<NAME> as `name=`)."""
    names = flat_names()
    grouped: dict[str, dict[str, object]] = {}
    for name, value in flat.items():
        group, field = names[name]
        grouped.setdefault(group, {})[field] = value
    return PlatformSettings(**grouped)  # type: ignore[arg-type]


@contextlib.contextmanager
def live_server(
    pg_url: str, tmp_path: Path, tz_offset_hours: int | None = None, **overrides: object
) -> Iterator[Live]:
    """`overrides`: settings by their flat names; `tz_offset_hours`: the app's clock."""
    settings = flat_settings(
        **{
            "secret_key": "test-secret-key-0123456789",
            "card_key_secret": CARD_SECRET,
            "photo_dir": tmp_path / "photos",
            "token_ttl_minutes": 60,
            # files go to the test's temp dir, never the working directory's var/
            "evidence_dir": tmp_path / "evidence",
            "snapshot_dir": tmp_path / "snapshots",
            # the tests' receivers listen on loopback, refused by default
            "webhook_allow_networks": ["127.0.0.0/8"],
            **overrides,
        }
    )
    with psycopg.connect(pg_url) as conn:
        seed_estate(conn, 1)
        seed_estate(conn, 2)
        seed_users(conn)
    app = create_app(settings, database_url=pg_url, tz_offset_hours=tz_offset_hours)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    live = Live(f"http://127.0.0.1:{port}", pg_url, settings)
    for role in ROLES:
        r = live.login(role)
        assert r.status_code == 200, r.text
        live.tokens[role] = r.json()["access_token"]
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(10)
