"""The demo's SQL: a small estate when the simulator package is not installed, and the
counts shown while the demo runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from anju_common.cardhash import card_hash

if TYPE_CHECKING:
    import psycopg

DEMO_ESTATE = "demo-estate"
DEMO_CARD_KEY = b"anju-demo-card-key"  # demo only; a real estate's key comes from its secret store
UNITS_PER_BUILDING = 12


@dataclass(frozen=True)
class DemoDoor:
    gateway_id: str
    door_id: str
    device_id: str  # the door controller
    camera_id: str
    scanner_id: str


@dataclass(frozen=True)
class DemoEstate:
    estate_id: str
    doors: tuple[DemoDoor, ...]
    persons: tuple[str, ...]
    card_numbers: tuple[str, ...]  # raw numbers stay on the demo side; the wire gets hashes
    units: tuple[str, ...]


def demo_estate(buildings: int = 2) -> DemoEstate:
    doors = tuple(
        DemoDoor(f"gw-b{b}", f"b{b}-door", f"b{b}-ctl", f"b{b}-cam", f"b{b}-qr")
        for b in range(1, buildings + 1)
    )
    units = tuple(
        f"b{b}-{floor}0{n}"
        for b in range(1, buildings + 1)
        for floor in range(1, UNITS_PER_BUILDING // 2 + 1)
        for n in (1, 2)
    )
    persons = tuple(f"p-{u}" for u in units)
    cards = tuple(f"{3_000_000 + i:010d}" for i in range(len(units)))
    return DemoEstate(DEMO_ESTATE, doors, persons, cards, units)


def seed_minimal(conn: psycopg.Connection, estate: DemoEstate) -> None:
    """Insert the estate, its buildings, flats, households, people, cards and gateways.
    Safe to run again (ON CONFLICT DO NOTHING)."""
    e = estate.estate_id
    since = datetime(2024, 1, 1, tzinfo=UTC)
    with conn.transaction():
        conn.execute(
            "INSERT INTO estates (estate_id, name, city, housing_office) VALUES "
            "(%s, '演示小区', '襄阳市', '演示住房保障中心') ON CONFLICT DO NOTHING",
            (e,),
        )
        conn.execute(
            "INSERT INTO grids (grid_id, estate_id, name) VALUES (%s, %s, '第1网格') "
            "ON CONFLICT DO NOTHING",
            (f"{e}-g1", e),
        )
        for d in estate.doors:
            b = d.door_id.split("-")[0]
            conn.execute(
                "INSERT INTO buildings (building_id, estate_id, name, floors) "
                "VALUES (%s, %s, %s, 6) ON CONFLICT DO NOTHING",
                (b, e, f"{b[1:]}栋"),  # names as the console shows them
            )
            conn.execute(
                "INSERT INTO gateways (gateway_id, estate_id, name, mqtt_username) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (d.gateway_id, e, f"{b[1:]}栋门口", d.gateway_id),
            )
            for dev, kind in (
                (d.device_id, "door"),
                (d.camera_id, "camera"),
                (d.scanner_id, "qr_scanner"),
            ):
                conn.execute(
                    "INSERT INTO devices (device_id, gateway_id, kind, building_id, door_id) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (dev, d.gateway_id, kind, b, d.door_id),
                )
        for unit, person, card in zip(
            estate.units, estate.persons, estate.card_numbers, strict=True
        ):
            b, number = unit.split("-", 1)
            conn.execute(
                "INSERT INTO units (unit_id, estate_id, building_id, grid_id, floor, number) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (unit, e, b, f"{e}-g1", int(number[0]), number),
            )
            conn.execute(
                "INSERT INTO households (household_id, unit_id, lease_start, move_in) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (f"h-{unit}", unit, date(2024, 1, 1), date(2024, 1, 15)),
            )
            conn.execute(
                "INSERT INTO persons (person_id, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (person, f"Tenant {unit}"),
            )
            conn.execute(
                "INSERT INTO household_members (household_id, person_id, role, valid_from) "
                "VALUES (%s, %s, 'lease_holder', %s) ON CONFLICT DO NOTHING",
                (f"h-{unit}", person, date(2024, 1, 15)),
            )
            conn.execute(
                "INSERT INTO credentials (credential_id, person_id, estate_id, type, ref, "
                "valid_from) VALUES (%s, %s, %s, 'card', %s, %s) ON CONFLICT DO NOTHING",
                (f"c-{unit}", person, e, card_hash(DEMO_CARD_KEY, card), since),
            )


def first_grid(conn: psycopg.Connection, estate: str) -> str | None:
    row = conn.execute(
        "SELECT grid_id FROM grids WHERE estate_id = %s ORDER BY grid_id LIMIT 1", (estate,)
    ).fetchone()
    return str(row[0]) if row else None


def other_accounts(conn: psycopg.Connection, ours: tuple[str, ...]) -> int:
    row = conn.execute(
        "SELECT count(*) FROM users WHERE user_id <> ALL(%s)", (list(ours),)
    ).fetchone()
    return int(row[0]) if row else 0


def known_scopes(conn: psycopg.Connection, user_id: str) -> int:
    """How many of the account's scopes name an estate or grid in the register."""
    row = conn.execute(
        "SELECT count(*) FROM user_scopes s WHERE s.user_id = %s AND ("
        " (s.kind = 'estate' AND EXISTS (SELECT 1 FROM estates e WHERE e.estate_id = s.ref_id))"
        " OR (s.kind = 'grid' AND EXISTS (SELECT 1 FROM grids g WHERE g.grid_id = s.ref_id)))",
        (user_id,),
    ).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Counts:
    events: int
    by_kind: dict[str, int]
    dead_letters: int
    gateways: int


def counts(conn: psycopg.Connection) -> Counts:
    rows = conn.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall()
    by_kind = {str(k): int(n) for k, n in rows}
    dead = conn.execute("SELECT count(*) FROM dead_letters").fetchone()
    gws = conn.execute("SELECT count(*) FROM gateways").fetchone()
    return Counts(
        sum(by_kind.values()), by_kind, int(dead[0]) if dead else 0, int(gws[0]) if gws else 0
    )
