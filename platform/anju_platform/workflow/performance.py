"""Performance report (绩效评价) for one estate and local month, pure computation.

Figures per grid and for the estate (the total):
- alerts_opened: alerts that became open during the month;
- alerts_handled: cases handled during the month: status confirmed, not_confirmed or
  decided, handled at = closed_at, or else the first visit with a finding
  (confirmed / not confirmed);
- median_hours_to_inspect: over cases created in the month and visited so far, the
  median of hours from case creation to its first visit (any outcome, no access too:
  someone went there);
- share_within_due: over cases created in the month that were visited or are past due
  (cases still in time and not visited do not count yet), the share first visited by
  their due time;
- patrol_coverage: see anju_platform.workflow.patrols;
- reports_received: resident reports received in the month;
- reports_handled: of those, the ones whose alert was handled (its case confirmed,
  not_confirmed or decided, or the alert closed or dismissed)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from anju_platform import csvout

HANDLED = ("confirmed", "not_confirmed", "decided")

FIELDS = (
    "alerts_opened",
    "alerts_handled",
    "median_hours_to_inspect",
    "share_within_due",
    "patrol_coverage",
    "reports_received",
    "reports_handled",
)


@dataclass(frozen=True, slots=True)
class AlertRec:
    grid_id: str | None
    opened_at: datetime | None


@dataclass(frozen=True, slots=True)
class CaseRec:
    grid_id: str | None
    status: str
    created_at: datetime
    due_at: datetime
    first_visit_at: datetime | None
    handled_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportRec:
    grid_id: str | None
    created_at: datetime
    handled: bool


@dataclass(frozen=True, slots=True)
class Row:
    grid_id: str | None
    alerts_opened: int
    alerts_handled: int
    median_hours_to_inspect: float | None
    share_within_due: float | None
    patrol_coverage: float | None
    reports_received: int
    reports_handled: int


def _in(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


def figures(
    grid_id: str | None,
    alerts: Sequence[AlertRec],
    cases: Sequence[CaseRec],
    reports: Sequence[ReportRec],
    coverage: float | None,
    start: datetime,
    end: datetime,
    now: datetime,
) -> Row:
    created = [c for c in cases if _in(c.created_at, start, end)]
    hours = [
        (c.first_visit_at - c.created_at).total_seconds() / 3600
        for c in created
        if c.first_visit_at is not None
    ]
    judged = [c for c in created if c.first_visit_at is not None or c.due_at < now]
    in_time = [c for c in judged if c.first_visit_at is not None and c.first_visit_at <= c.due_at]
    received = [r for r in reports if _in(r.created_at, start, end)]
    return Row(
        grid_id=grid_id,
        alerts_opened=sum(1 for a in alerts if _in(a.opened_at, start, end)),
        alerts_handled=sum(
            1 for c in cases if c.status in HANDLED and _in(c.handled_at, start, end)
        ),
        median_hours_to_inspect=round(statistics.median(hours), 2) if hours else None,
        share_within_due=round(len(in_time) / len(judged), 4) if judged else None,
        patrol_coverage=coverage,
        reports_received=len(received),
        reports_handled=sum(1 for r in received if r.handled),
    )


def report(
    grids: Sequence[str],
    alerts: Sequence[AlertRec],
    cases: Sequence[CaseRec],
    reports: Sequence[ReportRec],
    coverage: dict[str | None, float | None],
    total_coverage: float | None,
    start: datetime,
    end: datetime,
    now: datetime,
) -> tuple[list[Row], Row]:
    """Rows for the given grids (plus a no-grid row when something has no grid), and the
    total over everything. `coverage`: per grid id (None: checkpoints without a grid)."""
    keys: list[str | None] = list(grids)
    no_grid = (
        any(a.grid_id is None for a in alerts)
        or any(c.grid_id is None for c in cases)
        or any(r.grid_id is None for r in reports)
    )
    if no_grid or None in coverage:
        keys.append(None)
    rows = [
        figures(
            g,
            [a for a in alerts if a.grid_id == g],
            [c for c in cases if c.grid_id == g],
            [r for r in reports if r.grid_id == g],
            coverage.get(g),
            start,
            end,
            now,
        )
        for g in keys
    ]
    total = figures(None, alerts, cases, reports, total_coverage, start, end, now)
    return rows, total


def to_csv(rows: Sequence[Row], total: Row, names: dict[str, str]) -> bytes:
    """A header row, the grids, then 合计 (formula-safe, see anju_platform.csvout)."""
    lines = []
    for r in [*rows, total]:
        d = asdict(r)
        if r is total:
            gid, name = "total", "合计"
        else:
            gid = r.grid_id or ""
            name = names.get(r.grid_id or "", "") if r.grid_id else "（无网格）"
        lines.append([gid, name, *("" if d[f] is None else d[f] for f in FIELDS)])
    return csvout.to_bytes(["grid_id", "grid_name", *FIELDS], lines)
