"""The typed records that repo/care.py reads: a welfare alert awaiting its task, a task
that closed itself, a care task with its alert's facts, its calls and visits, and an
absence report. Each is one SELECT's row (class_row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class WelfareAlert:
    """An opened `elderly_not_seen` alert without a care task yet (the job routes it)."""

    alert_id: int
    estate_id: str
    grid_id: str | None
    unit_id: str | None
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class SeenTask:
    """A task the job closed because its tenant was seen again."""

    task_id: int
    alert_id: int
    estate_id: str
    grid_id: str | None
    unit_id: str | None


@dataclass(frozen=True, slots=True)
class CareTask:
    """A care task with its alert's facts and its contacts' summary (one row of
    _TASK_SELECT; api/care.py CareTaskOut)."""

    task_id: int
    alert_id: int
    estate_id: str
    grid_id: str | None
    unit_id: str | None
    unit_number: str | None
    building_id: str | None
    assignee_id: str | None
    assignee_name: str | None
    status: str  # call, visit, done, seen
    result: str | None
    due_at: datetime
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    alert_status: str
    reason_zh: str
    reason_en: str
    first_day: date
    last_day: date
    persons: list[str]
    contact_count: int
    last_kind: str | None
    last_result: str | None
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class CareContact:
    """A call or visit recorded on a task (api/care.py ContactOut)."""

    contact_id: int
    kind: str  # phone or visit
    result: str
    notes: str | None
    user_id: str
    user_name: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class AbsenceReport:
    """An absence reported by phone or on the poster's form (api/care.py AbsenceReportOut;
    `contact` is personal data)."""

    report_id: int
    estate_id: str
    unit_id: str
    unit_number: str | None
    grid_id: str | None
    household_id: str | None
    source: str  # resident or phone
    starts_on: date
    ends_on: date
    note: str | None
    contact: str | None
    status: str  # pending, confirmed, rejected
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    absence_id: str | None
