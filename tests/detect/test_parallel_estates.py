"""Estates in parallel processes give what one process gives: the same presence,
clusters and alerts (each worker has its own connection; estates are independent)."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from anju_platform.detect import repo
from anju_platform.detect.engine import run_estates
from anju_sim.params import SimParams
from anju_sim.portfolio import generate
from tests.detect.helpers import load_portfolio

pytestmark = pytest.mark.both_databases


def _snapshot(conn: psycopg.Connection) -> tuple[list[tuple[object, ...]], ...]:
    pres = conn.execute(
        "SELECT unit_id, day, identity, role, via, cluster_id, n, n_in, n_face, n_night,"
        " last_in, event_ids::text[] FROM detect_presence ORDER BY 1, 2, 3"
    ).fetchall()
    clusters = conn.execute(
        "SELECT cluster_id, gateway_id, leader, first_seen FROM detect_clusters ORDER BY 1"
    ).fetchall()
    alerts = conn.execute(
        "SELECT unit_id, type, status, first_day, last_day, opened_day, level,"
        " round(score::numeric, 3), persons FROM alerts ORDER BY 1, 2, 4"
    ).fetchall()
    return pres, clusters, alerts


def test_two_workers_give_what_one_gives(pg_url: str) -> None:
    pf = generate(SimParams(seed=11, days=16, offices=[50, 40], estates_per_office=[1, 1]))
    with psycopg.connect(pg_url) as conn:
        load_portfolio(conn, pf)
        estates = repo.estates(conn)
        assert len(estates) == 2
        finished: list[str] = []
        got = run_estates(pg_url, estates, workers=2, done=lambda e, _: finished.append(e))
        assert sorted(finished) == estates and got["days"] == 2 * 16 and got["events"] > 1000
        parallel = _snapshot(conn)
        assert len(parallel[0]) > 200 and len(parallel[1]) > 20 and parallel[2]
        conn.execute("DELETE FROM detect_clusters")  # ids must come back the same
        again = run_estates(pg_url, estates, since=pf.params.start, workers=1)
        assert again == got
        assert _snapshot(conn) == parallel


def test_a_rerun_from_a_day_gives_the_first_runs_presence_and_alerts(pg_url: str) -> None:
    """`anju detect --since D` forgets the clusters whose leader came from D on: kept, a
    later leader took in D's sightings before its own was seen again (crowded faces, where
    many leaders lie close, showed different alerts on the re-run)."""
    params = SimParams(seed=11, days=16, offices=[60], estates_per_office=[1])
    pf = generate(params.model_copy(update={"face_spread": 0.71}))
    with psycopg.connect(pg_url) as conn:
        load_portfolio(conn, pf)
        estates = repo.estates(conn)
        run_estates(pg_url, estates, workers=1)
        first = _snapshot(conn)
        assert len(first[1]) > 20
        for since in (pf.params.start + timedelta(days=5), pf.params.start):
            run_estates(pg_url, estates, since=since, workers=1)
            assert _snapshot(conn) == first
