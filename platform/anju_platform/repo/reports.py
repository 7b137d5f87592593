"""SQL of resident reports (举报): the building behind a code, rate-limit counts,
duplicates, the flat a unit number names, and the report's alert (one live alert per
flat or building, merged under a per-building advisory lock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import class_row, dict_row

from anju_platform.workflow.reports import normalize_body, normalize_unit_number

ALERT_TYPE = "resident_report"
LIVE = ("watch", "open", "acknowledged")


def building(conn: psycopg.Connection, estate_id: str, building_id: str) -> dict[str, Any] | None:
    """The building and its estate (names for the page), if it exists and is not ended."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT b.building_id, b.name AS building_name, e.estate_id, e.name AS estate_name"
            " FROM buildings b JOIN estates e USING (estate_id)"
            " WHERE b.building_id = %s AND b.estate_id = %s"
            " AND (b.ended_on IS NULL OR b.ended_on >= current_date)",
            (building_id, estate_id),
        ).fetchone()


def recent_times(
    conn: psycopg.Connection, client_key: str, building_id: str, since: datetime
) -> tuple[list[float], list[float]]:
    """Epoch seconds of accepted reports since `since`: from this client, about this building."""
    q = (
        "SELECT extract(epoch FROM created_at)::float8 FROM resident_reports"
        " WHERE {} = %s AND created_at >= %s"
    )
    client = conn.execute(q.format("client_key"), (client_key, since)).fetchall()
    bldg = conn.execute(q.format("building_id"), (building_id, since)).fetchall()
    return [r[0] for r in client], [r[0] for r in bldg]


def is_duplicate(conn: psycopg.Connection, building_id: str, body: str, since: datetime) -> bool:
    rows = conn.execute(
        "SELECT body FROM resident_reports WHERE building_id = %s AND created_at >= %s",
        (building_id, since),
    ).fetchall()
    mine = normalize_body(body)
    return any(normalize_body(r[0]) == mine for r in rows)


def resolve_unit(conn: psycopg.Connection, building_id: str, number: str) -> dict[str, Any] | None:
    """The live flat of this building whose number matches (forgiving spelling)."""
    want = normalize_unit_number(number)
    if not want:
        return None
    with conn.cursor(row_factory=dict_row) as cur:
        units = cur.execute(
            "SELECT unit_id, grid_id, number FROM units WHERE building_id = %s"
            " AND (ended_on IS NULL OR ended_on >= current_date) ORDER BY unit_id",
            (building_id,),
        ).fetchall()
    for u in units:
        if u["number"] is not None and normalize_unit_number(u["number"]) == want:
            return u
    return None


def building_grid(conn: psycopg.Connection, building_id: str) -> str | None:
    """The grid of a building when all its flats are in one grid (routing of a building
    report); None when they span grids or have none."""
    rows = conn.execute(
        "SELECT DISTINCT grid_id FROM units WHERE building_id = %s AND grid_id IS NOT NULL",
        (building_id,),
    ).fetchall()
    return rows[0][0] if len(rows) == 1 else None


def lock_building(conn: psycopg.Connection, building_id: str) -> None:
    """Serialize reports about one building so two cannot open two live alerts."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('anju:report:' || %s))", (building_id,))


def live_alert(
    conn: psycopg.Connection, building_id: str, unit_id: str | None
) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT alert_id, status, grid_id FROM alerts WHERE type = %s"
            " AND status = ANY(%s) AND building_id = %s"
            " AND unit_id IS NOT DISTINCT FROM %s ORDER BY alert_id DESC LIMIT 1 FOR UPDATE",
            (ALERT_TYPE, list(LIVE), building_id, unit_id),
        ).fetchone()


def insert_report(conn: psycopg.Connection, r: dict[str, Any]) -> tuple[int, datetime]:
    row = conn.execute(
        "INSERT INTO resident_reports (estate_id, building_id, unit_id, category, body,"
        " contact, client_key, form_nonce) VALUES (%(estate_id)s, %(building_id)s,"
        " %(unit_id)s, %(category)s, %(body)s, %(contact)s, %(client_key)s, %(form_nonce)s)"
        " RETURNING report_id, created_at",
        r,
    ).fetchone()
    assert row is not None
    return int(row[0]), row[1]


def form_used(conn: psycopg.Connection, nonce: str) -> bool:
    row = conn.execute("SELECT 1 FROM resident_reports WHERE form_nonce = %s", (nonce,)).fetchone()
    return row is not None


def link_report(conn: psycopg.Connection, report_id: int, alert_id: int) -> None:
    conn.execute(
        "UPDATE resident_reports SET alert_id = %s WHERE report_id = %s", (alert_id, report_id)
    )


def alert_categories(conn: psycopg.Connection, alert_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT category FROM resident_reports WHERE alert_id = %s ORDER BY report_id",
        (alert_id,),
    ).fetchall()
    return [r[0] for r in rows]


def open_alert(conn: psycopg.Connection, a: dict[str, Any]) -> int:
    """A new resident-report alert, open at once: people reported it, so people look."""
    row = conn.execute(
        "INSERT INTO alerts (estate_id, unit_id, building_id, grid_id, type, source, status,"
        " score, level, reason_en, reason_zh, first_day, last_day, opened_at, opened_day)"
        " VALUES (%(estate_id)s, %(unit_id)s, %(building_id)s, %(grid_id)s, %(type)s,"
        " 'resident_report', 'open', %(score)s, %(level)s, %(reason_en)s, %(reason_zh)s,"
        " %(day)s, %(day)s, now(), %(day)s) RETURNING alert_id",
        {**a, "type": ALERT_TYPE},
    ).fetchone()
    assert row is not None
    return int(row[0])


def raise_alert(
    conn: psycopg.Connection,
    alert_id: int,
    score: float,
    level: int,
    reason: tuple[str, str],
    day: date,
) -> None:
    """A further report on the live alert: the score and level only ever rise."""
    conn.execute(
        "UPDATE alerts SET score = GREATEST(score, %s), level = GREATEST(level, %s),"
        " reason_en = %s, reason_zh = %s, last_day = GREATEST(last_day, %s), updated_at = now()"
        " WHERE alert_id = %s",
        (score, level, reason[0], reason[1], day, alert_id),
    )


def add_evidence(
    conn: psycopg.Connection, alert_id: int, report_id: int, at: datetime, day: date, note: str
) -> None:
    conn.execute(
        "INSERT INTO alert_evidence (alert_id, key, at, day, kind, note)"
        " VALUES (%s, %s, %s, %s, 'report', %s) ON CONFLICT DO NOTHING",
        (alert_id, f"report:{report_id}", at, day, note),
    )


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A resident report with its alert's status (api/reports.py ReportOut; `contact` is
    personal data)."""

    report_id: int
    estate_id: str
    building_id: str
    unit_id: str | None
    grid_id: str | None
    category: str
    body: str
    contact: str | None
    created_at: datetime
    alert_id: int | None
    alert_status: str | None


def list_reports(
    conn: psycopg.Connection, estate_id: str, since: datetime | None, limit: int, offset: int
) -> list[ReportRow]:
    with conn.cursor(row_factory=class_row(ReportRow)) as cur:
        return cur.execute(
            "SELECT r.report_id, r.estate_id, r.building_id, r.unit_id, r.category, r.body,"
            " r.contact, r.created_at, r.alert_id, a.status AS alert_status,"
            " COALESCE(u.grid_id, a.grid_id) AS grid_id"
            " FROM resident_reports r LEFT JOIN alerts a USING (alert_id)"
            " LEFT JOIN units u ON u.unit_id = r.unit_id"
            " WHERE r.estate_id = %s AND (%s::timestamptz IS NULL OR r.created_at >= %s)"
            " ORDER BY r.report_id DESC LIMIT %s OFFSET %s",
            (estate_id, since, since, limit, offset),
        ).fetchall()


def buildings_of(conn: psycopg.Connection, building_id: str) -> dict[str, Any] | None:
    """Building with its estate, for the poster (any state)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT b.building_id, b.name AS building_name, e.estate_id, e.name AS estate_name"
            " FROM buildings b JOIN estates e USING (estate_id) WHERE b.building_id = %s",
            (building_id,),
        ).fetchone()
