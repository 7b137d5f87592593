"""The pass writes unit clocks and cluster counts only every FLUSH_DAYS days and on its
last day (with a 'clocks:<estate>' watermark); a run cut short in between is continued
from rebuilt clocks and ends as an uninterrupted run does."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from anju_bench.detect_load import load_events
from anju_platform.detect import engine, repo_state
from anju_platform.detect.engine import run_estate
from anju_platform.detect.repo_state import Watermark
from anju_sim.dbload import load_register
from anju_sim.params import small_params
from anju_sim.portfolio import generate

pytestmark = pytest.mark.both_databases


def _snapshot(conn: psycopg.Connection) -> list[list[tuple[object, ...]]]:
    return [
        conn.execute(sql).fetchall()
        for sql in (
            "SELECT unit_id, last_any_day, last_member_day, last_member_in"
            " FROM detect_unit_state ORDER BY 1",
            "SELECT unit_id, type, status, first_day, last_day, opened_day, level,"
            " round(score::numeric, 3), close_reason FROM alerts ORDER BY 1, 2, 4",
            "SELECT unit_id, day, identity, role, cluster_id, n FROM detect_presence"
            " ORDER BY 1, 2, 3",
        )
    ]


def test_cut_short_run_continues_like_an_uninterrupted_one(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "FLUSH_DAYS", 4)
    pf = generate(small_params(seed=5, days=21))
    start = pf.params.start
    with psycopg.connect(pg_url, autocommit=True) as conn:
        load_register(conn, pf)
        load_events(conn, pf)
        run_estate(conn, "e01")
        whole = _snapshot(conn)
        assert (
            len(whole[0]) > 20
            and whole[1]
            and repo_state.watermark_day(conn, Watermark.CLOCKS, "e01")
            == (start + timedelta(days=20))
        )
        # again from the start, stopped after day 10 (clocks last written after day 8)
        run_estate(conn, "e01", since=start, until=start + timedelta(days=9))
        assert repo_state.watermark_day(conn, Watermark.CLOCKS, "e01") == start + timedelta(days=9)
        conn.execute("DELETE FROM detect_unit_state")  # as if lost with the cut
        repo_state.set_watermark(conn, Watermark.CLOCKS, "e01", day=start + timedelta(days=7))
        run_estate(conn, "e01")
        assert _snapshot(conn) == whole
