"""A small estate's 30 days streamed through a real Mosquitto into the real ingest:
every generated event is stored exactly once, duplicates and junk notwithstanding."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from anju_bench.servers import Mosquitto, ingest_env, running_ingest
from anju_common.mqttpub import Gateways
from anju_sim.dbload import load_register
from anju_sim.faults import FaultRates
from anju_sim.params import small_params
from anju_sim.portfolio import generate
from anju_sim.stream import Streamer, gateway_urls, stream_portfolio
from tests.waiting import wait_for


@contextmanager
def ingest(pg_url: str, mqtt_url: str) -> Iterator[subprocess.Popen[bytes]]:
    with running_ingest(ingest_env(pg_url, mqtt_url), stderr=subprocess.PIPE) as proc:
        yield proc


def _scalar(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.slow
@pytest.mark.parametrize("batch", [0, 200])
def test_thirty_days_stored_exactly_once(broker: Mosquitto, pg_url: str, batch: int) -> None:
    pf = generate(small_params(seed=5, days=30))
    with psycopg.connect(pg_url) as conn:
        load_register(conn, pf)  # ingest dead-letters gateways it does not know
    rates = FaultRates(outage=0.05, skew=0.3, duplicate=0.01, malformed=0.002)
    with ingest(pg_url, broker.url) as proc:
        gws = Gateways(gateway_urls(pf, broker.url, None))
        streamer = Streamer(pf, gws, rates, batch=batch, keep_ids=True, heartbeat_s=3600)
        n_gw = len(pf.register.gateways)
        # the retained 'online' statuses reach ingest once it has subscribed

        def subscribed() -> bool:
            if proc.poll() is not None:
                err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                raise AssertionError(f"anju ingest exited with {proc.returncode}: {err}")
            return _scalar(pg_url, "SELECT count(*) FROM gateway_state") >= n_gw

        wait_for(subscribed, 60, "ingest to store the gateways' status", 0.25)
        stats = stream_portfolio(pf, streamer, range(30))
        gws.close()
        assert stats.duplicates > 0 and stats.malformed > 0 and stats.outages > 0
        sql = "SELECT count(*) FROM events WHERE kind IN ('access', 'face', 'qr')"
        wait_for(lambda: _scalar(pg_url, sql) >= stats.events, 120, "all events stored", 0.25)
        time.sleep(1.0)  # late duplicates would show up now
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM events "
            "WHERE kind IN ('access', 'face', 'qr')"
        ).fetchone()
        stored = {str(r[0]) for r in conn.execute(
            "SELECT event_id FROM events WHERE kind IN ('access', 'face', 'qr')")}  # fmt: skip
        dead = conn.execute("SELECT count(*) FROM dead_letters").fetchone()
        beats = conn.execute(
            "SELECT count(*) FROM gateway_state WHERE heartbeat_time IS NOT NULL"
        ).fetchone()
    assert stats.events > 10_000
    assert row == (stats.events, stats.events)
    assert stored == set(stats.event_ids)
    assert dead is not None and dead[0] >= stats.malformed
    assert stats.heartbeats > 0 and beats == (len(pf.register.gateways),)
