"""One function moves a live alert's status, for staff (POST /alerts/{id}/status) and for
cases (a visit acknowledges or dismisses, the authority's decision closes): this is what
it does on the real database (there were two UPDATEs that differed in closed_at and in
whether an alert already closed could be moved again)."""

from __future__ import annotations

from datetime import date

import psycopg

from anju_platform.detect import repo_alerts


def _alert(conn: psycopg.Connection, status: str) -> int:
    row = conn.execute(
        "INSERT INTO alerts (estate_id, unit_id, type, status, score, reason_en, reason_zh,"
        " first_day, last_day) VALUES ('E1', 'U1', 'sublet', %s, 0.8, 'r', 'r', %s, %s)"
        " RETURNING alert_id",
        (status, date(2026, 1, 1), date(2026, 1, 1)),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _state(conn: psycopg.Connection, alert_id: int) -> tuple[str, bool, str | None]:
    row = conn.execute(
        "SELECT status, closed_at IS NOT NULL, close_reason FROM alerts WHERE alert_id = %s",
        (alert_id,),
    ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_one_status_change_for_staff_and_cases(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO estates (estate_id, name) VALUES ('E1', 'E')")
        conn.execute(
            "INSERT INTO buildings (building_id, estate_id, name) VALUES ('B1', 'E1', 'B')"
        )
        conn.execute(
            "INSERT INTO units (unit_id, estate_id, building_id, number)"
            " VALUES ('U1', 'E1', 'B1', '1')"
        )
        a = _alert(conn, "open")
        assert repo_alerts.set_status(conn, a, "acknowledged", "seen")
        assert _state(conn, a) == ("acknowledged", False, None)  # the note closes nothing
        assert repo_alerts.set_status(conn, a, "dismissed", "case 1: not_confirmed")
        assert _state(conn, a) == ("dismissed", True, "case 1: not_confirmed")
        # no longer live: a later change (a decision, a stale request) moves nothing
        assert not repo_alerts.set_status(conn, a, "closed", "case 1: warning")
        assert _state(conn, a) == ("dismissed", True, "case 1: not_confirmed")
        watch = _alert(conn, "watch")
        assert repo_alerts.set_status(conn, watch, "closed", "duplicate")
        assert _state(conn, watch) == ("closed", True, "duplicate")
