"""The ingest benchmark's own correctness: its payloads obey the contract, and a short
run through real Mosquitto, ingest and PostgreSQL reports nothing lost or doubled."""

from __future__ import annotations

import time

import orjson
import pytest

from anju_bench.ingest import BenchConfig, run
from anju_bench.loadgen import Templates, gateways, messages
from anju_common.events import BATCH_ADAPTER, parse_event
from anju_common.topics import parse_topic
from tests.conftest import PG_SERVER


def test_load_generator_payloads_are_valid_events() -> None:
    kinds = set()
    for topic, payload, k in messages(500, gateways(3), 1, Templates()):
        info = parse_topic(topic.decode())
        event = parse_event(payload)
        assert info is not None and k == 1 and info.kind == event.kind
        kinds.add(event.kind)
    assert kinds == {"access", "face", "qr"}
    for topic, payload, k in messages(250, gateways(2), 100, Templates()):
        batch = BATCH_ADAPTER.validate_json(payload)
        assert topic.endswith(b"/batch") and len(batch.events) == k
        assert orjson.loads(payload)["gateway_id"] == batch.gateway_id


def test_short_benchmark_run_loses_nothing() -> None:
    result = run(BenchConfig(events=3000, workers=2, database_url=PG_SERVER))
    assert (result["stored"], result["lost"], result["duplicates"]) == (3000, 0, 0)
    assert result["dead_letters"] == 0
    assert isinstance(result["p99_ms"], float) and result["events_per_s"] > 0


def test_short_batched_run_loses_nothing() -> None:
    result = run(BenchConfig(events=5000, workers=1, batch=50, database_url=PG_SERVER))
    assert (result["stored"], result["lost"], result["duplicates"]) == (5000, 0, 0)


@pytest.mark.both_databases
def test_batched_run_sees_its_rows_on_both_stores(db_server: str) -> None:
    """It watches the rows arrive in hypertable chunks too: before, on TimescaleDB it saw
    none, waited its whole drain timeout and counted that wait into the CPU figures.
    A run took 16-32 s on a loaded 2-core box (load average 13, one test process), so
    the drain timeout is long enough that only that wait can reach it."""
    drain = 120.0
    t0 = time.monotonic()
    result = run(
        BenchConfig(
            events=2000, workers=1, batch=100, database_url=db_server, drain_timeout_s=drain
        )
    )
    assert (result["stored"], result["lost"], result["duplicates"]) == (2000, 0, 0)
    assert time.monotonic() - t0 < drain
