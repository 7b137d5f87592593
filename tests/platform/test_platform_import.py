"""Bulk import: an .xlsx with exactly 10 deliberate errors reports exactly those (sheet,
line, column) and imports the rest; a re-import changes nothing; a dry run keeps nothing;
the simulator's register output imports as it is."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest
from openpyxl import Workbook
from platform_live import CARD_SECRET, Live

from anju_platform.cards import hash_number

# sheet -> header, rows (None = an empty spreadsheet row, which keeps its line number)
BOOK: dict[str, tuple[list[str], list[list[object] | None]]] = {
    "estates": (
        ["estate_id", "name", "city"],
        [
            ["E3", "Estate 3", "Xiangyang"],
            ["bad id/x", "Broken", None],  # 1: estate_id pattern
        ],
    ),
    "buildings": (
        ["building_id", "estate_id", "name", "floors"],
        [
            ["B3", "E3", "1", 6],
            ["B3x", "E9", "2", 6],  # 2: estate E9 does not exist
            ["B3y", "E3", "3", "many"],  # 3: floors not a number
        ],
    ),
    "units": (
        ["unit_id", "estate_id", "building_id", "grid_id", "number", "area_m2"],
        [
            ["U3", "E3", "B3", None, "101", 45.5],
            ["U3b", "E3", "B3", "G1", "102", 40],  # 4: grid of another estate
            ["U3c", "E3", "B3", None, None, 40],  # 5: number missing
            ["U3", "E3", "B3", None, "101", 45.5],  # 6: duplicate of line 2
        ],
    ),
    "households": (
        ["household_id", "unit_id", "lease_start", "move_in", "move_out"],
        [
            ["H3", "U3", datetime(2024, 1, 1), date(2024, 1, 10), None],
            ["H3b", "U3", "2024-01-01", "2024-03-01", "2024-02-01"],  # 7: move_out before move_in
            ["H3c", "U404", "2024-01-01", None, None],  # 8: unit does not exist
        ],
    ),
    "persons": (
        ["person_id", "name", "birth_year", "gender"],
        [
            ["P3", "王芳", 1950, "女"],
            None,
            ["P3b", "李四", 1800, "M"],  # 9: birth_year out of range (line 4: row 3 is empty)
        ],
    ),
    "members": (
        ["household_id", "person_id", "role", "valid_from"],
        [
            ["H3", "P3", "lease_holder", "2024-01-10"],
            ["H3", "P3", "tenant", "2024-02-01"],  # 10: role not allowed
        ],
    ),
    "credentials": (
        ["credential_id", "person_id", "estate_id", "type", "number", "ref", "valid_from"],
        [
            ["C3", "P3", "E3", "card", "00012345", None, "2024-01-10T08:00:00+08:00"],
            ["Q3", "P3", "E3", "qr", None, "qr-identity-3", "2024-01-10T08:00:00+08:00"],
        ],
    ),
    "caregivers": (
        [
            "caregiver_id",
            "person_id",
            "unit_id",
            "weekdays",
            "start_time",
            "end_time",
            "valid_from",
        ],
        [["CG3", "P3", "U3", "[1,3,5]", "08:00", "10:00", "2024-01-10"]],
    ),
    "absences": (
        ["absence_id", "household_id", "kind", "starts_on", "ends_on"],
        [["A3", "H3", "travel", "2024-02-01", "2024-02-15"]],
    ),
}
EXPECTED = {
    ("estates", 3, "estate_id"),
    ("buildings", 3, "estate_id"),
    ("buildings", 4, "floors"),
    ("units", 3, "grid_id"),
    ("units", 4, "number"),
    ("units", 5, "unit_id"),
    ("households", 3, "move_out"),
    ("households", 4, "unit_id"),
    ("persons", 4, "birth_year"),
    ("members", 3, "role"),
}


def workbook() -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in BOOK.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append(row if row is not None else [])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def post(live: Live, data: bytes, dry_run: bool, user: str = "admin") -> dict:
    with live.client(user) as c:
        r = c.post(
            "/api/v1/import/register",
            params={"dry_run": str(dry_run).lower()},
            files={"files": ("register.xlsx", data)},
        )
    assert r.status_code == 200, r.text
    return r.json()


def errors_of(report: dict) -> set[tuple[str, int, str]]:
    return {(e["sheet"].split(":")[1], e["line"], e["column"]) for e in report["errors"]}


def count(live: Live, sql: str) -> int:
    with psycopg.connect(live.db) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def test_ten_errors_reported_rest_imported_and_reimport_is_idempotent(live: Live) -> None:
    data = workbook()
    dry = post(live, data, dry_run=True)
    assert len(dry["errors"]) == 10 and errors_of(dry) == EXPECTED, dry["errors"]
    assert count(live, "SELECT count(*) FROM estates WHERE estate_id = 'E3'") == 0  # kept nothing

    first = post(live, data, dry_run=False)
    assert len(first["errors"]) == 10 and errors_of(first) == EXPECTED, first["errors"]
    reasons = {(e["sheet"].split(":")[1], e["line"]): e["reason"] for e in first["errors"]}
    assert "E9" in reasons[("buildings", 3)] and reasons[("units", 5)] == "duplicate of line 2"
    assert "move_out is before move_in" in reasons[("households", 3)]
    created = {s["sheet"]: s["created"] for s in first["sheets"]}
    assert created == {
        "estates": 1,
        "buildings": 1,
        "units": 1,
        "households": 1,
        "persons": 1,
        "household_members": 1,
        "credentials": 2,
        "caregivers": 1,
        "absences": 1,
    }

    with psycopg.connect(live.db) as conn:
        ref = conn.execute("SELECT ref FROM credentials WHERE credential_id = 'C3'").fetchone()
        gender = conn.execute("SELECT gender FROM persons WHERE person_id = 'P3'").fetchone()
        stored = conn.execute(
            "SELECT count(*) FROM credentials WHERE ref LIKE '%12345%'"
        ).fetchone()
    assert ref == (hash_number(CARD_SECRET.encode(), "E3", "12345"),)  # leading zeros normalised
    assert gender == ("F",) and stored == (0,)

    again = post(live, data, dry_run=False)
    assert errors_of(again) == EXPECTED
    assert all(s["created"] == 0 and s["updated"] == 0 for s in again["sheets"]), again["sheets"]
    assert sum(s["unchanged"] for s in again["sheets"]) == 10


def test_changed_row_is_updated_and_csv_upload(live: Live) -> None:
    csv = b"unit_id,estate_id,building_id,number,rooms\nU1,E1,B1,U1,3\n"
    with live.client("manager") as c:
        r = c.post(
            "/api/v1/import/register",
            params={"dry_run": "false"},
            files={"files": ("units.csv", csv)},
        )
        assert r.json()["sheets"][0]["updated"] == 1
        r = c.post(
            "/api/v1/import/register",
            params={"dry_run": "false"},
            files={"files": ("units.csv", csv)},
        )
        assert r.json()["sheets"][0]["unchanged"] == 1
        assert c.get("/api/v1/units/U1").json()["grid_id"] == "G1"  # absent column left alone
        bad = c.post("/api/v1/import/register", files={"files": ("notes.txt", b"x")})
        assert bad.status_code == 400


@pytest.mark.slow
def test_simulator_register_imports_directly(tmp_path: Path, pg_url: str) -> None:
    out = tmp_path / "sim"
    anju = [sys.executable, "-m", "anju_cli.main"]
    subprocess.run(
        [*anju, "simulate", "generate", "--small", "--days", "2", "-o", str(out)],
        check=True,
        capture_output=True,
    )
    env = {"DATABASE_URL": pg_url, "PATH": "/usr/bin:/bin"}
    for attempt in ("first", "again"):
        r = subprocess.run(
            [*anju, "platform", "import", str(out / "register")],
            env=env,
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, (attempt, r.stdout, r.stderr)
    assert "0 errors" in r.stderr
    with psycopg.connect(pg_url) as conn:
        units = conn.execute("SELECT count(*) FROM units").fetchone()
        enrolled = conn.execute("SELECT count(*) FROM face_enrollments").fetchone()
    assert units == (60,) and enrolled is not None and enrolled[0] > 0
    xlsx = subprocess.run(
        [*anju, "platform", "import", str(out / "register" / "register.xlsx"), "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert xlsx.returncode == 0, xlsx.stdout
    assert " 60 " in xlsx.stdout  # units: 60 rows, all unchanged
