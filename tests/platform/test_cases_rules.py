"""The pure rules of inspection cases (anju_platform.workflow.cases) and the evidence
pack renderer, with plain data."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from anju_platform.access import Principal, Role
from anju_platform.workflow import cases as rules
from anju_platform.workflow import evidence_pack

HOURS = {"default": 72.0, "elderly_not_seen": 24.0}
POINTS = {"default": 5, "sublet": 20}
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def test_route_picks_lowest_user_id_or_nobody() -> None:
    assert rules.route(["insp-b", "insp-a", "insp-c"]) == "insp-a"
    assert rules.route([]) is None


def test_due_time_per_type_with_default() -> None:
    assert rules.due_at(T0, "elderly_not_seen", HOURS) == T0 + timedelta(hours=24)
    assert rules.due_at(T0, "sublet", HOURS) == T0 + timedelta(hours=72)
    assert rules.due_at(T0, "sublet", {}) == T0 + timedelta(hours=72)


def test_overdue_only_while_open() -> None:
    due = T0 + timedelta(hours=24)
    assert rules.is_overdue("open", due, due + timedelta(seconds=1))
    assert not rules.is_overdue("open", due, due - timedelta(seconds=1))
    assert not rules.is_overdue("confirmed", due, due + timedelta(days=3))


def _effect(outcome: str, **kw: object) -> rules.VisitEffect:
    return rules.visit_effect(
        outcome,
        "sublet",
        deduction_points=POINTS,
        suppression_days=90,
        **kw,  # type: ignore[arg-type]
    )


def test_confirmed_proposes_deduction_and_acknowledges() -> None:
    e = _effect("confirmed")
    assert (e.case_status, e.alert_status, e.violation_type, e.points) == (
        "confirmed",
        "acknowledged",
        "sublet",
        20,
    )
    assert e.suppress_days is None and not e.register_change
    other = _effect("confirmed", violation_type="overcrowding")
    assert (other.violation_type, other.points) == ("overcrowding", 5)  # default points
    assert _effect("confirmed", points=3).points == 3
    with pytest.raises(rules.RuleError):
        _effect("confirmed", reason="other")
    with pytest.raises(rules.RuleError):
        _effect("confirmed", points=-1)


def test_not_confirmed_suppresses_and_asks_for_register_change() -> None:
    e = _effect("not_confirmed", reason="night_shift")
    assert (e.case_status, e.alert_status, e.points, e.suppress_days) == (
        "not_confirmed",
        "dismissed",
        None,
        90,
    )
    assert not e.register_change
    assert _effect("not_confirmed", reason="family_member_unregistered").register_change
    assert _effect("not_confirmed", reason="registered_caregiver").register_change
    with pytest.raises(rules.RuleError):
        _effect("not_confirmed")  # a reason is required
    with pytest.raises(rules.RuleError):
        _effect("not_confirmed", reason="because")
    with pytest.raises(rules.RuleError):
        _effect("not_confirmed", reason="other", points=5)


def test_no_access_keeps_case_open() -> None:
    e = _effect("no_access")
    assert (e.case_status, e.alert_status, e.points, e.suppress_days) == ("open", None, None, None)
    with pytest.raises(rules.RuleError):
        _effect("no_access", reason="other")
    with pytest.raises(rules.RuleError):
        _effect("visited")


def test_suppression_window_covers_pattern_and_days_after_visit() -> None:
    assert rules.suppression_window(date(2025, 2, 1), date(2025, 3, 1), 90) == (
        date(2025, 2, 1),
        date(2025, 5, 30),
    )
    assert rules.suppression_window(None, date(2025, 3, 1), 10) == (
        date(2025, 3, 1),
        date(2025, 3, 11),
    )


def test_is_suppressed_by_unit_type_and_day() -> None:
    sups = [
        rules.Suppression("U1", "sublet", date(2025, 2, 1), date(2025, 5, 30)),
        rules.Suppression("U2", None, date(2025, 1, 1), None),
    ]
    assert rules.is_suppressed(sups, "U1", "sublet", date(2025, 3, 1))
    assert not rules.is_suppressed(sups, "U1", "sublet", date(2025, 5, 31))
    assert not rules.is_suppressed(sups, "U1", "sublet", date(2025, 1, 31))
    assert not rules.is_suppressed(sups, "U1", "overcrowding", date(2025, 3, 1))
    assert rules.is_suppressed(sups, "U2", "vacancy", date(2030, 1, 1))  # every type, no end
    assert not rules.is_suppressed(sups, "U3", "sublet", date(2025, 3, 1))


def test_decision_settles_deduction() -> None:
    assert rules.decision_effect("deduction_upheld") == "upheld"
    assert rules.decision_effect("lease_review") == "upheld"
    assert rules.decision_effect("warning") == "rejected"
    assert rules.decision_effect("deduction_rejected") == "rejected"
    assert rules.decision_effect("no_action") == "rejected"
    with pytest.raises(rules.RuleError):
        rules.decision_effect("evict")


def test_who_may_inspect_and_decide() -> None:
    admin = Principal("a", "A", Role.ADMIN)
    authority = Principal("au", "Au", Role.AUTHORITY)
    manager = Principal("m", "M", Role.MANAGER, estates=frozenset({"E1"}))
    inspector = Principal("i", "I", Role.INSPECTOR, grids=frozenset({"G1"}))
    assert rules.may_inspect(admin, "E2", None)
    assert not rules.may_inspect(authority, "E1", "G1")
    assert rules.may_inspect(manager, "E1", "G1b") and not rules.may_inspect(manager, "E2", "G2")
    assert rules.may_inspect(inspector, "E1", "G1")
    assert not rules.may_inspect(inspector, "E1", "G1b")
    assert not rules.may_inspect(inspector, "E1", None)
    assert rules.may_decide(admin) and rules.may_decide(authority)
    assert not rules.may_decide(manager) and not rules.may_decide(inspector)


def test_assignee_must_be_active_inspector_of_grid() -> None:
    assert rules.may_be_assigned("inspector", True, ["G1"], "G1")
    assert not rules.may_be_assigned("inspector", False, ["G1"], "G1")
    assert not rules.may_be_assigned("inspector", True, ["G1b"], "G1")
    assert not rules.may_be_assigned("manager", True, ["G1"], "G1")
    assert not rules.may_be_assigned("inspector", True, ["G1"], None)


def test_image_type_by_magic_bytes() -> None:
    assert rules.image_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert rules.image_type(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert rules.image_type(b"GIF89a") is None
    assert rules.image_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


def test_evidence_pack_is_self_contained_and_escaped() -> None:
    case = {
        "case_id": 7,
        "alert_id": 3,
        "type": "sublet",
        "estate_id": "E1",
        "status": "decided",
        "reason_zh": "登记成员很少出现 <b>",
        "reason_en": "Members rarely seen & strangers",
    }
    html = evidence_pack.render(
        case,
        [{"at": T0, "day": T0.date(), "kind": "access", "event_id": None, "note": "<script>x"}],
        [
            {
                "visited_at": T0,
                "inspector_id": "inspector",
                "outcome": "confirmed",
                "violation_type": "sublet",
                "reason": None,
                "notes": 'tenant "away"',
            }
        ],
        [evidence_pack.Image("photo <1>", "image/png", b"\x89PNG\r\n\x1a\nxyz")],
        [],
        {
            "deduction_id": 1,
            "household_id": "H1",
            "violation_type": "sublet",
            "points": 20,
            "status": "upheld",
        },
        {
            "decision": "deduction_upheld",
            "note": "ok",
            "decided_by": "authority",
            "decided_at": T0,
        },
        None,
        [],
        T0,
        "admin",
    )
    assert "<script" not in html and "&lt;script&gt;x" in html
    assert "登记成员很少出现 &lt;b&gt;" in html and "Members rarely seen &amp; strangers" in html
    assert "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nxyz").decode() in html
    assert "photo &lt;1&gt;" in html
    assert "维持扣分" in html and "属实" in html
    assert not re.search(r"https?://", html)
    assert "<link" not in html and 'src="http' not in html
