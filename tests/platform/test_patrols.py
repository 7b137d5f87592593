"""Patrols (巡查): checkpoint codes and coverage (pure), checkpoints and posters over HTTP,
scans via the API and via a gateway QR event copied by the job (idempotently), and
coverage figures against hand-computed values."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from platform_live import Live, live_server
from psycopg.types.json import Jsonb

from anju_common.localtime import local_day
from anju_platform.access import Principal, Role
from anju_platform.repo.patrols import copy_gateway_scans, patrol_job
from anju_platform.workflow import patrols

KEY = b"k" * 32


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_patrol_job_is_registered() -> None:
    from anju_platform.jobs import registered

    assert "patrols" in [j.name for j in registered()]


def test_checkpoint_code() -> None:
    code = patrols.checkpoint_code(KEY, "cp-roof")
    assert patrols.read_checkpoint_code(KEY, code) == "cp-roof"
    assert patrols.read_checkpoint_code(b"x" * 32, code) is None
    # a resident report code for the same text is not a checkpoint code
    from anju_platform.workflow import signing

    assert (
        patrols.read_checkpoint_code(KEY, signing.sign(KEY, "report-building", "cp-roof")) is None
    )


def test_month_helpers() -> None:
    assert patrols.parse_month("2025-03") == (2025, 3)
    assert patrols.parse_month("2025-13") is None and patrols.parse_month("25-03") is None
    assert patrols.parse_month("0000-01") is None and patrols.parse_month("9999-12") is None
    assert patrols.month_bounds(2025, 12, 8) == (utc(2025, 11, 30, 16), utc(2025, 12, 31, 16))
    assert local_day(utc(2025, 3, 1, 16, 30), 8) == date(2025, 3, 2)


def test_may_scan() -> None:
    insp = Principal(
        "i", "I", Role.INSPECTOR, grids=frozenset({"G1"}), grid_estates=frozenset({"E1"})
    )
    mgr = Principal("m", "M", Role.MANAGER, estates=frozenset({"E1"}))
    auth = Principal("a", "A", Role.AUTHORITY)
    assert patrols.may_scan(insp, "E1", "G1") and not patrols.may_scan(insp, "E1", "G1b")
    assert patrols.may_scan(insp, "E1", None) and not patrols.may_scan(insp, "E2", None)
    assert patrols.may_scan(mgr, "E1", "G1b") and not patrols.may_scan(mgr, "E2", "G2")
    assert not patrols.may_scan(auth, "E1", "G1")


def test_coverage_by_hand() -> None:
    cps = [
        patrols.Checkpoint("a", "A", "G1", None),
        patrols.Checkpoint("b", "B", "G1", date(2025, 3, 10)),
        patrols.Checkpoint("c", "C", None, None),
    ]
    scans = [
        ("a", utc(2025, 2, 28, 16, 10)),  # local 1 March
        ("a", utc(2025, 3, 1, 2)),  # 1 March again
        ("a", utc(2025, 3, 1, 16, 30)),  # local 2 March
        ("a", utc(2025, 3, 31, 16, 5)),  # local 1 April: not in the month
        ("b", utc(2025, 3, 5, 2)),
        ("b", utc(2025, 3, 12, 2)),  # after it ended: a scan, but not a covered day
        ("zz", utc(2025, 3, 5, 2)),  # unknown checkpoint
    ]
    per, groups, total = patrols.coverage(cps, scans, 2025, 3, date(2026, 1, 1), 8)
    assert [(p.checkpoint_id, p.scans, p.days_covered, p.days, p.coverage) for p in per] == [
        ("a", 3, 2, 31, round(2 / 31, 4)),
        ("b", 2, 1, 10, 0.1),
        ("c", 0, 0, 31, 0.0),
    ]
    assert [(g.grid_id, g.checkpoints, g.days_covered, g.days) for g in groups] == [
        ("G1", 2, 3, 41),
        (None, 1, 0, 31),
    ]
    assert (total.days_covered, total.days, total.coverage) == (3, 72, round(3 / 72, 4))
    # a month still running counts only the days so far; a future month has none
    per, _, _ = patrols.coverage(cps[:1], scans, 2025, 3, date(2025, 3, 4), 8)
    assert (per[0].days_covered, per[0].days, per[0].coverage) == (2, 4, 0.5)
    per, _, total = patrols.coverage(cps[:1], [], 2025, 3, date(2025, 2, 1), 8)
    assert (per[0].days, per[0].coverage, total.coverage) == (0, None, None)


@pytest.fixture
def server(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    with live_server(pg_url, tmp_path, jobs_enabled=False) as live:
        yield live


def _qr_event(conn: psycopg.Connection, estate: str, cid: str, at: datetime, result: str) -> str:
    eid = str(uuid.uuid4())
    day = at.date()
    conn.execute("SELECT anju_ensure_partitions(%s, %s)", (day, day))
    payload = {
        "kind": "qr",
        "event_id": eid,
        "time": at.isoformat(),
        "estate_id": estate,
        "gateway_id": f"GW{estate[-1]}",
        "device_id": f"D{estate[-1]}",
        "purpose": "patrol_checkpoint",
        "result": result,
        "checkpoint_id": cid,
    }
    conn.execute(
        "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id, payload)"
        " VALUES (%s, %s, 'qr', %s, %s, %s, %s)",
        (at, eid, estate, payload["gateway_id"], payload["device_id"], Jsonb(payload)),
    )
    return eid


def test_checkpoints_scans_and_coverage(server: Live) -> None:
    live = server
    with live.client("manager") as c:
        for cid, grid, name in (
            ("CP1", "G1", "1栋 楼顶"),
            ("CP2", "G1b", "车库"),
            ("CP3", None, "大门"),
        ):
            r = c.post(
                "/api/v1/checkpoints",
                json={"checkpoint_id": cid, "estate_id": "E1", "building_id": "B1",
                      "grid_id": grid, "name": name},
            )  # fmt: skip
            assert r.status_code == 201, r.text
        bad = {"checkpoint_id": "CPX", "estate_id": "E1", "grid_id": "G2", "name": "x"}
        r = c.post("/api/v1/checkpoints", json=bad)
        assert r.status_code == 422 and "not in estate E1" in r.text
        dup = {"checkpoint_id": "CP1", "estate_id": "E1", "name": "again"}
        assert c.post("/api/v1/checkpoints", json=dup).status_code == 409
        poster = c.get("/api/v1/checkpoints/CP1/poster")
        assert poster.status_code == 200 and "<svg" in poster.text and "巡查点" in poster.text
        m = re.search(r'<div class="url">[^<]*/p/([^<]+)</div>', poster.text)
        assert m is not None
        code1 = m.group(1)
    with psycopg.connect(live.db) as conn:
        conn.execute("UPDATE checkpoints SET ended_on = '2025-03-10' WHERE checkpoint_id = 'CP2'")
    key = live.settings.signing_key()
    with live.client("inspector") as c:
        listed = c.get("/api/v1/checkpoints", params={"estate_id": "E1"}).json()
        assert [x["checkpoint_id"] for x in listed] == ["CP1", "CP2", "CP3"]
        r = c.post("/api/v1/patrols/scans", json={"code": code1})
        assert r.status_code == 201, r.text
        scan = r.json()
        assert (scan["checkpoint_id"], scan["user_id"], scan["grid_id"]) == (
            "CP1",
            "inspector",
            "G1",
        )
        code2 = patrols.checkpoint_code(key, "CP2")
        assert c.post("/api/v1/patrols/scans", json={"code": code2}).status_code == 403  # G1b
        assert c.post("/api/v1/patrols/scans", json={"code": "nonsense"}).status_code == 404
        ghost = patrols.checkpoint_code(key, "CP-none")
        assert c.post("/api/v1/patrols/scans", json={"code": ghost}).status_code == 404
    with live.client("manager") as c:  # CP2 ended in 2025: no more scans
        assert c.post("/api/v1/patrols/scans", json={"code": code2}).status_code == 409
    with live.client("authority") as c:
        assert c.post("/api/v1/patrols/scans", json={"code": code1}).status_code == 403

    # gateway QR scans: valid ones of known checkpoints of the same estate are copied once
    with psycopg.connect(live.db, autocommit=True) as conn:
        good = _qr_event(conn, "E1", "CP2", utc(2025, 3, 5, 2), "valid")
        _qr_event(conn, "E1", "CP2", utc(2025, 3, 6, 2), "forged")
        _qr_event(conn, "E1", "CP-unknown", utc(2025, 3, 6, 2), "valid")
        _qr_event(conn, "E2", "CP1", utc(2025, 3, 6, 2), "valid")  # CP1 is E1's
        assert copy_gateway_scans(conn) == 1
        assert patrol_job(conn, live.settings) == 0  # idempotent by event_id
        conn.execute("DELETE FROM detect_state WHERE scope = 'patrols:events'")
        assert copy_gateway_scans(conn) == 0  # even from scratch
        rows = conn.execute(
            "SELECT checkpoint_id, user_id, event_id::text, scanned_at FROM patrol_scans"
            " WHERE event_id IS NOT NULL"
        ).fetchall()
        assert rows == [("CP2", None, good, utc(2025, 3, 5, 2))]
        # hand-placed scans in March 2025 (local time UTC+8)
        for cid, at in (
            ("CP1", utc(2025, 2, 28, 16, 10)),  # local 1 March
            ("CP1", utc(2025, 3, 1, 3)),  # 1 March again
            ("CP1", utc(2025, 3, 1, 16, 30)),  # local 2 March
            ("CP1", utc(2025, 3, 30, 23)),  # local 31 March
            ("CP1", utc(2025, 3, 31, 16, 5)),  # local 1 April: another month
            ("CP2", utc(2025, 3, 12, 2)),  # after CP2 ended on 10 March
        ):
            conn.execute(
                "INSERT INTO patrol_scans (checkpoint_id, estate_id, user_id, scanned_at)"
                " VALUES (%s, 'E1', 'inspector', %s)",
                (cid, at),
            )

    with live.client("inspector") as c:
        r = c.get("/api/v1/patrols/coverage", params={"estate_id": "E1", "month": "2025-03"})
        assert r.status_code == 200, r.text
        cov: dict[str, Any] = r.json()
        assert (
            c.get(
                "/api/v1/patrols/coverage", params={"estate_id": "E1", "month": "2025-3"}
            ).status_code
            == 422
        )
        assert (
            c.get(
                "/api/v1/patrols/coverage", params={"estate_id": "E2", "month": "2025-03"}
            ).status_code
            == 403
        )
    per = {x["checkpoint_id"]: x for x in cov["checkpoints"]}
    # CP1: 4 scans in the month on 3 local days of 31; CP2: counted 1-10 March, scans on
    # the 5th (gateway) and the 12th (after its end): 1 of 10; CP3: none of 31
    assert (per["CP1"]["scans"], per["CP1"]["days_covered"], per["CP1"]["days"]) == (4, 3, 31)
    assert per["CP1"]["coverage"] == 0.0968
    assert (per["CP2"]["scans"], per["CP2"]["days_covered"], per["CP2"]["days"]) == (2, 1, 10)
    assert per["CP2"]["coverage"] == 0.1
    assert (per["CP3"]["days_covered"], per["CP3"]["days"], per["CP3"]["coverage"]) == (0, 31, 0.0)
    grids = {g["grid_id"]: g for g in cov["grids"]}
    assert grids["G1"]["coverage"] == 0.0968 and grids["G1b"]["coverage"] == 0.1
    assert grids[None]["coverage"] == 0.0
    assert (cov["total"]["days_covered"], cov["total"]["days"]) == (4, 72)
    assert cov["total"]["coverage"] == round(4 / 72, 4)
    with psycopg.connect(live.db) as conn:
        audited = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'scan' AND target_id = 'CP1'"
        ).fetchone()
    assert audited == (1,)
