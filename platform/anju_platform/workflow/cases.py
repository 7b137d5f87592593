"""Inspection cases: the pure rules (who gets a case, when it is due, what a visit or a
decision does, who may record them, which photos are accepted). No I/O here: the repo
(repo/cases.py) and the routes (api/cases.py) apply what these functions decide, and the
detection alert book asks `is_suppressed` whether an explained pattern may alert again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from anju_common import vocabulary
from anju_platform.access import Principal, Role

Outcome = vocabulary.Outcome
Reason = vocabulary.VisitReason
OUTCOMES: tuple[str, ...] = tuple(Outcome)
REASONS: tuple[str, ...] = tuple(Reason)
# The person explaining the pattern is not (yet) on the register: staff must add them.
REGISTER_REASONS = frozenset({Reason.REGISTERED_CAREGIVER, Reason.FAMILY_MEMBER_UNREGISTERED})
DECISIONS: tuple[str, ...] = tuple(vocabulary.Decision)
# The authority's decision settles the proposed deduction: the violation stands (points
# upheld; a lease review is a referral on top of it) or it does not (a warning instead
# of points, rejected, no action). The product never changes eligibility itself.
UPHOLDS = frozenset({vocabulary.Decision.DEDUCTION_UPHELD, vocabulary.Decision.LEASE_REVIEW})
CASE_STATUSES: tuple[str, ...] = tuple(vocabulary.CaseStatus)


class RuleError(ValueError):
    """The request contradicts the rules (e.g. not confirmed without a reason)."""


def route(inspectors: Iterable[str]) -> str | None:
    """The grid's inspector: the lowest user id among those holding the grid; none ->
    unassigned (a manager assigns it)."""
    return min(inspectors, default=None)


def due_at(opened: datetime, alert_type: str, hours: Mapping[str, float]) -> datetime:
    """When the first visit is due: per alert type, else the 'default' entry (72 h)."""
    h = hours.get(alert_type, hours.get("default", 72.0))
    return opened + timedelta(hours=h)


def is_overdue(status: str, due: datetime, now: datetime) -> bool:
    """Only a case still waiting for its visit can be overdue."""
    return status == "open" and now > due


@dataclass(frozen=True, slots=True)
class VisitEffect:
    case_status: str  # what the case becomes
    alert_status: str | None  # what the alert becomes (None: unchanged)
    violation_type: str | None  # confirmed: the violation found
    points: int | None  # confirmed: the deduction proposed
    suppress_days: int | None  # not confirmed: how long the pattern is held off
    register_change: bool  # not confirmed by an unregistered person: staff must register


def visit_effect(
    outcome: str,
    alert_type: str,
    *,
    violation_type: str | None = None,
    reason: str | None = None,
    points: int | None = None,
    deduction_points: Mapping[str, int],
    suppression_days: int,
) -> VisitEffect:
    """What one visit does. A no-access visit keeps the case open (try again)."""
    if outcome not in OUTCOMES:
        raise RuleError(f"unknown outcome {outcome!r}")
    if outcome == "confirmed":
        if reason is not None:
            raise RuleError("a confirmed visit takes a violation_type, not a reason")
        vt = violation_type or alert_type
        pts = (
            points
            if points is not None
            else deduction_points.get(vt, deduction_points.get("default", 0))
        )
        if pts < 0:
            raise RuleError("points cannot be negative")
        return VisitEffect("confirmed", "acknowledged", vt, pts, None, False)
    if violation_type is not None or points is not None:
        raise RuleError("violation_type and points belong to a confirmed visit")
    if outcome == "not_confirmed":
        if reason not in REASONS:
            raise RuleError(f"a not-confirmed visit needs a reason, one of {', '.join(REASONS)}")
        return VisitEffect(
            "not_confirmed", "dismissed", None, None, suppression_days, reason in REGISTER_REASONS
        )
    if reason is not None:
        raise RuleError("a no-access visit takes notes, not a reason")
    return VisitEffect("open", None, None, None, None, False)


def suppression_window(first_day: date | None, visit_day: date, days: int) -> tuple[date, date]:
    """An explained pattern is held off from its first day (re-runs of detection over the
    explained days stay quiet too) until `days` after the visit."""
    start = min(first_day, visit_day) if first_day else visit_day
    return start, visit_day + timedelta(days=days)


def decision_effect(decision: str) -> str:
    """The proposed deduction's status after the authority's decision."""
    if decision not in DECISIONS:
        raise RuleError(f"unknown decision {decision!r}")
    return "upheld" if decision in UPHOLDS else "rejected"


@dataclass(frozen=True, slots=True)
class Suppression:
    unit_id: str
    type: str | None  # None: every type for the unit
    valid_from: date
    valid_to: date | None


def is_suppressed(sups: Iterable[Suppression], unit_id: str, alert_type: str, day: date) -> bool:
    return any(
        s.unit_id == unit_id
        and (s.type is None or s.type == alert_type)
        and s.valid_from <= day
        and (s.valid_to is None or day <= s.valid_to)
        for s in sups
    )


def may_inspect(who: Principal, estate_id: str, grid_id: str | None) -> bool:
    """Record visits and photos: the grid's inspector, a manager of the estate, admin.
    The authority decides on cases but does not record visits."""
    if who.role is Role.ADMIN:
        return True
    if who.role is Role.MANAGER:
        return estate_id in who.estates
    if who.role is Role.INSPECTOR:
        return grid_id is not None and grid_id in who.grids
    return False


def may_decide(who: Principal) -> bool:
    """Sanctions are the authority's (and admin's) decision, in every estate."""
    return who.role in (Role.ADMIN, Role.AUTHORITY)


def may_be_assigned(role: str, active: bool, grids: Iterable[str], grid_id: str | None) -> bool:
    """An assignee is an active inspector holding the case's grid."""
    return role == "inspector" and active and grid_id is not None and grid_id in set(grids)


def image_type(data: bytes) -> str | None:
    """The content type by magic bytes (JPEG, PNG), never by the client's word."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None
