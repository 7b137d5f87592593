"""The typed records that repo/cases.py reads: an alert awaiting its case, a case with its
alert's facts, and its visits, photos, deduction, decision and suppressions. Each is one
SELECT's row (class_row), so a column the SELECT adds or drops fails at once instead of
travelling on as a dict key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from anju_platform.access import Location


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An opened alert without a case yet: what the case job routes (repo.cases)."""

    alert_id: int
    estate_id: str
    grid_id: str | None
    type: str
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case with its alert's facts and its visits' summary (one row of _CASE_SELECT)."""

    case_id: int
    alert_id: int
    estate_id: str
    grid_id: str | None
    unit_id: str | None
    building_id: str | None
    type: str  # the alert's type
    source: str
    alert_status: str
    score: float
    level: int
    reason_zh: str
    reason_en: str
    status: str  # the case's status (vocabulary.CaseStatus)
    assignee_id: str | None
    assignee_name: str | None
    due_at: datetime
    created_at: datetime
    first_visit_at: datetime | None
    closed_at: datetime | None
    first_day: date | None
    opened_at: datetime | None
    visit_count: int
    last_outcome: str | None
    last_visit_at: datetime | None

    @property
    def places(self) -> list[Location]:
        """Where the case is, for scope checks and the audit."""
        return [Location(self.estate_id, self.grid_id)]


@dataclass(frozen=True, slots=True)
class VisitRow:
    """A recorded visit (api/cases.py VisitOut)."""

    visit_id: int
    inspector_id: str
    visited_at: datetime
    outcome: str  # workflow.cases.Outcome
    violation_type: str | None
    reason: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class PhotoRow:
    """A case photo (api/cases.py PhotoOut); `path` is relative to the evidence directory
    and stays inside the platform."""

    photo_id: str
    visit_id: int | None
    content_type: str
    uploaded_by: str
    uploaded_at: datetime
    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class DeductionRow:
    """The points deduction a confirmed visit proposed (api/cases.py DeductionOut)."""

    deduction_id: int
    household_id: str | None
    violation_type: str
    points: int
    status: str  # proposed, upheld or rejected


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """The authority's decision on a confirmed case (api/cases.py DecisionOut)."""

    decision: str
    note: str | None
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class SuppressionRow:
    """A pattern a case's visit explained (api/cases.py SuppressionOut)."""

    suppression_id: int
    unit_id: str
    type: str | None
    valid_from: date
    valid_to: date | None
    reason: str
