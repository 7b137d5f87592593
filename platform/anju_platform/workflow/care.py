"""Care tasks (issue 16 item 8), pure decisions: an elderly tenant living alone who was not
seen is a welfare check, not a violation. Phone first; nobody answers -> someone goes to
the door; what they found is recorded; the task closes itself when the tenant is seen
again. Absences residents or families report wait for staff to confirm them. No I/O:
anju_platform.services.care applies these in one transaction, repo/care.py holds the SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from anju_common import vocabulary
from anju_platform.access import Principal, Role

CARE_TYPE = vocabulary.AlertType.ELDERLY_NOT_SEEN  # the alert type that is a care task
Status = vocabulary.CareStatus
Result = vocabulary.CareResult
Kind = vocabulary.ContactKind
OPEN_STATUSES = (Status.CALL, Status.VISIT)
MAX_ABSENCE_DAYS = 366  # a longer stay away is a matter for the lease, not a form


class RuleError(ValueError):
    """The request contradicts the rules (e.g. a contact on a closed task)."""


def route(inspectors: Iterable[str]) -> str | None:
    """The grid's inspector (lowest user id), as for cases; none -> a manager assigns."""
    return min(inspectors, default=None)


def due_at(opened: datetime, hours: float) -> datetime:
    """A welfare check is due within hours, not days."""
    return opened + timedelta(hours=hours)


def is_overdue(status: str, due: datetime, now: datetime) -> bool:
    return status in OPEN_STATUSES and now > due


@dataclass(frozen=True, slots=True)
class ContactEffect:
    status: str  # what the task becomes
    result: str | None  # the task's result when it closes


def contact_effect(status: str, kind: str, result: str) -> ContactEffect:
    """What one phone call or visit does. Nobody answering the phone sends someone to the
    door; nobody opening the door keeps the visit open (go again, or report it)."""
    if status not in OPEN_STATUSES:
        raise RuleError(f"the care task is {status}: nothing more to record")
    if kind not in tuple(Kind):
        raise RuleError(f"unknown contact kind {kind!r}")
    if result not in tuple(Result):
        raise RuleError(f"unknown result {result!r}")
    if result == Result.NO_ANSWER:
        return ContactEffect(Status.VISIT, None)
    return ContactEffect(Status.DONE, result)


def closes_itself(status: str, alert_status: str) -> bool:
    """An open task whose alert detection closed (the tenant was seen again, or an
    approved absence now covers the silence) closes itself."""
    return status in OPEN_STATUSES and alert_status in ("closed", "dismissed")


def may_handle(who: Principal, estate_id: str, grid_id: str | None) -> bool:
    """Record calls and visits: the grid's inspector, a manager of the estate, admin."""
    if who.role is Role.ADMIN:
        return True
    if who.role is Role.MANAGER:
        return estate_id in who.estates
    if who.role is Role.INSPECTOR:
        return grid_id is not None and grid_id in who.grids
    return False


def may_confirm_absence(who: Principal, estate_id: str) -> bool:
    """Approving an absence changes what detection concludes: a manager of the estate or
    admin, never the inspector who took the call alone."""
    if who.role is Role.ADMIN:
        return True
    return who.role is Role.MANAGER and estate_id in who.estates


def absence_problem(starts_on: date, ends_on: date, today: date) -> str | None:
    """Why a reported absence cannot be taken, or None. It may have begun already (a
    family calls after the trip started) but not ended long ago, and not be open-ended."""
    if ends_on < starts_on:
        return "the absence ends before it starts"
    if (ends_on - starts_on).days + 1 > MAX_ABSENCE_DAYS:
        return f"an absence is at most {MAX_ABSENCE_DAYS} days"
    if ends_on < today - timedelta(days=30):
        return "the absence ended more than 30 days ago"
    if starts_on > today + timedelta(days=MAX_ABSENCE_DAYS):
        return "the absence starts more than a year ahead"
    return None


def absence_decision(status: str, confirm: bool) -> str:
    """A pending report is confirmed or rejected once."""
    if status != vocabulary.AbsenceStatus.PENDING:
        raise RuleError(f"the absence report is already {status}")
    return vocabulary.AbsenceStatus.CONFIRMED if confirm else vocabulary.AbsenceStatus.REJECTED


def absence_id(report_id: int) -> str:
    """The approved absence written for a confirmed report (stable: one per report)."""
    return f"absence-report-{report_id}"
