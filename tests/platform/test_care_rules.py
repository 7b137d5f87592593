"""Care tasks (issue 16 item 8), the pure rules: phone first, a visit when nobody
answers, the outcome closes the task; who may record and who may approve an absence;
which reported absences can be taken."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from anju_platform.access import Principal, Role
from anju_platform.workflow import care

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
TODAY = date(2026, 3, 1)


def test_phone_first_then_a_visit_then_the_outcome() -> None:
    assert care.contact_effect("call", "phone", "no_answer") == care.ContactEffect("visit", None)
    # nobody opens the door either: the visit stays due (go again, or report it)
    assert care.contact_effect("visit", "visit", "no_answer") == care.ContactEffect("visit", None)
    for result in ("fine", "needed_help", "away", "reported"):
        assert care.contact_effect("call", "phone", result) == care.ContactEffect("done", result)
        assert care.contact_effect("visit", "visit", result) == care.ContactEffect("done", result)


def test_a_closed_task_takes_nothing_more_and_unknown_words_are_refused() -> None:
    for closed in ("done", "seen"):
        with pytest.raises(care.RuleError, match="nothing more"):
            care.contact_effect(closed, "phone", "fine")
    with pytest.raises(care.RuleError, match="kind"):
        care.contact_effect("call", "letter", "fine")
    with pytest.raises(care.RuleError, match="result"):
        care.contact_effect("call", "phone", "dead")


def test_closes_itself_only_while_open_and_its_alert_closed() -> None:
    assert care.closes_itself("call", "closed") and care.closes_itself("visit", "dismissed")
    assert not care.closes_itself("call", "open")
    assert not care.closes_itself("done", "closed")  # a person's outcome stands


def test_due_and_overdue() -> None:
    due = care.due_at(T0, 24)
    assert due == T0 + timedelta(hours=24)
    assert care.is_overdue("call", due, due + timedelta(seconds=1))
    assert care.is_overdue("visit", due, due + timedelta(seconds=1))
    assert not care.is_overdue("done", due, due + timedelta(days=3))
    assert not care.is_overdue("call", due, due)
    assert care.route(["zhang", "li"]) == "li" and care.route([]) is None


def _who(role: Role, estates: tuple[str, ...] = (), grids: tuple[str, ...] = ()) -> Principal:
    return Principal(role.value, role.value, role, frozenset(estates), frozenset(grids))


def test_who_may_record_calls_and_approve_absences() -> None:
    inspector = _who(Role.INSPECTOR, grids=("G1",))
    manager = _who(Role.MANAGER, estates=("E1",))
    authority, admin = _who(Role.AUTHORITY), _who(Role.ADMIN)
    assert care.may_handle(inspector, "E1", "G1") and not care.may_handle(inspector, "E1", "G2")
    assert not care.may_handle(inspector, "E1", None)
    assert care.may_handle(manager, "E1", None) and not care.may_handle(manager, "E2", "G2")
    assert care.may_handle(admin, "E9", None) and not care.may_handle(authority, "E1", "G1")
    # approving changes what detection concludes: not the inspector who took the call
    assert not care.may_confirm_absence(inspector, "E1")
    assert care.may_confirm_absence(manager, "E1") and not care.may_confirm_absence(manager, "E2")
    assert care.may_confirm_absence(admin, "E2") and not care.may_confirm_absence(authority, "E1")


def test_which_absences_can_be_taken() -> None:
    ok = care.absence_problem
    assert ok(TODAY, TODAY + timedelta(days=10), TODAY) is None
    assert ok(TODAY - timedelta(days=5), TODAY + timedelta(days=3), TODAY) is None  # began
    assert "ends before" in str(ok(TODAY, TODAY - timedelta(days=1), TODAY))
    assert "at most" in str(ok(TODAY, TODAY + timedelta(days=400), TODAY))
    assert "ended more than" in str(ok(date(2025, 1, 1), date(2025, 1, 5), TODAY))
    assert "ahead" in str(ok(TODAY + timedelta(days=400), TODAY + timedelta(days=401), TODAY))


def test_an_absence_report_is_decided_once() -> None:
    assert care.absence_decision("pending", True) == "confirmed"
    assert care.absence_decision("pending", False) == "rejected"
    with pytest.raises(care.RuleError, match="already confirmed"):
        care.absence_decision("confirmed", False)
    assert care.absence_id(7) == "absence-report-7"
