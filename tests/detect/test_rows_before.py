"""repo_state.rows_before: a flat's stored presence of the days before a day (what the
sublet rule reads for a flat on an approved absence), from detect_presence."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg

from anju_platform.detect import repo_state
from anju_platform.detect.model import Presence

UNIT, OTHER = "e01-1-1-0101", "e01-1-1-0102"
LEFT = date(2026, 3, 1)


def test_rows_before_reads_the_window_before_the_day_of_one_flat(pg_url: str) -> None:
    rows = [
        Presence(unit, LEFT - timedelta(days=i), who, "stranger", "tailgate", who)
        for i in range(-3, 40)
        for unit, who in ((UNIT, "u-a"), (OTHER, "u-b"))
    ]
    with psycopg.connect(pg_url) as conn:
        repo_state.insert_presence(conn, "e01", rows)
        kept: dict[tuple[str, date], list[Presence]] = {}
        got = repo_state.rows_before(conn, UNIT, 28, kept, LEFT)
        assert [r.day for r in got] == [LEFT - timedelta(days=i) for i in range(28, 0, -1)]
        assert {r.unit_id for r in got} == {UNIT} and got[0] == rows[2 * 28 + 6]
        conn.execute("DELETE FROM detect_presence")
        assert repo_state.rows_before(conn, UNIT, 28, kept, LEFT) == got  # kept for the pass
