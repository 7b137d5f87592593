"""Performance report (绩效评价): the pure figures, and the API's JSON and CSV against
values computed by hand from alerts, cases, visits, reports and patrol scans inserted
with SQL (March 2025, local time UTC+8)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from platform_live import Live, live_server

from anju_platform.workflow import performance as perf
from anju_platform.workflow.patrols import month_bounds


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


START, END = month_bounds(2025, 3, 8)
NOW = utc(2026, 1, 1)


def test_figures_by_hand() -> None:
    cases = [
        # created in March, visited after 10 h (due 24 h): in time; closed not_confirmed
        perf.CaseRec("G", "not_confirmed", utc(2025, 3, 2), utc(2025, 3, 3), utc(2025, 3, 2, 10),
                     utc(2025, 3, 2, 10)),
        # visited after 30 h, due 24 h: late; confirmed (handled at the visit)
        perf.CaseRec("G", "confirmed", utc(2025, 3, 5), utc(2025, 3, 6), utc(2025, 3, 6, 6),
                     utc(2025, 3, 6, 6)),
        # not visited, past due: counts against the due share
        perf.CaseRec("G", "open", utc(2025, 3, 7), utc(2025, 3, 8), None, None),
        # not visited, not yet due (now is before its due time): not judged yet
        perf.CaseRec("G", "open", utc(2025, 3, 30), utc(2026, 2, 1), None, None),
        # created in February, decided in March: handled in March only
        perf.CaseRec("G", "decided", utc(2025, 2, 10), utc(2025, 2, 11), utc(2025, 2, 10, 5),
                     utc(2025, 3, 3)),
    ]  # fmt: skip
    alerts = [perf.AlertRec("G", utc(2025, 3, 1)), perf.AlertRec("G", utc(2025, 2, 27)),
              perf.AlertRec("G", None)]  # fmt: skip
    reports = [
        perf.ReportRec("G", utc(2025, 3, 4), True),
        perf.ReportRec("G", utc(2025, 3, 9), False),
        perf.ReportRec("G", utc(2025, 4, 9), True),
    ]
    row = perf.figures("G", alerts, cases, reports, 0.25, START, END, NOW)
    assert row == perf.Row("G", 1, 3, 20.0, round(1 / 3, 4), 0.25, 2, 1)
    empty = perf.figures("H", [], [], [], None, START, END, NOW)
    assert empty == perf.Row("H", 0, 0, None, None, None, 0, 0)
    rows, total = perf.report(["G", "H"], alerts, cases, reports, {"G": 0.25}, 0.2, START, END, NOW)
    assert [r.grid_id for r in rows] == ["G", "H"] and total.patrol_coverage == 0.2
    assert total.alerts_handled == 3
    data = perf.to_csv(rows, total, {"G": "东区"})
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "grid_id,grid_name," + ",".join(perf.FIELDS)
    assert lines[1] == "G,东区,1,3,20.0,0.3333,0.25,2,1"
    assert lines[2] == "H,,0,0,,,,0,0"
    assert lines[3].startswith("total,合计,1,3,")


@pytest.fixture
def server(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    with live_server(pg_url, tmp_path, jobs_enabled=False) as live:
        yield live


def _seed(db: str) -> None:
    with psycopg.connect(db) as conn:

        def alert(aid: int, estate: str, unit: str | None, grid: str | None, opened: datetime,
                  status: str = "closed") -> None:  # fmt: skip
            conn.execute(
                "INSERT INTO alerts (alert_id, estate_id, unit_id, building_id, grid_id, type,"
                " status, score, reason_en, reason_zh, first_day, last_day, opened_at)"
                " VALUES (%s, %s, %s, 'B1', %s, %s, %s, 0.9, 'x', 'x', '2025-01-01',"
                " '2025-01-01', %s)",
                (aid, estate, unit, grid, f"t{aid}", status, opened),
            )

        def case(cid: int, aid: int, grid: str | None, status: str, created: datetime,
                 due: datetime, closed: datetime | None = None) -> None:  # fmt: skip
            conn.execute(
                "INSERT INTO cases (case_id, alert_id, estate_id, grid_id, status, due_at,"
                " created_at, closed_at) VALUES (%s, %s, 'E1', %s, %s, %s, %s, %s)",
                (cid, aid, grid, status, due, created, closed),
            )

        def visit(cid: int, at: datetime, outcome: str) -> None:
            conn.execute(
                "INSERT INTO case_visits (case_id, inspector_id, visited_at, outcome)"
                " VALUES (%s, 'inspector', %s, %s)",
                (cid, at, outcome),
            )

        alert(1, "E1", "U1", "G1", utc(2025, 3, 2, 1))
        alert(2, "E1", "U1", "G1", utc(2025, 3, 10))
        alert(3, "E1", "U1b", "G1b", utc(2025, 3, 15), "open")
        alert(4, "E1", "U1", "G1", utc(2025, 2, 27))  # February
        alert(5, "E1", "U1b", "G1b", utc(2025, 2, 28, 17))  # local 1 March 01:00
        alert(6, "E1", None, None, utc(2025, 3, 20), "open")  # a building report, no grid
        alert(7, "E2", "U2", "G2", utc(2025, 3, 5))  # another estate
        # C1: 24 h to the visit (due 48 h), not confirmed, closed
        case(
            1, 1, "G1", "not_confirmed", utc(2025, 3, 2, 1), utc(2025, 3, 4, 1), utc(2025, 3, 3, 1)
        )
        visit(1, utc(2025, 3, 3, 1), "not_confirmed")
        # C2: 60 h to the visit (due 24 h), confirmed, awaiting the decision
        case(2, 2, "G1", "confirmed", utc(2025, 3, 10), utc(2025, 3, 11))
        visit(2, utc(2025, 3, 12, 12), "confirmed")
        # C3: never visited, past due
        case(3, 3, "G1b", "open", utc(2025, 3, 15), utc(2025, 3, 16))
        # C4: February's case decided in March
        case(4, 4, "G1", "decided", utc(2025, 2, 27), utc(2025, 2, 28), utc(2025, 3, 5))
        visit(4, utc(2025, 2, 27, 5), "confirmed")
        # C5: created local 1 March, a no-access visit after 2 h (in time), still open
        case(5, 5, "G1b", "open", utc(2025, 2, 28, 17), utc(2025, 3, 1, 17))
        visit(5, utc(2025, 2, 28, 19), "no_access")
        for rid, unit, aid, at in (
            (1, "U1", 1, utc(2025, 3, 3)),  # its case was not confirmed: handled
            (2, None, 6, utc(2025, 3, 20)),  # building report, alert still open
            (3, "U1", 1, utc(2025, 4, 1)),  # April
        ):
            conn.execute(
                "INSERT INTO resident_reports (report_id, estate_id, building_id, unit_id,"
                " category, body, client_key, created_at, alert_id)"
                " VALUES (%s, 'E1', 'B1', %s, 'sublet', 'x', 'k', %s, %s)",
                (rid, unit, at, aid),
            )
        conn.execute(
            "INSERT INTO checkpoints (checkpoint_id, estate_id, grid_id, name)"
            " VALUES ('CP1', 'E1', 'G1', 'roof')"
        )
        for day in (3, 4, 20):
            conn.execute(
                "INSERT INTO patrol_scans (checkpoint_id, estate_id, scanned_at)"
                " VALUES ('CP1', 'E1', %s)",
                (utc(2025, 3, day, 2),),
            )


# Hand-computed. G1: opened A1, A2; handled C1 (closed 3 Mar), C2 (confirmed at the
# 12 Mar visit), C4 (decided 5 Mar); hours C1 24, C2 60 -> median 42; due: C1 yes, C2
# no -> 0.5; patrol 3 of 31 days; report 1 received, handled.
# G1b: opened A3, A5 (local 1 March); handled none; hours C5 2; due: C5 yes, C3 no
# (past due) -> 0.5; no checkpoints. No grid: A6 and report 2 (not handled).
EXPECTED: dict[str | None, dict[str, Any]] = {
    "G1": {"alerts_opened": 2, "alerts_handled": 3, "median_hours_to_inspect": 42.0,
           "share_within_due": 0.5, "patrol_coverage": 0.0968, "reports_received": 1,
           "reports_handled": 1},
    "G1b": {"alerts_opened": 2, "alerts_handled": 0, "median_hours_to_inspect": 2.0,
            "share_within_due": 0.5, "patrol_coverage": None, "reports_received": 0,
            "reports_handled": 0},
    None: {"alerts_opened": 1, "alerts_handled": 0, "median_hours_to_inspect": None,
           "share_within_due": None, "patrol_coverage": None, "reports_received": 1,
           "reports_handled": 0},
    "total": {"alerts_opened": 5, "alerts_handled": 3, "median_hours_to_inspect": 24.0,
              "share_within_due": 0.5, "patrol_coverage": 0.0968, "reports_received": 2,
              "reports_handled": 1},
}  # fmt: skip


def test_performance_json_and_csv(server: Live) -> None:
    live = server
    _seed(live.db)
    with psycopg.connect(live.db) as conn:  # a welfare check is a care task: not counted
        conn.execute(
            "INSERT INTO alerts (alert_id, estate_id, unit_id, grid_id, type, status, score,"
            " reason_en, reason_zh, first_day, last_day, opened_at) VALUES (990, 'E2', 'U2', 'G2',"
            " 'elderly_not_seen', 'open', 1, 'x', 'x', '2025-03-06', '2025-03-09',"
            " '2025-03-10T08:00:00Z')"
        )
    params = {"estate_id": "E1", "month": "2025-03"}
    with live.client("manager") as c:
        r = c.get("/api/v1/performance", params=params)
        assert r.status_code == 200, r.text
        got = r.json()
        csv_r = c.get("/api/v1/performance", params={**params, "format": "csv"})
        assert c.get("/api/v1/performance", params={**params, "estate_id": "E2"}).status_code == 403
    assert (got["month"], got["estate_id"]) == ("2025-03", "E1")
    rows = {row["grid_id"]: row for row in got["rows"]}
    assert list(rows) == ["G1", "G1b", None]
    for grid, want in EXPECTED.items():
        have = got["total"] if grid == "total" else rows[grid]
        assert {k: have[k] for k in want} == want, grid
    assert rows["G1"]["grid_name"] == "G1"

    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_r.headers["content-disposition"]
    assert csv_r.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(csv_r.content.decode("utf-8-sig"))))
    assert [t["grid_id"] for t in table] == ["G1", "G1b", "", "total"]
    for t, key in zip(table, ["G1", "G1b", None, "total"], strict=True):
        want = {k: "" if v is None else str(v) for k, v in EXPECTED[key].items()}
        assert {k: t[k] for k in want} == want, key
    assert table[-1]["grid_name"] == "合计"

    with live.client("authority") as c:
        assert c.get("/api/v1/performance", params=params).json()["total"] == got["total"]
    with live.client("inspector") as c:
        assert c.get("/api/v1/performance", params=params).status_code == 403
    with live.client("admin") as c:
        other = c.get("/api/v1/performance", params={"estate_id": "E2", "month": "2025-03"})
        assert other.json()["total"]["alerts_opened"] == 1
        assert c.get("/api/v1/performance", params={**params, "month": "March"}).status_code == 422


def test_performance_csv_escapes_formulas(server: Live) -> None:
    """Issue 15 item 17: a grid named like a formula must reach Excel as text."""
    _seed(server.db)
    evil = {"G1": '=HYPERLINK("http://evil.example/","x")', "G1b": "@SUM(1+1)"}
    with server.client("admin") as c:
        for grid, name in evil.items():
            assert c.patch(f"/api/v1/grids/{grid}", json={"name": name}).status_code == 200
    with server.client("manager") as c:
        r = c.get(
            "/api/v1/performance", params={"estate_id": "E1", "month": "2025-03", "format": "csv"}
        )
    assert r.status_code == 200, r.text
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    names = {t["grid_id"]: t["grid_name"] for t in table}
    assert names["G1"] == "'" + evil["G1"] and names["G1b"] == "'" + evil["G1b"]
    assert all(
        not v.startswith(("=", "+", "-", "@", "\t", "\r")) for t in table for v in t.values()
    )
    assert (
        perf.to_csv(
            [perf.Row("-1+2", 0, 0, None, None, None, 0, 0)],
            perf.Row(None, 0, 0, None, None, None, 0, 0),
            {"-1+2": "\tx"},
        )
        .decode("utf-8-sig")
        .splitlines()[1]
        == "'-1+2,'\tx,0,0,,,,0,0"
    )
