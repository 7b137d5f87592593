"""The SQL of what surrounds a case (or an alert): the household holding the flat and its
members, the names of the flat, grid and estate, the estate's gateways, and the face
snapshots the platform holds for evidence events. Callers hold the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

from anju_platform.repo.rows import dicts, records


def household_id(conn: psycopg.Connection, unit_id: str | None, on: date) -> str | None:
    """The household holding the unit on a day (the latest lease when several)."""
    if unit_id is None:
        return None
    row = conn.execute(
        "SELECT household_id FROM households WHERE unit_id = %s"
        " AND coalesce(move_in, lease_start) <= %s AND (move_out IS NULL OR move_out >= %s)"
        " ORDER BY lease_start DESC, household_id LIMIT 1",
        (unit_id, on, on),
    ).fetchone()
    return None if row is None else str(row[0])


@dataclass(frozen=True, slots=True)
class Member:
    """A person living in the household on the day asked (phone: personal data)."""

    person_id: str
    name: str
    role: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class Household:
    household_id: str
    members: list[Member]


def household(conn: psycopg.Connection, hid: str, on: date) -> Household:
    with conn.cursor(row_factory=class_row(Member)) as cur:
        members = cur.execute(
            "SELECT m.person_id, p.name, m.role, p.phone FROM household_members m"
            " JOIN persons p USING (person_id) WHERE m.household_id = %s AND m.valid_from <= %s"
            " AND (m.valid_to IS NULL OR m.valid_to >= %s) ORDER BY m.role, m.person_id",
            (hid, on, on),
        ).fetchall()
    return Household(hid, members)


def place_names(
    conn: psycopg.Connection, unit_id: str | None, grid_id: str | None, estate_id: str
) -> dict[str, Any]:
    """Names of a case's flat, grid and estate for the evidence pack."""
    rows = dicts(
        conn,
        "SELECT e.name AS estate_name, e.address, g.name AS grid_name, b.name AS building_name,"
        " n.name AS entrance_name, u.number FROM estates e"
        " LEFT JOIN units u ON u.unit_id = %(u)s LEFT JOIN grids g ON g.grid_id = %(g)s"
        " LEFT JOIN buildings b ON b.building_id = u.building_id"
        " LEFT JOIN entrances n ON n.entrance_id = u.entrance_id WHERE e.estate_id = %(e)s",
        {"u": unit_id, "g": grid_id, "e": estate_id},
    )
    keys = ("estate_name", "address", "grid_name", "building_name", "entrance_name", "number")
    return rows[0] if rows else dict.fromkeys(keys)


def gateway_names(conn: psycopg.Connection, estate_id: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT gateway_id, coalesce(name, gateway_id) FROM gateways WHERE estate_id = %s",
        (estate_id,),
    )
    return {r[0]: r[1] for r in rows}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A face snapshot the platform holds for an evidence event (`path` under snapshot_dir)."""

    event_id: str
    path: str
    taken_at: datetime


def snapshots(conn: psycopg.Connection, event_ids: list[str]) -> list[Snapshot]:
    """Face snapshots the platform holds for evidence events, oldest first."""
    if not event_ids:
        return []
    return records(
        conn,
        Snapshot,
        "SELECT event_id::text, path, taken_at FROM face_snapshots"
        " WHERE event_id = ANY(%s::uuid[]) ORDER BY taken_at",
        (event_ids,),
    )


def with_snapshots(
    conn: psycopg.Connection, evidence: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Mark the evidence rows whose event has a stored face snapshot."""
    ids = sorted({e["event_id"] for e in evidence if e.get("event_id")})
    held = {s.event_id for s in snapshots(conn, ids)}
    return [{**e, "has_snapshot": e.get("event_id") in held} for e in evidence]
