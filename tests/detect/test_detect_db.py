"""Detection over a real database: a re-run from a day gives the same presence and
alerts (deterministic clusters), and the real-time loop flags a cloned card quickly."""

from __future__ import annotations

from datetime import timedelta

import psycopg

from anju_bench.detect import _realtime_latency, load_events
from anju_platform.detect import repo
from anju_platform.detect.engine import run_estate
from anju_sim.dbload import load_register
from anju_sim.params import small_params
from anju_sim.portfolio import generate


def _snapshot(
    conn: psycopg.Connection,
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    pres = conn.execute(
        "SELECT unit_id, day, identity, role, via, cluster_id, n FROM detect_presence "
        "ORDER BY 1, 2, 3"
    ).fetchall()
    alerts = conn.execute(
        "SELECT unit_id, type, status, first_day, opened_day, round(score::numeric, 3) FROM alerts "
        "ORDER BY 1, 2, 4"
    ).fetchall()
    return pres, alerts


def test_rerun_is_identical_and_realtime_is_fast(pg_url: str) -> None:
    pf = generate(small_params(seed=5, days=21))
    with psycopg.connect(pg_url) as conn:
        load_register(conn, pf)
        load_events(conn, pf)
        conn.autocommit = True
        run_estate(conn, "e01")
        first = _snapshot(conn)
        assert len(first[0]) > 500 and first[1]
        assert conn.execute("SELECT count(*) FROM detect_clusters").fetchone()[0] > 50  # type: ignore[index]
        since = pf.params.start + timedelta(days=10)
        run_estate(conn, "e01", since=since)
        assert _snapshot(conn) == first
        assert repo.state_day(conn, "day:e01") == pf.params.start + timedelta(days=20)
        latency = _realtime_latency(conn, pg_url)
        assert latency is not None and latency < 2.0
