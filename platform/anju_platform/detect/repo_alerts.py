"""The SQL of alerts: what the alert book reads and writes for the pass, and what the
alerts API lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from anju_platform.access import Location
from anju_platform.detect.merge import Live
from anju_platform.detect.model import Finding
from anju_platform.workflow.cases import Suppression


def live_alerts(conn: psycopg.Connection, estate: str) -> list[Live]:
    rows = conn.execute(
        "SELECT a.alert_id, unit_id, type, status, score, level, first_day, last_day, "
        "coalesce((SELECT array_agg(DISTINCT e.day) FROM alert_evidence e "
        "WHERE e.alert_id = a.alert_id), '{}') FROM alerts a WHERE estate_id = %s "
        "AND status IN ('watch', 'open', 'acknowledged') AND source = 'detection'"
        " AND unit_id IS NOT NULL",
        (estate,),
    )  # resident reports' alerts are not detection's to merge or close, nor building
    # alerts the AlertBook's (repo_building.apply_findings)
    return [Live(*r[:8], days=frozenset(r[8])) for r in rows]  # type: ignore[misc]


def suppressions(conn: psycopg.Connection, estate: str) -> list[Suppression]:
    """Patterns explained on an inspection visit (workflow cases); all of them, so that a
    re-run over past days respects the explanations too (one row per explained visit)."""
    rows = conn.execute(
        "SELECT s.unit_id, s.type, s.valid_from, s.valid_to FROM suppressions s "
        "JOIN units u USING (unit_id) WHERE u.estate_id = %s",
        (estate,),
    )
    return [Suppression(*r) for r in rows]


def cooling(conn: psycopg.Connection, estate: str, since: date) -> set[tuple[str, str]]:
    rows = conn.execute(
        "SELECT unit_id, type FROM alerts WHERE estate_id = %s AND status = 'dismissed' "
        "AND closed_at >= %s",
        (estate, since),
    )
    return {(r[0], r[1]) for r in rows}


def create_alert(
    conn: psycopg.Connection,
    estate: str,
    grid: str | None,
    f: Finding,
    status: str,
    score: float,
    level: int,
    first: date,
) -> int:
    row = conn.execute(
        "INSERT INTO alerts (estate_id, unit_id, grid_id, type, status, score, level, reason_en,"
        " reason_zh, first_day, last_day, opened_at, opened_day, persons)"
        " VALUES (%s, %s, %s, %s, %s,"
        " %s, %s, %s, %s, %s, %s, CASE WHEN %s = 'open' THEN now() END,"
        " CASE WHEN %s = 'open' THEN %s::date END, %s) RETURNING alert_id",
        (
            estate,
            f.unit_id,
            grid,
            f.type,
            status,
            score,
            level,
            f.reason_en,
            f.reason_zh,
            first,
            f.day,
            status,
            status,
            f.day,
            list(f.persons),
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def update_alert(
    conn: psycopg.Connection,
    alert_id: int,
    f: Finding,
    status: str,
    score: float,
    level: int,
    first: date,
    last: date,
) -> None:
    conn.execute(
        "UPDATE alerts SET status = %s, score = %s, level = %s, reason_en = %s, reason_zh = %s,"
        " first_day = %s, last_day = %s, updated_at = now(), persons = %s,"
        " opened_at = coalesce(opened_at, CASE WHEN %s = 'open' THEN now() END),"
        " opened_day = coalesce(opened_day, CASE WHEN %s = 'open' THEN %s::date END)"
        " WHERE alert_id = %s",
        (
            status,
            score,
            level,
            f.reason_en,
            f.reason_zh,
            first,
            last,
            list(f.persons),
            status,
            status,
            f.day,
            alert_id,
        ),
    )


def add_evidence(conn: psycopg.Connection, alert_id: int, f: Finding) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO alert_evidence"
            " (alert_id, key, at, day, kind, event_id, snapshot_ref, note, code, params)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [
                (
                    alert_id,
                    e.key,
                    e.at,
                    e.day,
                    e.kind,
                    e.event_id,
                    e.snapshot_ref,
                    e.note,
                    e.code,
                    Jsonb(dict(e.params)) if e.code else None,
                )
                for e in f.evidence
            ],
        )


# --- alerts API -----------------------------------------------------------------------

_ALERT_COLS = (
    "alert_id, estate_id, unit_id, building_id, source, grid_id, type, status, score, level, "
    "reason_en, reason_zh, first_day, last_day, opened_day, opened_at, updated_at, closed_at, "
    "close_reason, persons"
)


class AlertRow(BaseModel):
    """An alert as the API reads and shows it (api/alerts.py AlertOut is this model)."""

    alert_id: int
    estate_id: str
    unit_id: str | None = Field(description="The flat; null for a report about a building")
    building_id: str | None = Field(default=None, description="Set for resident reports")
    source: str = Field(default="detection", description="detection or resident_report")
    grid_id: str | None
    type: str = Field(description="Stable type name, see docs/alerts.md")
    status: str = Field(description="watch, open, acknowledged, closed or dismissed")
    score: float
    level: int
    reason_en: str
    reason_zh: str
    first_day: date
    last_day: date
    opened_day: date | None
    opened_at: datetime | None
    updated_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    persons: list[str]

    @property
    def places(self) -> list[Location]:
        """Where the alert is, for scope checks and the audit."""
        return [Location(self.estate_id, self.grid_id)]


def list_alerts(
    conn: psycopg.Connection,
    estate: str,
    grids: list[str] | None,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> list[AlertRow]:
    q = (
        f"SELECT {_ALERT_COLS} FROM alerts WHERE estate_id = %(estate)s"
        " AND (%(grids)s::text[] IS NULL OR grid_id = ANY(%(grids)s::text[]))"
        " AND (%(grid)s::text IS NULL OR grid_id = %(grid)s)"
        " AND (%(types)s::text[] IS NULL OR type = ANY(%(types)s::text[]))"
        " AND (%(statuses)s::text[] IS NULL OR status = ANY(%(statuses)s::text[]))"
        " AND (%(min_score)s::float8 IS NULL OR score >= %(min_score)s)"
        " AND (%(since)s::date IS NULL OR last_day >= %(since)s)"
        " AND (%(until)s::date IS NULL OR first_day <= %(until)s)"
        " ORDER BY score DESC, alert_id DESC LIMIT %(limit)s OFFSET %(offset)s"
    )
    params = {"estate": estate, "grids": grids, "limit": limit, "offset": offset, **filters}
    with conn.cursor(row_factory=class_row(AlertRow)) as cur:
        return list(cur.execute(q, params))


def get_alert(conn: psycopg.Connection, alert_id: int) -> AlertRow | None:
    with conn.cursor(row_factory=class_row(AlertRow)) as cur:
        return cur.execute(
            f"SELECT {_ALERT_COLS} FROM alerts WHERE alert_id = %s", (alert_id,)
        ).fetchone()


def alert_evidence(conn: psycopg.Connection, alert_id: int) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return list(
            cur.execute(
                "SELECT at, day, kind, event_id::text, snapshot_ref, note, code, params"
                " FROM alert_evidence "
                "WHERE alert_id = %s ORDER BY at, key",
                (alert_id,),
            )
        )


def set_status(conn: psycopg.Connection, alert_id: int, status: str, note: str | None) -> bool:
    """The one way staff, cases and the detection pass move a live alert on (acknowledged,
    closed, dismissed): closing or dismissing stamps closed_at and keeps the note as
    close_reason. False when the alert is no longer live (closed or dismissed meanwhile,
    e.g. by staff during a pass): nothing changes."""
    ends = status in ("closed", "dismissed")
    cur = conn.execute(
        "UPDATE alerts SET status = %s, updated_at = now(),"
        " closed_at = CASE WHEN %s THEN now() ELSE closed_at END,"
        " close_reason = CASE WHEN %s THEN %s ELSE close_reason END"
        " WHERE alert_id = %s AND status IN ('watch', 'open', 'acknowledged')",
        (status, ends, ends, note, alert_id),
    )
    return cur.rowcount > 0
