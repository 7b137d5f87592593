"""Inspection cases against the real server and database: the case job, routing and due
times, scopes, visits (confirmed, not confirmed, no access), the authority's decision,
suppression through the real detection alert book, photos, and the evidence pack."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from platform_live import Live, live_server

from anju_platform.detect.alertbook import AlertBook
from anju_platform.detect.model import Evidence, Finding
from anju_platform.services import cases as case_service

GRIDS: dict[str, str | None] = {"U1": "G1", "U1b": "G1b", "U2": "G2", "U2b": "G2b"}
FAR = date(2099, 1, 1)  # an AlertBook cooldown start after every dismissal: no cooling


@pytest.fixture
def quiet(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    """A live server whose background jobs are off: the test runs the case job itself."""
    with live_server(
        pg_url, tmp_path, jobs_enabled=False, snapshot_dir=tmp_path / "snapshots"
    ) as server:
        yield server


def _alert(live: Live, unit: str, grid: str, type_: str, opened: datetime) -> int:
    with psycopg.connect(live.db) as conn:
        row = conn.execute(
            "INSERT INTO alerts (estate_id, unit_id, grid_id, type, status, score, reason_en,"
            " reason_zh, first_day, last_day, opened_at, opened_day) VALUES ('E1', %s, %s, %s,"
            " 'open', 0.8, 'Members rarely seen', '登记成员很少出现', %s, %s, %s, %s)"
            " RETURNING alert_id",
            (unit, grid, type_, opened.date(), opened.date(), opened, opened.date()),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _sync(live: Live) -> tuple[list[int], list[int]]:
    with psycopg.connect(live.db, autocommit=True) as conn:
        return case_service.sync(conn, live.settings.cases.due_hours)


def _sql(live: Live, query: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(live.db) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def _case_of(live: Live, alert_id: int) -> int:
    return int(_sql(live, "SELECT case_id FROM cases WHERE alert_id = %s", alert_id)[0][0])


def _kinds(live: Live, case_id: int) -> list[str]:
    return [
        r[0]
        for r in _sql(
            live,
            "SELECT kind FROM notifications WHERE kind LIKE 'case.%%'"
            " AND (body->>'case_id')::bigint = %s ORDER BY notification_id",
            case_id,
        )
    ]


def test_job_routes_case_with_due_time_and_scopes(quiet: Live) -> None:
    opened = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    a1 = _alert(quiet, "U1", "G1", "sublet", opened)
    a2 = _alert(quiet, "U1b", "G1b", "sublet", opened)
    welfare = _alert(quiet, "U1", "G1", "evicted_reentry", opened)
    care = _alert(quiet, "U1", "G1", "elderly_not_seen", opened)  # a care task, not a case
    created, cancelled = _sync(quiet)
    assert len(created) == 3 and cancelled == []
    assert _sql(quiet, "SELECT count(*) FROM cases WHERE alert_id = %s", care) == [(0,)]
    assert _sync(quiet) == ([], [])  # idempotent
    c1, c2, cw = _case_of(quiet, a1), _case_of(quiet, a2), _case_of(quiet, welfare)
    with quiet.client("inspector") as c:
        mine = c.get("/api/v1/cases/mine").json()
        listed = c.get("/api/v1/cases", params={"estate_id": "E1"}).json()
        assert c.get(f"/api/v1/cases/{c2}").status_code == 403  # grid G1b: not theirs
        assert c.get("/api/v1/cases", params={"estate_id": "E2"}).status_code == 403
        detail = c.get(f"/api/v1/cases/{c1}").json()
    assert {x["case_id"] for x in mine} == {c1, cw}
    assert {x["case_id"] for x in listed} == {c1, cw}
    one = next(x for x in mine if x["case_id"] == c1)
    assert one["assignee_id"] == "inspector" and one["assignee_name"] == "Inspector"
    assert datetime.fromisoformat(one["due_at"]) == opened + timedelta(hours=72)
    w = next(x for x in mine if x["case_id"] == cw)
    assert datetime.fromisoformat(w["due_at"]) == opened + timedelta(hours=24)  # evicted: 24 h
    assert one["status"] == "open" and not one["overdue"] and one["reason_zh"] == "登记成员很少出现"
    assert detail["household"]["household_id"] == "H1"
    assert [m["person_id"] for m in detail["household"]["members"]] == ["P1"]
    with quiet.client("manager") as c:
        assert {
            x["case_id"] for x in c.get("/api/v1/cases", params={"estate_id": "E1"}).json()
        } == {
            c1,
            c2,
            cw,
        }
        g1b = c.get("/api/v1/cases", params={"estate_id": "E1", "grid_id": "G1b"}).json()
        assert [x["case_id"] for x in g1b] == [c2]
        assert c.get(f"/api/v1/cases/{c2}").json()["assignee_id"] is None  # G1b: no inspector
    assert _kinds(quiet, c1) == ["case.assigned"]
    assert _kinds(quiet, c2) == []
    assert _sql(quiet, "SELECT count(*) FROM audit_log WHERE action = 'read' AND target_type ="
                " 'case' AND target_id = %s", str(c1))[0][0] == 1  # fmt: skip
    # overdue: a case past its due time
    _sql(quiet, "UPDATE cases SET due_at = now() - interval '1 hour' WHERE case_id = %s", cw)
    with quiet.client("inspector") as c:
        late = c.get("/api/v1/cases", params={"estate_id": "E1", "overdue": "true"}).json()
    assert [(x["case_id"], x["overdue"]) for x in late] == [(cw, True)]
    # the alert closes before anyone went: the job cancels the case
    _sql(quiet, "UPDATE alerts SET status = 'closed', closed_at = now() WHERE alert_id = %s", a2)
    assert _sync(quiet) == ([], [c2])
    with quiet.client("admin") as c:
        r = c.get(f"/api/v1/cases/{c2}").json()
    assert r["status"] == "cancelled" and r["closed_at"] is not None


def test_background_job_creates_cases(live: Live) -> None:
    aid = _alert(live, "U1", "G1", "overcrowding", datetime.now(UTC))
    deadline = time.monotonic() + 20
    with live.client("inspector") as c:
        while time.monotonic() < deadline:
            mine = c.get("/api/v1/cases/mine").json()
            if any(x["alert_id"] == aid for x in mine):
                break
            time.sleep(0.2)
    assert any(x["alert_id"] == aid for x in mine), "the case job did not run in the server"


def test_confirmed_then_decided(quiet: Live) -> None:
    aid = _alert(quiet, "U1", "G1", "sublet", datetime.now(UTC) - timedelta(days=1))
    _sync(quiet)
    cid = _case_of(quiet, aid)
    visit = {"outcome": "confirmed", "notes": "Three tenants, lease holder abroad"}
    with quiet.client("authority") as c:
        assert c.post(f"/api/v1/cases/{cid}/visits", json=visit).status_code == 403
    with quiet.client("inspector") as c:
        bad = c.post(f"/api/v1/cases/{cid}/visits", json={"outcome": "not_confirmed"})
        assert bad.status_code == 422  # a reason is required
        early = {**visit, "visited_at": (datetime.now(UTC) - timedelta(days=3)).isoformat()}
        bad = c.post(f"/api/v1/cases/{cid}/visits", json=early)  # before the alert opened
        assert bad.status_code == 422 and "before the alert" in bad.text
        r = c.post(f"/api/v1/cases/{cid}/visits", json=visit)
        assert r.status_code == 200, r.text
        d = r.json()
        assert c.post(f"/api/v1/cases/{cid}/visits", json=visit).status_code == 409
        assert (
            c.post(f"/api/v1/cases/{cid}/decision", json={"decision": "warning"}).status_code == 403
        )
        assert c.get("/api/v1/cases/mine").json() == []  # no longer open
    assert d["status"] == "confirmed" and d["alert_status"] == "acknowledged"
    assert d["first_visit_at"] is not None and d["closed_at"] is None
    assert [(v["outcome"], v["violation_type"], v["inspector_id"]) for v in d["visits"]] == [
        ("confirmed", "sublet", "inspector")
    ]
    ded = d["deduction"]
    assert (ded["household_id"], ded["violation_type"], ded["points"], ded["status"]) == (
        "H1",
        "sublet",
        20,
        "proposed",
    )
    assert _kinds(quiet, cid) == ["case.assigned", "case.visited", "case.confirmed"]
    body = _sql(quiet, "SELECT body FROM notifications WHERE kind = 'case.confirmed'")[0][0]
    assert body["alert_id"] == aid and body["household_id"] == "H1"
    with quiet.client("manager") as c:
        assert (
            c.post(f"/api/v1/cases/{cid}/decision", json={"decision": "warning"}).status_code == 403
        )
    with quiet.client("authority") as c:
        r = c.post(
            f"/api/v1/cases/{cid}/decision",
            json={"decision": "deduction_upheld", "note": "confirmed sublet"},
        )
        assert r.status_code == 200, r.text
        d = r.json()
        again = c.post(f"/api/v1/cases/{cid}/decision", json={"decision": "no_action"})
        assert again.status_code == 409
    assert d["status"] == "decided" and d["closed_at"] is not None
    assert d["alert_status"] == "closed" and d["deduction"]["status"] == "upheld"
    assert (d["decision"]["decision"], d["decision"]["decided_by"]) == (
        "deduction_upheld",
        "authority",
    )
    assert _kinds(quiet, cid)[-1] == "case.decided"
    actions = [r[0] for r in _sql(
        quiet, "SELECT action FROM audit_log WHERE target_type = 'case' AND target_id = %s"
        " ORDER BY audit_id", str(cid))]  # fmt: skip
    assert actions == ["visit", "decide"]


def _finding(unit: str, day: date) -> Finding:
    ev = Evidence(
        key=f"day:{day}:{unit}", at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        day=day, kind="presence", note="2 unregistered people on 12 of 28 days",
    )  # fmt: skip
    return Finding(
        type="overcrowding",
        unit_id=unit,
        day=day,
        score=0.8,
        reason_en="More regular people than registered",
        reason_zh="常住人数多于登记人数",
        first_day=day - timedelta(days=20),
        evidence=(ev,),
    )


def _live_alerts(live: Live, unit: str, type_: str) -> list[tuple[Any, ...]]:
    return _sql(
        live,
        "SELECT alert_id, status FROM alerts WHERE unit_id = %s AND type = %s"
        " AND status IN ('watch', 'open', 'acknowledged')",
        unit,
        type_,
    )


def test_not_confirmed_suppresses_the_pattern_in_detection(quiet: Live) -> None:
    day = datetime.now(UTC).date() - timedelta(days=1)
    with psycopg.connect(quiet.db) as conn:  # detection opens the alert
        AlertBook(conn, "E1", GRIDS, FAR).apply(_finding("U1", day))
    [(aid, st)] = _live_alerts(quiet, "U1", "overcrowding")
    assert st == "open"
    _sync(quiet)
    cid = _case_of(quiet, aid)
    with quiet.client("inspector") as c:
        r = c.post(
            f"/api/v1/cases/{cid}/visits",
            json={
                "outcome": "not_confirmed",
                "reason": "family_member_unregistered",
                "notes": "The lease holder's daughter and son-in-law moved in after a birth",
            },
        )
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["status"] == "not_confirmed" and d["alert_status"] == "dismissed"
    assert d["deduction"] is None and d["closed_at"] is not None
    [s] = d["suppressions"]
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    assert (s["unit_id"], s["type"], s["reason"]) == (
        "U1",
        "overcrowding",
        "register_change:family_member_unregistered",
    )
    assert s["valid_from"] == str(day - timedelta(days=20))
    assert s["valid_to"] == str(today + timedelta(days=quiet.settings.cases.suppression_days))
    assert d["register_change"]["reason"] == "family_member_unregistered"
    assert "登记" in d["register_change"]["note_zh"]
    assert _kinds(quiet, cid) == ["case.assigned", "case.visited"]
    # detection sees the same pattern again: no new alert for the suppressed (unit, type)
    with psycopg.connect(quiet.db) as conn:
        book = AlertBook(conn, "E1", GRIDS, FAR)
        book.apply(_finding("U1", day))
        book.apply(_finding("U1", day + timedelta(days=1)))
        book.apply(_finding("U1b", day))  # the same finding on another flat still alerts
    assert _live_alerts(quiet, "U1", "overcrowding") == []
    assert len(_live_alerts(quiet, "U1b", "overcrowding")) == 1
    # once the suppression has run out, the pattern alerts again
    after = date.fromisoformat(s["valid_to"]) + timedelta(days=1)
    with psycopg.connect(quiet.db) as conn:
        AlertBook(conn, "E1", GRIDS, FAR).apply(_finding("U1", after))
    assert len(_live_alerts(quiet, "U1", "overcrowding")) == 1


def test_no_access_keeps_case_open_and_reassign(quiet: Live) -> None:
    aid = _alert(quiet, "U1", "G1", "sublet", datetime.now(UTC))
    _sync(quiet)
    cid = _case_of(quiet, aid)
    with psycopg.connect(quiet.db) as conn:
        conn.execute(
            "INSERT INTO users (user_id, name, role, password_hash) VALUES"
            " ('zhang', 'Zhang', 'inspector', 'x'), ('li', 'Li', 'inspector', 'x')"
        )
        conn.execute("INSERT INTO user_scopes VALUES ('zhang', 'grid', 'G1'), ('li', 'grid', 'G2')")
    with quiet.client("inspector") as c:
        r = c.post(f"/api/v1/cases/{cid}/visits", json={"outcome": "no_access", "notes": "away"})
        assert r.status_code == 200
        assert (r.json()["status"], r.json()["alert_status"]) == ("open", "open")
        assert r.json()["first_visit_at"] is not None
        assert (
            c.post(f"/api/v1/cases/{cid}/assign", json={"assignee_id": "zhang"}).status_code == 403
        )
    with quiet.client("manager") as c:
        bad = c.post(f"/api/v1/cases/{cid}/assign", json={"assignee_id": "li"})
        assert bad.status_code == 422  # li holds G2, not G1
        r = c.post(f"/api/v1/cases/{cid}/assign", json={"assignee_id": "zhang"})
        assert r.status_code == 200 and r.json()["assignee_name"] == "Zhang"
    with quiet.client("inspector") as c:
        assert c.get("/api/v1/cases/mine").json() == []
        assert (
            c.get("/api/v1/cases", params={"estate_id": "E1", "assignee_id": "zhang"}).json()[0][
                "case_id"
            ]
            == cid
        )
    assert _kinds(quiet, cid) == ["case.assigned", "case.visited", "case.assigned"]


def test_photos_and_evidence_pack(quiet: Live, faces_dir: Path) -> None:
    aid = _alert(quiet, "U1", "G1", "sublet", datetime.now(UTC))
    other = _alert(quiet, "U1b", "G1b", "sublet", datetime.now(UTC))
    event = "0190f3c2-7d4e-7a11-9c55-2f1d9e6b0a01"
    snap = (faces_dir / "obama" / "1.jpg").read_bytes()
    snap_dir = quiet.settings.faces.snapshot_dir
    (snap_dir / "E1").mkdir(parents=True)
    (snap_dir / "E1" / f"{event}.jpg").write_bytes(snap)
    with psycopg.connect(quiet.db) as conn:
        conn.execute(
            "INSERT INTO alert_evidence (alert_id, key, at, day, kind, event_id, snapshot_ref,"
            " note) VALUES (%s, %s, now(), current_date, 'face', %s, 'snap', %s)",
            (aid, event, event, "Unregistered face <b>at</b> entrance A"),
        )
        conn.execute(
            "INSERT INTO face_snapshots (event_id, estate_id, gateway_id, path, sha256, taken_at)"
            " VALUES (%s, 'E1', 'GW1', %s, 'x', now())",
            (event, f"E1/{event}.jpg"),
        )
    _sync(quiet)
    cid, cother = _case_of(quiet, aid), _case_of(quiet, other)
    photo = (faces_dir / "biden" / "1.jpg").read_bytes()
    with quiet.client("inspector") as c:
        v = c.post(f"/api/v1/cases/{cid}/visits", json={"outcome": "confirmed",
                   "notes": "Bunk beds in the living room"}).json()  # fmt: skip
        vid = v["visits"][0]["visit_id"]
        up = c.post(
            f"/api/v1/cases/{cid}/photos",
            files={"photo": ("room.jpg", photo, "image/jpeg")},
            data={"visit_id": str(vid)},
        )
        assert up.status_code == 201, up.text
        p = up.json()
        fake = c.post(
            f"/api/v1/cases/{cid}/photos",
            files={"photo": ("x.jpg", b"<html>not an image</html>", "image/jpeg")},
        )
        assert fake.status_code == 415
        assert (
            c.post(
                f"/api/v1/cases/{cother}/photos",
                files={"photo": ("room.jpg", photo, "image/jpeg")},
            ).status_code
            == 403
        )
        got = c.get(f"/api/v1/cases/{cid}/photos/{p['photo_id']}")
        pack_insp = c.get(f"/api/v1/cases/{cid}/evidence-pack")
    assert p["sha256"] == hashlib.sha256(photo).hexdigest() and p["visit_id"] == vid
    assert p["content_type"] == "image/jpeg" and p["uploaded_by"] == "inspector"
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/jpeg"
    stored = list((quiet.settings.cases.evidence_dir / str(cid)).iterdir())
    assert [f.read_bytes() == photo for f in stored] == [True]  # the refused upload left nothing
    with quiet.client("admin") as c:
        big = c.post(
            f"/api/v1/cases/{cid}/photos",
            files={
                "photo": (
                    "big.jpg",
                    b"\xff\xd8\xff" + b"\0" * quiet.settings.limits.max_upload_bytes,
                )
            },
        )
        assert big.status_code == 413
        d = c.get(f"/api/v1/cases/{cid}").json()
        pack = c.get(f"/api/v1/cases/{cid}/evidence-pack")
    assert [x["photo_id"] for x in d["photos"]] == [p["photo_id"]]
    assert pack.status_code == 200
    assert pack.headers["content-type"].startswith("text/html")
    assert pack.headers["content-disposition"] == f'attachment; filename="case-{cid}.html"'
    html = pack.text
    assert "登记成员很少出现" in html and "Members rarely seen" in html  # reasons zh + en
    assert "Bunk beds in the living room" in html and "属实" in html  # the visit
    assert "Unregistered face &lt;b&gt;at&lt;/b&gt; entrance A" in html  # timeline, escaped
    assert f"data:image/jpeg;base64,{base64.b64encode(photo).decode()}" in html
    assert f"data:image/jpeg;base64,{base64.b64encode(snap).decode()}" in html  # face snapshot
    assert not re.search(r"https?://", html)
    assert "<script" not in html and "<link" not in html
    assert "+08:00" in html and "+00:00" not in html  # times on the estates' clock
    # inspectors are not among the roles that see faces (face_view_roles)
    assert pack_insp.status_code == 200
    assert base64.b64encode(snap).decode() not in pack_insp.text
    assert base64.b64encode(photo).decode() in pack_insp.text
    actions = _sql(
        quiet,
        "SELECT actor_id, action FROM audit_log WHERE target_type = 'case' AND target_id = %s"
        " AND action IN ('add_photo', 'read_photo', 'export') ORDER BY audit_id",
        str(cid),
    )
    assert actions == [
        ("inspector", "add_photo"),
        ("inspector", "read_photo"),
        ("inspector", "export"),
        ("admin", "export"),
    ]


def test_mine_hides_cases_outside_a_changed_scope(quiet: Live) -> None:
    """An inspector moved off a grid keeps the assignment until someone reassigns it, but
    must not see that grid's cases any more (GET /cases/{id} already refuses them)."""
    from anju_platform.repo import users

    opened = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    alert = _alert(quiet, "U1", "G1", "sublet", opened)
    _sync(quiet)
    c1 = _case_of(quiet, alert)
    with quiet.client("inspector") as c:
        assert [x["case_id"] for x in c.get("/api/v1/cases/mine").json()] == [c1]
    with psycopg.connect(quiet.db) as conn:
        users.set_scopes(conn, "inspector", [], ["G1b"])
    with quiet.client("inspector") as c:
        assert c.get(f"/api/v1/cases/{c1}").status_code == 403
        assert c.get("/api/v1/cases/mine").json() == []
