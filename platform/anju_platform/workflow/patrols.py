"""Patrols (巡查), pure parts: checkpoint codes, local months, who may record a scan,
and coverage.

Coverage of a checkpoint for a month = days with at least one scan / days counted,
where the days counted are the local days of the month up to today (a month still
running counts only the days so far) and up to the checkpoint's end date. A grid's
(and the estate's) coverage = sum of its checkpoints' covered days / sum of their days
counted; a month with no days counted has no coverage (None)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from anju_common.localtime import day_start, local_day
from anju_platform.access import Principal, Role
from anju_platform.workflow import signing

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def checkpoint_code(key: bytes, checkpoint_id: str) -> str:
    return signing.sign(key, "patrol-checkpoint", checkpoint_id)


def read_checkpoint_code(key: bytes, code: str) -> str | None:
    return signing.verify(key, "patrol-checkpoint", code)


def parse_month(month: str) -> tuple[int, int] | None:
    m = MONTH.match(month)
    if m is None or not 1970 <= int(m.group(1)) <= 2999:  # no year 0 or 10000 bounds
        return None
    return int(m.group(1)), int(m.group(2))


def month_days(year: int, month: int) -> list[date]:
    n = calendar.monthrange(year, month)[1]
    return [date(year, month, d) for d in range(1, n + 1)]


def month_bounds(year: int, month: int, offset_h: int) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the local calendar month."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return day_start(first, offset_h), day_start(nxt, offset_h)


def may_scan(who: Principal, estate_id: str, grid_id: str | None) -> bool:
    """Admin; the estate's manager; an inspector of the checkpoint's grid (or, for a
    checkpoint without a grid, an inspector with a grid in its estate). Not authority."""
    if who.role is Role.ADMIN:
        return True
    if who.role is Role.MANAGER:
        return estate_id in who.estates
    if who.role is Role.INSPECTOR:
        if grid_id is None:
            return estate_id in who.grid_estates
        return grid_id in who.grids
    return False


@dataclass(frozen=True, slots=True)
class Checkpoint:
    checkpoint_id: str
    name: str
    grid_id: str | None
    ended_on: date | None


@dataclass(frozen=True, slots=True)
class CheckpointCoverage:
    checkpoint_id: str
    name: str
    grid_id: str | None
    scans: int
    days_covered: int
    days: int
    coverage: float | None


@dataclass(frozen=True, slots=True)
class GroupCoverage:
    grid_id: str | None
    checkpoints: int
    scans: int
    days_covered: int
    days: int
    coverage: float | None


def _share(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def coverage(
    checkpoints: Sequence[Checkpoint],
    scans: Iterable[tuple[str, datetime]],
    year: int,
    month: int,
    today: date,
    offset_h: int,
) -> tuple[list[CheckpointCoverage], list[GroupCoverage], GroupCoverage]:
    """Per checkpoint, per grid (sorted, no-grid last) and the total.
    `scans`: (checkpoint_id, scanned_at) of any time; those outside the month are ignored."""
    days = month_days(year, month)
    seen: dict[str, set[date]] = {c.checkpoint_id: set() for c in checkpoints}
    count: dict[str, int] = {c.checkpoint_id: 0 for c in checkpoints}
    for cid, at in scans:
        d = local_day(at, offset_h)
        if cid in seen and days[0] <= d <= days[-1]:
            seen[cid].add(d)
            count[cid] += 1
    per: list[CheckpointCoverage] = []
    for c in checkpoints:
        counted = [d for d in days if d <= today and (c.ended_on is None or d <= c.ended_on)]
        covered = len([d for d in seen[c.checkpoint_id] if d in set(counted)])
        per.append(
            CheckpointCoverage(
                c.checkpoint_id,
                c.name,
                c.grid_id,
                count[c.checkpoint_id],
                covered,
                len(counted),
                _share(covered, len(counted)),
            )
        )
    grids = sorted({p.grid_id for p in per}, key=lambda g: (g is None, g or ""))
    groups = [_group(g, [p for p in per if p.grid_id == g]) for g in grids]
    return per, groups, _group(None, per)


def _group(grid_id: str | None, rows: Sequence[CheckpointCoverage]) -> GroupCoverage:
    covered, counted = sum(r.days_covered for r in rows), sum(r.days for r in rows)
    return GroupCoverage(
        grid_id, len(rows), sum(r.scans for r in rows), covered, counted, _share(covered, counted)
    )
