"""Care tasks against the real server and database (issue 16 item 8): a welfare alert
from detection's own alert book becomes a care task for the grid's inspector (no
inspection case), phone first, a visit when nobody answers, the outcome recorded; the
task closes itself when detection sees the tenant again; absences reported by phone or on
the poster's form become approved absences only when a manager confirms them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from platform_live import Live, live_server

from anju_platform.detect.alertbook import AlertBook
from anju_platform.detect.model import Evidence, Finding
from anju_platform.services import care as care_service
from anju_platform.workflow import reports as report_rules

GRIDS: dict[str, str | None] = {"U1": "G1", "U1b": "G1b", "U2": "G2", "U2b": "G2b"}
FAR = date(2099, 1, 1)


@pytest.fixture
def quiet(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    """Background jobs off: the test runs the care job itself."""
    with live_server(pg_url, tmp_path, jobs_enabled=False, report_min_fill_s=0.5) as server:
        yield server


def _sql(live: Live, query: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(live.db) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def _sync(live: Live) -> tuple[list[int], list[int]]:
    with psycopg.connect(live.db, autocommit=True) as conn:
        return care_service.sync_job(conn, live.settings)  # type: ignore[return-value]


def _welfare(day: date) -> Finding:
    last = day - timedelta(days=4)
    at = datetime(last.year, last.month, last.day, 10, tzinfo=UTC)
    return Finding(
        "elderly_not_seen", "U1", day, 1.0, "not seen for 4 days", "独居老人 4 天未出现",
        first_day=last, persons=("P1",),
        evidence=(Evidence(f"last:{last}", at, last, "last_seen", "last seen coming home"),),
    )  # fmt: skip


def _book(live: Live, day: date, finding: Finding | None) -> None:
    """Detection's daily pass over unit U1 on `day`: the rule found it, or not."""
    with psycopg.connect(live.db) as conn:
        book = AlertBook(conn, "E1", GRIDS, FAR)
        if finding is not None:
            book.apply(finding)
        book.close_ended(day, {"U1"}, {("U1", finding.type)} if finding else set())


def _contact(c: httpx.Client, tid: int, kind: str, result: str, **kw: str) -> httpx.Response:
    return c.post(f"/api/v1/care-tasks/{tid}/contacts", json={"kind": kind, "result": result, **kw})


def _kinds(live: Live, task_id: int) -> list[str]:
    rows = _sql(live, "SELECT kind FROM notifications WHERE (body->>'task_id')::bigint = %s"
                " ORDER BY notification_id", task_id)  # fmt: skip
    return [r[0] for r in rows]


def test_welfare_alert_is_a_care_task_phone_then_visit_then_outcome(quiet: Live) -> None:
    day = date.today()
    _book(quiet, day, _welfare(day))
    alert_id = _sql(quiet, "SELECT alert_id FROM alerts WHERE type = 'elderly_not_seen'")[0][0]
    created, closed = _sync(quiet)
    assert len(created) == 1 and closed == [] and _sync(quiet) == ([], [])  # idempotent
    (tid,) = created
    # a care task, not an inspection case; told to the grid's inspector
    assert _sql(quiet, "SELECT count(*) FROM cases") == [(0,)]
    assert _kinds(quiet, tid) == ["care.assigned"]
    assert _sql(quiet, "SELECT grid_id FROM notifications WHERE kind = 'care.assigned'") == [
        ("G1",)
    ]
    _sql(quiet, "UPDATE persons SET phone = '13800000001' WHERE person_id = 'P1'")
    with quiet.client("inspector") as c:
        listed = c.get("/api/v1/care-tasks", params={"estate_id": "E1"}).json()
        assert [(t["task_id"], t["status"], t["alert_id"]) for t in listed] == [
            (tid, "call", alert_id)
        ]
        task = c.get(f"/api/v1/care-tasks/{tid}").json()
        assert task["assignee_id"] == "inspector" and task["unit_id"] == "U1"
        assert task["members"] == [
            {"person_id": "P1", "name": "Person 1", "role": "lease_holder", "phone": "13800000001"}
        ]  # the assignee, about to call, sees the number; the read is audited
        assert c.get("/api/v1/care-tasks", params={"estate_id": "E2"}).status_code == 403
        r = _contact(c, tid, "phone", "no_answer", notes="rang twice")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "visit"
        r = _contact(c, tid, "visit", "needed_help", notes="fell, called 120")
        done = r.json()
        assert done["status"] == "done" and done["result"] == "needed_help"
        assert [(x["kind"], x["result"]) for x in done["contacts"]] == [
            ("phone", "no_answer"), ("visit", "needed_help")
        ]  # fmt: skip
        assert _contact(c, tid, "phone", "fine").status_code == 409
        assert _contact(c, tid, "phone", "fine", at="2099-01-01T00:00:00Z").status_code == 422
    with quiet.client("manager") as c:  # not the assignee: no phone numbers
        assert c.get(f"/api/v1/care-tasks/{tid}").json()["members"][0]["phone"] is None
        assert c.get("/api/v1/care-tasks", params={"estate_id": "E1"}).json() == []  # closed
        shown = c.get("/api/v1/care-tasks", params={"estate_id": "E1", "status": "done"}).json()
        assert [t["task_id"] for t in shown] == [tid]
    with quiet.client("authority") as c:  # reads, records nothing
        assert c.get(f"/api/v1/care-tasks/{tid}").status_code == 200
    assert _kinds(quiet, tid) == ["care.assigned", "care.contacted", "care.contacted"]
    audit = _sql(quiet, "SELECT action FROM audit_log WHERE target_type = 'care_task'"
                 " AND target_id = %s ORDER BY audit_id", str(tid))  # fmt: skip
    # the number went out twice (the task read, the answer to the unanswered call); the
    # answer closing the task carries none
    assert [a[0] for a in audit].count("read_phone") == 2
    assert [a[0] for a in audit].count("contact") == 2
    # a person's outcome stands when detection later closes the alert
    _book(quiet, day + timedelta(days=1), None)
    assert _sync(quiet) == ([], [])
    assert _sql(quiet, "SELECT status FROM care_tasks WHERE task_id = %s", tid) == [("done",)]


def test_the_task_closes_itself_when_detection_sees_the_tenant_again(quiet: Live) -> None:
    day = date.today()
    _book(quiet, day, _welfare(day))
    (tid,), _ = _sync(quiet)
    with quiet.client("authority") as c:
        assert _contact(c, tid, "phone", "fine").status_code == 403
    with quiet.client("admin") as c:
        assert _contact(c, tid + 99, "phone", "fine").status_code == 404
    _book(quiet, day + timedelta(days=1), _welfare(day + timedelta(days=1)))  # still silent
    assert _sync(quiet) == ([], [])
    _book(quiet, day + timedelta(days=2), None)  # the daily pass sees her: the rule is quiet
    assert _sync(quiet) == ([], [tid])
    with quiet.client("inspector") as c:
        t = c.get(f"/api/v1/care-tasks/{tid}").json()
        assert t["status"] == "seen" and t["closed_at"] is not None and t["result"] is None
        assert _contact(c, tid, "phone", "fine").status_code == 409
    assert _kinds(quiet, tid) == ["care.assigned", "care.closed"]


def test_absence_by_phone_becomes_approved_only_when_a_manager_confirms(quiet: Live) -> None:
    today = date.today()
    ask = {"unit_id": "U1", "starts_on": str(today), "ends_on": str(today + timedelta(days=9)),
           "note": "at her daughter's", "contact": "daughter 13900000002"}  # fmt: skip
    with quiet.client("inspector") as c:
        r = c.post("/api/v1/absence-reports", json=ask)
        assert r.status_code == 201, r.text
        rep = r.json()
        assert rep["status"] == "pending" and rep["source"] == "phone"
        assert rep["household_id"] == "H1" and rep["absence_id"] is None
        assert c.post("/api/v1/absence-reports", json={**ask, "unit_id": "U2"}).status_code == 403
        bad = {**ask, "ends_on": str(today - timedelta(days=1))}
        assert c.post("/api/v1/absence-reports", json=bad).status_code == 422
        assert c.post("/api/v1/absence-reports", json={**ask, "unit_id": "nope"}).status_code == 404
        # the inspector took the call; approving it is not theirs
        deny = f"/api/v1/absence-reports/{rep['report_id']}/decision"
        assert c.post(deny, json={"confirm": True}).status_code == 403
        assert c.get("/api/v1/absence-reports", params={"estate_id": "E1"}).status_code == 403
    assert _sql(quiet, "SELECT count(*) FROM absences WHERE household_id = 'H1'") == [(1,)]
    with quiet.client("manager") as c:
        pending = c.get("/api/v1/absence-reports", params={"estate_id": "E1"}).json()
        assert [p["report_id"] for p in pending] == [rep["report_id"]]
        assert pending[0]["contact"] == "daughter 13900000002"
        r = c.post(f"/api/v1/absence-reports/{rep['report_id']}/decision",
                   json={"confirm": True, "note": "called back"})  # fmt: skip
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "confirmed" and r.json()["decided_by"] == "manager"
        again = c.post(f"/api/v1/absence-reports/{rep['report_id']}/decision",
                       json={"confirm": False})  # fmt: skip
        assert again.status_code == 409
    approved = _sql(quiet, "SELECT kind, starts_on, ends_on, approved_by FROM absences"
                    " WHERE absence_id = %s", r.json()["absence_id"])  # fmt: skip
    assert approved == [("travel", today, today + timedelta(days=9), "manager")]
    acts = _sql(quiet, "SELECT actor_id, action FROM audit_log WHERE target_type = 'absence_report'"
                " ORDER BY audit_id")  # fmt: skip
    assert ("inspector", "create") in acts and ("manager", "confirm") in acts
    assert ("manager", "list") in acts  # the contact is personal data: its reads are audited


def test_resident_reports_an_absence_on_the_poster_form(quiet: Live) -> None:
    code = report_rules.building_code(quiet.settings.signing_key(), "E1", "B1")
    today = date.today()
    with quiet.client() as c:
        page = c.get(f"/r/{code}").text
        assert 'value="away"' in page and 'id="away_from"' in page

        def send(**extra: object) -> Any:
            token = c.get("/api/v1/public/reports/form", params={"code": code}).json()
            time.sleep(0.6)
            return c.post("/api/v1/public/reports", json={
                "code": code, "category": "away", "body": "", "form_token": token["form_token"],
                **extra})  # fmt: skip

        missing = send(unit_number="U1", away_from=str(today))
        assert missing.status_code == 422
        assert missing.json()["detail"]["reason"] == "away_incomplete"
        nowhere = send(unit_number="999", away_from=str(today), away_to=str(today))
        assert nowhere.json()["detail"]["reason"] == "unknown_flat"
        backwards = send(unit_number="U1", away_from=str(today), away_to=str(today - timedelta(1)))
        assert backwards.json()["detail"]["reason"] == "away_dates"
        ok = send(unit_number="U1", away_from=str(today), away_to=str(today + timedelta(days=20)),
                  contact="son 13700000003")  # fmt: skip
        assert ok.status_code == 201, ok.text
    rows = _sql(quiet, "SELECT source, status, created_by, contact, resident_report_id"
                " FROM absence_reports")  # fmt: skip
    assert rows == [("resident", "pending", "public", "son 13700000003", ok.json()["report_id"])]
    assert _sql(quiet, "SELECT count(*) FROM alerts") == [(0,)]  # an absence is no complaint
    assert _sql(quiet, "SELECT kind FROM notifications") == [("absence.reported",)]
    assert _sql(quiet, "SELECT count(*) FROM absences WHERE household_id = 'H1'") == [(1,)]
    with quiet.client("manager") as c:
        (rep,) = c.get("/api/v1/absence-reports", params={"estate_id": "E1"}).json()
        r = c.post(f"/api/v1/absence-reports/{rep['report_id']}/decision", json={"confirm": False})
        assert r.json()["status"] == "rejected" and r.json()["absence_id"] is None
    assert _sql(quiet, "SELECT count(*) FROM absences WHERE household_id = 'H1'") == [(1,)]


def test_background_job_creates_care_tasks(pg_url: str, tmp_path: Path) -> None:
    with live_server(pg_url, tmp_path, workflow_poll_s=0.2) as live:
        _book(live, date.today(), _welfare(date.today()))
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while not _sql(live, "SELECT 1 FROM care_tasks") and datetime.now(UTC) < deadline:
            time.sleep(0.1)
        assert _sql(live, "SELECT status, assignee_id FROM care_tasks") == [("call", "inspector")]
        assert _sql(live, "SELECT count(*) FROM cases") == [(0,)]


def test_erasure_replaces_the_name_in_care_notes_and_reported_absences(quiet: Live) -> None:
    day = date.today()
    _book(quiet, day, _welfare(day))
    (tid,), _ = _sync(quiet)
    with quiet.client("inspector") as c:
        r = _contact(c, tid, "phone", "away", notes="Person 1 is at her daughter's")
        assert r.status_code == 200, r.text
        ask = {"unit_id": "U1", "starts_on": str(day), "ends_on": str(day + timedelta(days=3)),
               "note": "Person 1 away", "contact": "Person 1's son"}  # fmt: skip
        assert c.post("/api/v1/absence-reports", json=ask).status_code == 201
    with quiet.client("admin") as c:
        r = c.post("/api/v1/persons/P1/erase", json={"reason": "request"})
        assert r.status_code == 200, r.text
    texts = _sql(quiet, "SELECT notes FROM care_contacts UNION ALL SELECT note FROM"
                 " absence_reports UNION ALL SELECT contact FROM absence_reports")  # fmt: skip
    assert texts and all("Person 1" not in t for (t,) in texts), texts


def _door(live: Live, at: datetime, granted: bool, person: str | None = None) -> None:
    """A card (or, with `person`, a recognised face) event at E1's door, as ingest stores it."""
    ref = _sql(live, "SELECT ref FROM credentials WHERE credential_id = 'C1'")[0][0]
    eid = str(uuid.uuid4())
    _sql(live, "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
         " direction, credential_type, credential_ref, person_id, granted, payload) VALUES"
         " (%s, %s, 'access', 'E1', 'GW1', 'D1', 'in', %s, %s, %s, %s, '{}')",
         at, eid, None if person else "card", None if person else ref, person, granted)  # fmt: skip


def test_the_task_closes_in_real_time_when_the_tenant_is_at_a_door(quiet: Live) -> None:
    day = date.today()
    _sql(
        quiet, "SELECT anju_ensure_partitions(%s, %s)", day - timedelta(days=8), day + timedelta(2)
    )
    _book(quiet, day, _welfare(day))  # silent since day - 3 (first_day)
    (tid,), _ = _sync(quiet)
    before = datetime.now(UTC) - timedelta(days=6)  # before the silence: no news
    _door(quiet, before, True)
    _door(quiet, datetime.now(UTC), False)  # their card refused: not them for sure
    _door(quiet, datetime.now(UTC), True, person="K1")  # the carer's face: not them
    assert _sync(quiet) == ([], [])
    _door(quiet, datetime.now(UTC) - timedelta(minutes=5), True)  # their card, let through
    assert _sync(quiet) == ([], [tid])  # at once, before detection's next daily pass
    assert _sql(quiet, "SELECT status FROM alerts WHERE alert_id = (SELECT alert_id FROM"
                " care_tasks WHERE task_id = %s)", tid) == [("open",)]  # fmt: skip
    assert _kinds(quiet, tid) == ["care.assigned", "care.closed"]
