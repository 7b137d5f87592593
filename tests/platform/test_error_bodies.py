"""Error bodies in the documented shape, never PostgreSQL's text (issue 15 item 18):
each example the attack found, the OpenAPI declarations of 401/403/404/409, and the
caregiver times' declared schema."""

from __future__ import annotations

import re

from platform_live import Live

RAW = ("Key (", "is not present", "Failing row", "out of range", "violates", "DETAIL")


def _clean_422(r) -> list[dict]:  # type: ignore[no-untyped-def]
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert not any(s in r.text for s in RAW), r.text[:300]
    detail = r.json()["detail"]
    assert isinstance(detail, list) and all({"loc", "msg", "type"} <= set(d) for d in detail)
    return detail


def test_database_refusals_are_worded_without_its_text(live: Live) -> None:
    with live.client("admin") as c:
        # a reference to nothing: was `Key (estate_id)=(0) is not present in table "estates"`
        d = _clean_422(
            c.post("/api/v1/persons", json={"person_id": "X", "name": "x", "estate_id": "0"})
        )
        assert d[0]["loc"] == ["body", "estate_id"]
        # a huge offset: was `bigint out of range`
        _clean_422(c.get("/api/v1/units", params={"estate_id": "E1", "offset": 10**19}))
        # a move-out in year 1: was a CHECK failure echoing the row
        _clean_422(c.post("/api/v1/households/H1/move-out", json={"on": "0001-01-01"}))
        _clean_422(
            c.post(
                "/api/v1/households",
                json={"household_id": "HY", "unit_id": "U1", "lease_start": "0001-01-01"},
            )
        )
        # a move-out before the move-in still reaches the CHECK: named, not echoed
        d = _clean_422(c.post("/api/v1/households/H1/move-out", json={"on": "2024-01-02"}))
        assert d[0]["msg"].startswith("the values break the rule"), d


def test_openapi_declares_the_error_answers(live: Live) -> None:
    with live.client() as c:
        doc = c.get("/openapi.json").json()
    missing = []
    for path, ops in doc["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in ops.items():
            codes = set(op["responses"])
            if not {"401", "403", "404", "409"} <= codes:
                missing.append((method, path, sorted(codes)))
    assert missing == []
    assert doc["components"]["schemas"]["ErrorOut"]["required"] == ["detail"]


def test_caregiver_times_match_their_schema(live: Live) -> None:
    with live.client() as c:
        schema = c.get("/openapi.json").json()["components"]["schemas"]
    declared = next(
        s
        for s in schema["CaregiverIn"]["properties"]["start_time"]["anyOf"]
        if s.get("type") == "string"
    )
    assert "format" not in declared  # "format: time" requires an offset a local time has not
    pattern = re.compile(declared["pattern"])
    body = {"caregiver_id": "CGT", "person_id": "K1", "unit_id": "U1", "valid_from": "2025-01-01"}
    with live.client("manager") as c:
        r = c.post(
            "/api/v1/caregivers", json={**body, "start_time": "08:30", "end_time": "17:00:00"}
        )
        assert r.status_code == 201, r.text
        assert pattern.match(r.json()["start_time"]) and pattern.match(r.json()["end_time"])
        bad = c.post(
            "/api/v1/caregivers",
            json={**body, "caregiver_id": "CGU", "start_time": "08:30:00+01:00"},
        )
        _clean_422(bad)
