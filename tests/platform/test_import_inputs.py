"""Import of untrusted files (issue 15 items 12 and 19, issue 17 item 14): a zip-bomb
workbook and an over-long sheet are refused with 413 before they are parsed in full;
the error list is capped; CSVs as Excel on a zh-CN Windows saves them (GBK, GB18030,
UTF-16) are read and the report says how; every problem of a row is reported; dates
typed as 2024/1/5 are accepted; a file named after no table is refused."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from openpyxl import Workbook
from platform_live import Live, live_server


def upload(c: httpx.Client, *files: tuple[str, bytes], dry_run: bool = False) -> httpx.Response:
    return c.post(
        "/api/v1/import/register",
        params={"dry_run": str(dry_run).lower()},
        files=[("files", f) for f in files],
    )


def bomb(xml_mib: int) -> bytes:
    """A real workbook whose sheet XML is rewritten as `xml_mib` MiB of rows: each
    row alike, so it compresses a thousandfold."""
    wb = Workbook()
    wb.active.title = "persons"
    wb.active.append(["person_id", "name"])
    plain = io.BytesIO()
    wb.save(plain)
    row = b'<row><c t="inlineStr"><is><t>P</t></is></c><c t="inlineStr"><is><t>x</t></is></c></row>'
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info))
                continue
            head, _, _ = src.read(info).partition(b"<sheetData>")
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                f.write(head + b"<sheetData>")
                chunk = row * (1024 * 1024 // len(row))
                for _ in range(xml_mib):
                    f.write(chunk)
                f.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_zip_bomb_workbook_refused_before_parsing(live: Live) -> None:
    data = bomb(120)  # ~1,300,000 rows of XML
    assert len(data) < 1024 * 1024
    started = time.monotonic()
    with live.client("admin") as c:
        r = upload(c, ("register.xlsx", data))
    took = time.monotonic() - started
    assert r.status_code == 413, r.text
    assert "ANJU_PLATFORM_IMPORT_MAX_UNPACKED_BYTES" in r.json()["detail"]
    assert took < 5, took  # refused from the zip directory, not after parsing


@pytest.fixture
def small_limits(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    with live_server(pg_url, tmp_path, import_max_rows=1200) as server:
        yield server


def test_rows_per_sheet_bounded_and_errors_capped(small_limits: Live) -> None:
    live = small_limits
    over = bomb(1)  # ~11,000 rows: within the unpacked size, beyond 1,200 rows
    header = b"person_id,name,birth_year\n"
    bad = header + b"".join(b"Q%d,n,1800\n" % i for i in range(1150))  # every row fails
    too_long = header + b"".join(b"Q%d,n,1950\n" % i for i in range(1201))
    with live.client("admin") as c:
        r = upload(c, ("register.xlsx", over))
        assert r.status_code == 413 and "ANJU_PLATFORM_IMPORT_MAX_ROWS" in r.json()["detail"]
        assert upload(c, ("persons.csv", too_long)).status_code == 413
        report = upload(c, ("persons.csv", bad), dry_run=True)
    assert report.status_code == 200, report.text
    got = report.json()
    assert len(got["errors"]) == 1000 and got["errors_total"] == 1150
    assert got["sheets"][0]["failed"] == 1150


CSV_TEXT = "person_id,name,estate_id\nPG1,王芳,E1\nPG2,李𠮷,E1\n"


@pytest.mark.parametrize(
    ("data", "encoding", "names"),
    [
        (CSV_TEXT.replace("𠮷", "四").encode("gbk"), "GB18030", ("王芳", "李四")),
        (CSV_TEXT.encode("gb18030"), "GB18030", ("王芳", "李𠮷")),
        (CSV_TEXT.encode("utf-16"), "UTF-16", ("王芳", "李𠮷")),  # with a BOM
        (CSV_TEXT.replace(",", "\t").encode("utf-16"), "UTF-16", ("王芳", "李𠮷")),
        (CSV_TEXT.encode("utf-8-sig"), "UTF-8", ("王芳", "李𠮷")),
    ],
    ids=["gbk", "gb18030", "utf-16", "utf-16-tabs", "utf-8-bom"],
)
def test_csv_encodings_detected_and_reported(
    live: Live, data: bytes, encoding: str, names: tuple[str, str]
) -> None:
    with live.client("admin") as c:
        r = upload(c, ("persons.csv", data))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["errors"] == [] and got["sheets"][0]["encoding"] == encoding
    with psycopg.connect(live.db) as conn:
        stored = conn.execute(
            "SELECT name FROM persons WHERE person_id IN ('PG1', 'PG2') ORDER BY person_id"
        ).fetchall()
    assert tuple(n for (n,) in stored) == names


def test_undecodable_csv_is_a_clear_400(live: Live) -> None:
    with live.client("admin") as c:
        r = upload(c, ("persons.csv", b"person_id,name\nP1,\x81\x30\xff\n"))
    assert r.status_code == 400 and "UTF-8, UTF-16 or GB18030" in r.json()["detail"]


def test_every_error_of_a_row_and_loose_dates(live: Live) -> None:
    units = b"unit_id,estate_id,building_id,floor,number,area_m2\nU9,E1,B404,x,101,-5\n"
    households = b"household_id,unit_id,lease_start,move_in\nH9,U1,2024/1/5,2024.1.10\n"
    with live.client("admin") as c:
        r = upload(c, ("units.csv", units), ("households.csv", households))
    assert r.status_code == 200, r.text
    got = r.json()
    assert {(e["line"], e["column"]) for e in got["errors"]} == {
        (2, "floor"),
        (2, "area_m2"),
        (2, "building_id"),
    }, got["errors"]
    assert got["errors_total"] == 3 and got["sheets"][0]["failed"] == 1
    with psycopg.connect(live.db) as conn:
        row = conn.execute(
            "SELECT lease_start::text, move_in::text FROM households WHERE household_id = 'H9'"
        ).fetchone()
    assert row == ("2024-01-05", "2024-01-10")


def test_unknown_file_name_refused(live: Live, tmp_path: Path) -> None:
    people = b"person_id,name\nPX,x\n"
    with live.client("admin") as c:
        r = upload(c, ("people.csv", people), dry_run=True)
    assert r.status_code == 422 and "people.csv" in r.json()["detail"]
    folder = tmp_path / "register"
    folder.mkdir()
    (folder / "people.csv").write_bytes(people)
    (folder / "persons.csv").write_bytes(people)
    cli = subprocess.run(
        [sys.executable, "-m", "anju_cli.main", "platform", "import", str(folder)],
        env={"DATABASE_URL": live.db, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 1, (cli.stdout, cli.stderr)
    assert "unknown sheet 'people'" in cli.stderr and "Traceback" not in cli.stderr
    with psycopg.connect(live.db) as conn:  # the known sheet still went in
        assert conn.execute("SELECT name FROM persons WHERE person_id = 'PX'").fetchone()
