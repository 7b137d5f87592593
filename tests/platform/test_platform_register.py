"""Register life cycle over HTTP, and the audit trail it leaves."""

from __future__ import annotations

import psycopg
from platform_live import CARD_SECRET, Live

from anju_platform.cards import hash_number


def audit_rows(live: Live, where: str = "true") -> list[tuple[str, str, str, str | None]]:
    with psycopg.connect(live.db) as conn:
        rows = conn.execute(
            "SELECT actor_id, action, target_type, target_id FROM audit_log"
            f" WHERE action NOT IN ('login', 'login_failed') AND {where} ORDER BY audit_id"
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def test_household_life_cycle_and_card_hashing(live: Live) -> None:
    with live.client("manager") as c:
        r = c.post(
            "/api/v1/households",
            json={"household_id": "H9", "unit_id": "U1b", "lease_start": "2025-01-01"},
        )
        assert r.status_code == 201, r.text
        assert c.post("/api/v1/households/H9/move-in", json={"on": "2025-01-03"}).status_code == 200
        assert (
            c.post(
                "/api/v1/persons", json={"person_id": "P9", "name": "张伟", "estate_id": "E1"}
            ).status_code
            == 201
        )
        member = {
            "household_id": "H9",
            "person_id": "P9",
            "role": "lease_holder",
            "valid_from": "2025-01-03",
        }
        assert c.post("/api/v1/households/H9/members", json=member).status_code == 201
        assert c.post("/api/v1/households/H9/members", json=member).status_code == 409
        card = {
            "credential_id": "C9",
            "person_id": "P9",
            "estate_id": "E1",
            "type": "card",
            "number": "0012 3456",
            "valid_from": "2025-01-03T00:00:00Z",
        }
        r = c.post("/api/v1/credentials", json=card)
        assert r.status_code == 201, r.text
        assert r.json()["ref"] == hash_number(CARD_SECRET.encode(), "E1", "123456")
        assert "number" not in r.json()
        bad = c.post("/api/v1/credentials", json={**card, "credential_id": "C10", "ref": "x" * 64})
        assert bad.status_code == 422  # number and ref together
        absence = {
            "absence_id": "A9",
            "household_id": "H9",
            "kind": "hospital",
            "starts_on": "2025-03-01",
            "ends_on": "2025-03-10",
        }
        r = c.post("/api/v1/absences", json=absence)
        assert r.status_code == 201 and r.json()["approved_by"] == "manager"
        assert (
            c.post(
                "/api/v1/absences", json={**absence, "absence_id": "A10", "ends_on": "2025-02-01"}
            ).status_code
            == 422
        )
        out = c.post(
            "/api/v1/households/H9/move-out",
            params={"revoke_credentials": "true"},
            json={"on": "2025-06-30"},
        )
        assert out.status_code == 200 and out.json()["move_out"] == "2025-06-30"
        assert out.json()["end_reason"] == "moved_out"  # revoked cards do not make an eviction
        evict = c.post(
            "/api/v1/households/H9/move-out",
            params={"reason": "evicted"},
            json={"on": "2025-06-30"},
        )
        assert evict.status_code == 200 and evict.json()["end_reason"] == "evicted"
        bad_reason = c.post(
            "/api/v1/households/H9/move-out", params={"reason": "fled"}, json={"on": "2025-06-30"}
        )
        assert bad_reason.status_code == 422
        members = c.get("/api/v1/households/H9/members").json()
        assert [(m["person_id"], m["valid_to"]) for m in members] == [("P9", "2025-06-30")]
        assert c.get("/api/v1/credentials/C9").json()["revoked_at"] is not None
        # a patch that breaks the date order is refused
        assert (
            c.patch(
                "/api/v1/households/H9",
                json={"lease_start": "2026-01-01", "lease_end": "2025-01-01"},
            ).status_code
            == 422
        )
        assert (
            c.post("/api/v1/units/U1b/end", json={"on": "2030-12-31"}).json()["ended_on"]
            == "2030-12-31"
        )
        # estates are the admin's: a manager cannot create or end one
        assert c.post("/api/v1/estates", json={"estate_id": "E7", "name": "x"}).status_code == 403
        assert [e["estate_id"] for e in c.get("/api/v1/estates").json()] == ["E1"]
    with psycopg.connect(live.db) as conn:
        raw = conn.execute("SELECT count(*) FROM credentials WHERE ref LIKE '%3456%'").fetchone()
    assert raw == (0,)
    changes = [(a, t, i) for _, a, t, i in audit_rows(live, "actor_id = 'manager'") if a != "read"]
    assert ("create", "household", "H9") in changes and ("move_out", "household", "H9") in changes
    assert ("create", "credential", "C9") in changes and ("end", "unit", "U1b") in changes


def test_personal_data_reads_are_audited_structure_reads_are_not(live: Live) -> None:
    with live.client("inspector") as c:
        assert c.get("/api/v1/persons/P1").status_code == 200
        assert c.get("/api/v1/persons", params={"estate_id": "E1"}).status_code == 200
        assert c.get("/api/v1/households/H1/members").status_code == 200
        assert c.get("/api/v1/caregivers/CG1").status_code == 200
        assert c.get("/api/v1/units/U1").status_code == 200
        assert c.get("/api/v1/persons/P2").status_code == 403  # refused reads leave no read row
    with live.client("authority") as c:
        assert c.get("/api/v1/credentials/C2").status_code == 200
    rows = audit_rows(live)
    assert ("inspector", "read", "person", "P1") in rows
    assert ("inspector", "list", "person", None) in rows
    assert ("inspector", "list", "member", "H1") in rows
    assert ("inspector", "read", "caregiver", "CG1") in rows
    assert ("authority", "read", "credential", "C2") in rows
    assert not [r for r in rows if r[2] == "unit" or r[3] == "P2"]
    with psycopg.connect(live.db) as conn:
        listed = conn.execute(
            "SELECT detail->'ids' FROM audit_log WHERE action = 'list' AND target_type = 'person'"
        ).fetchone()
    assert listed is not None and sorted(listed[0]) == ["K1", "P1"]  # whose data was shown


def test_audit_view_is_admin_only(live: Live) -> None:
    with live.client("inspector") as c:
        c.get("/api/v1/persons/P1")
    with live.client("manager") as c:
        assert c.get("/api/v1/audit").status_code == 403
    with live.client("admin") as c:
        r = c.get("/api/v1/audit", params={"actor_id": "inspector", "target_type": "person"})
    assert r.status_code == 200
    assert [(x["action"], x["target_id"], x["estate_id"]) for x in r.json()] == [
        ("read", "P1", "E1")
    ]


def test_bad_values_are_client_errors_not_server_errors(live: Live) -> None:
    with live.client("admin") as c:
        nul = c.post(
            "/api/v1/buildings", json={"building_id": "B8", "estate_id": "E1", "name": "a\x00b"}
        )
        assert nul.status_code == 422
        assert c.get("/api/v1/units/a%00b").status_code == 422
        assert c.patch("/api/v1/buildings/B1", json={"name": None}).status_code == 422
        assert (
            c.post(
                "/api/v1/units",
                json={"unit_id": "U8", "estate_id": "E1", "building_id": "B404", "number": "1"},
            ).status_code
            == 422
        )
        bad = c.post("/api/v1/import/register", files={"files": ("register.xlsx", b"not a zip")})
        assert bad.status_code == 400
