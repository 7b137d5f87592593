"""Detection over a real database: a re-run from a day gives the same presence and
alerts (deterministic clusters), and the real-time loop flags a cloned card quickly."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from anju_bench.detect import _realtime_latency
from anju_bench.detect_load import load_events
from anju_platform.detect import repo_state
from anju_platform.detect.engine import run_estate
from anju_platform.detect.repo_state import Watermark
from anju_sim.dbload import load_register
from anju_sim.params import small_params
from anju_sim.portfolio import generate
from tests.detect.helpers import load_portfolio

pytestmark = pytest.mark.both_databases


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
        load_portfolio(conn, pf)
        run_estate(conn, "e01")
        first = _snapshot(conn)
        assert len(first[0]) > 500 and first[1]
        assert conn.execute("SELECT count(*) FROM detect_clusters").fetchone()[0] > 50  # type: ignore[index]
        since = pf.params.start + timedelta(days=10)
        run_estate(conn, "e01", since=since)
        assert _snapshot(conn) == first
        last_day = pf.params.start + timedelta(days=20)
        assert repo_state.watermark_day(conn, Watermark.DAY, "e01") == last_day
        latency = _realtime_latency(conn, pg_url)
        # the probe's clone is flagged; its speed (<= 2 s) is `anju bench detect`'s figure:
        # a bound that tight here failed CI beside a bench on the 2 cores (2.7 s)
        assert latency is not None and latency < 20.0


def test_platform_realtime_loop_flags_a_cloned_card_within_seconds(pg_url: str) -> None:
    import time
    import uuid

    from psycopg.types.json import Jsonb

    from anju_platform.detect.schedule import start_background
    from anju_platform.detect.settings import DetectSettings

    pf = generate(small_params(seed=5, days=2))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        load_register(conn, pf)
        load_events(conn, pf)
        stop = start_background(pg_url, DetectSettings(realtime_enabled=True, realtime_poll_s=0.2))
        try:
            time.sleep(0.5)  # the loop starts its watermark at now: old events are history
            row = conn.execute(
                "SELECT time, estate_id, gateway_id, credential_ref, payload FROM events "
                "WHERE kind = 'access' AND credential_type = 'card' AND granted ORDER BY time "
                "DESC LIMIT 1"
            ).fetchone()
            assert row is not None
            t, estate, gw, ref, payload = row
            other = next(g.gateway_id for g in pf.register.gateways if g.gateway_id != gw)
            eid = str(uuid.uuid4())
            stored = time.monotonic()
            conn.execute(
                "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
                " direction, credential_type, credential_ref, granted, payload) VALUES"
                " (%s, %s, 'access', %s, %s, %s, 'in', 'card', %s, true, %s)",
                (t + timedelta(seconds=45), eid, estate, other, f"{other}-door", ref,
                 Jsonb(dict(payload, event_id=eid, gateway_id=other))),
            )  # fmt: skip
            found = None
            while found is None and time.monotonic() - stored < 5:
                found = conn.execute(
                    "SELECT a.type FROM alert_evidence e JOIN alerts a USING (alert_id) "
                    "WHERE e.event_id = %s",
                    (eid,),
                ).fetchone()
                time.sleep(0.05)
            took = time.monotonic() - stored
        finally:
            stop()
    assert found == ("card_clone",)
    assert took < 2.0
