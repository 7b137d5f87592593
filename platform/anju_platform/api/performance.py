"""Performance report (绩效评价) of an estate for a local month, per grid and in total,
as JSON or CSV (UTF-8 with BOM, for Excel). Manager in scope, authority, admin."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from anju_platform.access import Location, list_filter
from anju_platform.api.patrols import MONTH_PATTERN, coverage_of, parse_month
from anju_platform.api.register import NO_INSPECTOR
from anju_platform.deps import Conn, TzOffset, User, log
from anju_platform.repo import performance as repo
from anju_platform.workflow import patrols
from anju_platform.workflow import performance as perf

router = APIRouter(tags=["performance"])


class PerfRow(BaseModel):
    grid_id: str | None = Field(description="null: records without a grid (rows), or the total")
    grid_name: str | None
    alerts_opened: int = Field(description="Alerts that became open in the month")
    alerts_handled: int = Field(
        description="Cases confirmed, not confirmed or decided in the month"
    )
    median_hours_to_inspect: float | None = Field(
        description="Median hours from case creation to first visit (cases of the month)"
    )
    share_within_due: float | None = Field(
        description="Share of the month's cases first visited by their due time"
    )
    patrol_coverage: float | None = Field(description="Days with a scan / days counted")
    reports_received: int
    reports_handled: int


class PerfOut(BaseModel):
    month: str
    estate_id: str
    rows: list[PerfRow] = Field(description="One per grid (and one for no grid, if any)")
    total: PerfRow


@router.get(
    "/performance",
    response_model=PerfOut,
    summary="Performance report (绩效评价) of a month",
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
def performance(
    conn: Conn,
    who: User,
    offset: TzOffset,
    estate_id: str = Query(...),
    month: str = Query(..., pattern=MONTH_PATTERN, description="YYYY-MM (local month)"),
    format: Literal["json", "csv"] = Query("json"),
) -> Any:
    ok, _ = list_filter(who, NO_INSPECTOR, estate_id)
    if not ok:
        raise HTTPException(403, "estate is outside your scope")
    year, mon = parse_month(month)
    start, end = patrols.month_bounds(year, mon, offset)
    with conn.transaction():
        grids = repo.grids(conn, estate_id)
        _, groups, total_cov = coverage_of(conn, estate_id, year, mon, offset)
        rows, total = perf.report(
            [g for g, _ in grids],
            repo.alerts(conn, estate_id, start, end),
            repo.cases(conn, estate_id, start, end),
            repo.reports(conn, estate_id, start, end),
            {g.grid_id: g.coverage for g in groups},
            total_cov.coverage,
            start,
            end,
            datetime.now(UTC),
        )
        log(conn, who, "report", "performance", month, [Location(estate_id)],
            {"format": format})  # fmt: skip
    names = dict(grids)
    if format == "csv":
        return Response(
            perf.to_csv(rows, total, names),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="performance-{estate_id}-{month}.csv"'
            },
        )
    return {
        "month": month,
        "estate_id": estate_id,
        "rows": [{**asdict(r), "grid_name": names.get(r.grid_id or "")} for r in rows],
        "total": {**asdict(total), "grid_name": None},
    }
