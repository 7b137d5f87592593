"""A write may only name records the writer could change (issue 15 items 6 and 9).

The manager of estate 1 writes a record of estate 1 that names one record of estate 2,
for every reference column declared in `Table.refs`, through the API (create and patch)
and through the import. Before the check a manager of one estate linked the other
estate's person to their flat (as member or caregiver), then edited and erased them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from platform_live import Live

from anju_platform.api.register import RESOURCES
from anju_platform.importer.loader import KINDS
from anju_platform.repo import tables as t
from anju_platform.repo.tables import Table

NOW = "2025-01-01T00:00:00+00:00"
OTHER = {"estates": "E2", "buildings": "B2", "entrances": "N2", "grids": "G2", "units": "U2"}
OTHER |= {"households": "H2", "persons": "P2", "gateways": "GW2"}


def row(table: Table, n: int) -> dict[str, Any]:
    """A valid new record of estate 1 (ids made unique by n)."""
    key = {c: f"L{n}" for c in table.key}  # members and staff build their own keys
    return {
        "buildings": lambda: {**key, "estate_id": "E1", "name": "x"},
        "entrances": lambda: {**key, "building_id": "B1", "name": "x"},
        "grids": lambda: {**key, "estate_id": "E1", "name": "x"},
        "grid_staff": lambda: {"grid_id": "G1", "staff_id": f"S{n}", "name": "x"},
        "units": lambda: {
            **key,
            "estate_id": "E1",
            "building_id": "B1",
            "entrance_id": "N1",
            "grid_id": "G1",
            "number": "9",
        },
        "households": lambda: {**key, "unit_id": "U1", "lease_start": "2025-01-01"},
        "persons": lambda: {**key, "name": "x", "estate_id": "E1"},
        "household_members": lambda: {
            "household_id": "H1",
            "person_id": "P1",
            "role": "member",
            "valid_from": f"2025-01-{n % 28 + 1:02d}",
        },
        "credentials": lambda: {
            **key,
            "person_id": "P1",
            "estate_id": "E1",
            "type": "qr",
            "ref": f"qr-{n}",
            "valid_from": NOW,
        },
        "caregivers": lambda: {
            **key,
            "person_id": "K1",
            "unit_id": "U1",
            "valid_from": "2025-01-01",
        },
        "absences": lambda: {
            **key,
            "household_id": "H1",
            "kind": "travel",
            "starts_on": "2025-02-01",
            "ends_on": "2025-02-02",
        },
        "gateways": lambda: {**key, "estate_id": "E1"},
        "devices": lambda: {
            **key,
            "gateway_id": "GW1",
            "kind": "door",
            "building_id": "B1",
            "entrance_id": "N1",
        },
        "face_enrollments": lambda: {
            **key,
            "person_id": "P1",
            "estate_id": "E1",
            "embedding": " ".join(["0.1"] * 128),
            "consent_at": NOW,
            "consent_ref": "form",
        },
    }[table.name]()


CASES = [(table, column) for table in [k.table for k in KINDS.values()] for column, _ in table.refs]
PATHS = {r.table.name: r.path for r in RESOURCES}


def _count(live: Live, table: Table, values: dict[str, Any]) -> int:
    where = " AND ".join(f"{k} = %s" for k in table.key)
    with psycopg.connect(live.db) as conn:
        got = conn.execute(
            f"SELECT count(*) FROM {table.name} WHERE {where}",
            [values[k] for k in table.key],
        ).fetchone()
    assert got is not None
    return int(got[0])


def test_every_foreign_key_is_declared(live: Live) -> None:
    """The walk below covers what the schema links: each foreign key of a register table
    to another register table is in `Table.refs` (a new column cannot be forgotten)."""
    names = {k.table.name for k in KINDS.values()}
    with psycopg.connect(live.db) as conn:
        fks = conn.execute(
            "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text"
            " FROM pg_constraint c JOIN pg_attribute a"
            " ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)"
            " WHERE c.contype = 'f'"
        ).fetchall()
    schema = {(tbl, col) for tbl, col, ref in fks if tbl in names and ref in names}
    declared = {(k.table.name, col) for k in KINDS.values() for col, target in k.table.refs}
    assert schema <= declared, sorted(schema - declared)
    # and every declared target is where the schema's foreign key points
    targets = {(tbl, col): ref for tbl, col, ref in fks}
    for k in KINDS.values():
        for col, target in k.table.refs:
            assert targets[(k.table.name, col)] == target.name


def _api_create(live: Live, table: Table, values: dict[str, Any], faces: Path) -> int:
    with live.client("manager") as c:
        if table.name == "household_members":
            return c.post(
                f"/api/v1/households/{values['household_id']}/members", json=values
            ).status_code
        if table.name == "grid_staff":
            path = f"/api/v1/grids/{values['grid_id']}/staff/{values['staff_id']}"
            return c.put(path, json=values).status_code
        if table.name == "face_enrollments":
            photo = (faces / "obama" / "1.jpg").read_bytes()
            form = {"estate_id": values["estate_id"], "consent_at": NOW, "consent_ref": "f"}
            form["enrollment_id"] = values["enrollment_id"]
            return c.post(
                f"/api/v1/persons/{values['person_id']}/enrollments",
                data=form,
                files={"photo": ("1.jpg", photo)},
            ).status_code
        return c.post(f"/api/v1/{PATHS[table.name]}", json=values).status_code


def test_api_writes_name_only_records_in_scope(live: Live, faces_dir: Path) -> None:
    refused = []
    for n, (table, column) in enumerate(CASES):
        ok = row(table, n)
        assert _api_create(live, table, ok, faces_dir) in (200, 201), (table.name, column)
        bad = {**row(table, n + 1000), column: OTHER[dict(table.refs)[column].name]}
        status = _api_create(live, table, bad, faces_dir)
        if status != 403 or _count(live, table, bad):
            refused.append((table.name, column, status))
    assert refused == []


def test_api_patches_name_only_records_in_scope(live: Live) -> None:
    seeded = {"units": "U1", "persons": "P1", "credentials": "C1", "devices": "D1"}
    walked = []
    with live.client("manager") as c:
        for res in RESOURCES:
            for column, target in res.table.refs:
                if column not in res.patchable:
                    continue
                item = seeded[res.path]
                r = c.patch(f"/api/v1/{res.path}/{item}", json={column: OTHER[target.name]})
                walked.append((res.path, column, r.status_code))
                after = c.get(f"/api/v1/{res.path}/{item}").json()
                assert after[column] != OTHER[target.name], (res.path, column)
    assert walked and all(s == 403 for *_, s in walked), walked


def _import(live: Live, user: str, table: Table, values: dict[str, Any]) -> dict[str, Any]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(values))
    writer.writeheader()
    writer.writerow(values)
    with live.client(user) as c:
        r = c.post(
            "/api/v1/import/register",
            params={"dry_run": "false"},
            files={"files": (f"{table.name}.csv", out.getvalue().encode())},
        )
    assert r.status_code == 200, r.text
    report: dict[str, Any] = r.json()
    return report


@pytest.mark.parametrize("user", ["manager"])
def test_import_rows_name_only_records_in_scope(live: Live, user: str) -> None:
    missed = []
    for n, (table, column) in enumerate(CASES):
        ok = row(table, n)
        good = _import(live, user, table, ok)
        assert good["errors"] == [], (table.name, good["errors"])
        bad = {**row(table, n + 1000), column: OTHER[dict(table.refs)[column].name]}
        report = _import(live, user, table, bad)
        errors = [(e["column"], e["reason"]) for e in report["errors"]]
        if _count(live, table, bad) or not any(col == column for col, _ in errors):
            missed.append((table.name, column, errors))
    assert missed == []


def test_manager_cannot_change_their_estate_by_import(live: Live) -> None:
    """PATCH /estates/{id} is refused to managers; estates.csv must be too."""
    with live.client("manager") as c:
        assert c.patch("/api/v1/estates/E1", json={"name": "renamed"}).status_code == 403
    report = _import(live, "manager", t.ESTATES, {"estate_id": "E1", "name": "renamed"})
    assert [e["reason"] for e in report["errors"]] == ["the existing record is outside your scope"]
    with live.client("admin") as c:
        assert c.get("/api/v1/estates/E1").json()["name"] == "Estate 1"


def test_link_to_a_missing_record_is_a_422_in_the_error_shape(live: Live) -> None:
    with live.client("manager") as c:
        r = c.post(
            "/api/v1/households/H1/members", json={**row(t.MEMBERS, 1), "person_id": "nobody"}
        )
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "loc": ["body", "person_id"],
            "msg": "person_id 'nobody' does not exist",
            "type": "reference",
        }
    ]
    assert "Key (" not in json.dumps(r.json())
