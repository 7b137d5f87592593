"""One function moves a live alert's status, for staff (POST /alerts/{id}/status), for
cases (a visit acknowledges or dismisses, the authority's decision closes) and for the
detection pass (a pattern ended or was superseded): this is what it does on the real
database (there were two, then three UPDATEs that differed in closed_at and in whether an
alert already closed could be moved again)."""

from __future__ import annotations

from datetime import date

import psycopg

from anju_platform.detect import repo_alerts
from anju_platform.detect.alertbook import AlertBook


def _alert(conn: psycopg.Connection, status: str, type_: str = "sublet", unit: str = "U1") -> int:
    row = conn.execute(
        "INSERT INTO alerts (estate_id, unit_id, type, status, score, reason_en, reason_zh,"
        " first_day, last_day) VALUES ('E1', %s, %s, %s, 0.8, 'r', 'r', %s, %s)"
        " RETURNING alert_id",
        (unit, type_, status, date(2026, 1, 1), date(2026, 1, 1)),
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


def _estate(conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO estates (estate_id, name) VALUES ('E1', 'E')")
    conn.execute("INSERT INTO buildings (building_id, estate_id, name) VALUES ('B1', 'E1', 'B')")
    conn.execute(
        "INSERT INTO units (unit_id, estate_id, building_id, number)"
        " VALUES ('U1', 'E1', 'B1', '1'), ('U2', 'E1', 'B1', '2')"
    )


def test_one_status_change_for_staff_and_cases(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        _estate(conn)
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


def test_the_pass_closes_through_the_same_change(pg_url: str) -> None:
    """The detection pass closes ended patterns with a reason, and an alert staff dismissed
    after the pass read the live alerts stays dismissed (the pass used to overwrite it)."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        _estate(conn)
        ended = _alert(conn, "open", "vacancy", "U1")
        dismissed = _alert(conn, "open", "vacancy", "U2")
        book = AlertBook(conn, "E1", {"U1": None, "U2": None}, date(2026, 1, 1))
        assert repo_alerts.set_status(conn, dismissed, "dismissed", "tenant is home")
        book.close_ended(date(2026, 1, 2), {"U1", "U2"}, set())
        assert _state(conn, ended) == ("closed", True, "pattern ended")
        assert _state(conn, dismissed) == ("dismissed", True, "tenant is home")
