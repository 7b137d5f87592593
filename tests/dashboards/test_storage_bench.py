"""anju_bench.storage.run: loads simulated days through ingest's Store into a scratch
database and reports sizes that agree with the simulator and with PostgreSQL."""

from __future__ import annotations

import os

import pytest

from anju_bench.storage import run
from anju_sim.params import scaled_params
from anju_sim.portfolio import generate, iter_day_events

PG_SERVER = os.environ.get(
    "ANJU_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.mark.slow
def test_storage_run_measures_what_it_loaded() -> None:
    out = run(flats=60, days=3, seed=11, server_url=PG_SERVER)
    expected = sum(len(day) for day in iter_day_events(generate(scaled_params(60, 11, 3))))
    assert out["events"] == out["stored"] == expected
    assert out["flats"] == 60 and out["days"] == 3
    table, index, total = out["table_bytes"], out["index_bytes"], out["total_bytes"]
    assert isinstance(table, int) and isinstance(index, int) and isinstance(total, int)
    assert total >= table + index > 0
    per_event = out["bytes_per_event"]
    row = out["avg_row_bytes"]
    assert isinstance(per_event, float) and isinstance(row, float) and row < per_event < 20_000
    ratio = out["proxy_ratio_vs_table"]
    assert isinstance(ratio, float) and ratio > 1.5
    flat_year = out["mb_per_flat_year"]
    assert isinstance(flat_year, float)
    assert flat_year == pytest.approx(per_event * expected / (60 * 3) * 365 / 1e6, rel=0.01)


@pytest.mark.slow
@pytest.mark.both_databases
def test_storage_run_compresses_on_timescaledb(db_server: str) -> None:
    """On TimescaleDB it compresses every chunk and measures again (failed before: no
    compressed figures at all); on plain PostgreSQL there are none to give."""
    timescale = db_server != PG_SERVER  # the both_databases fixture's second server
    out = run(flats=60, days=3, seed=11, server_url=db_server)
    if not timescale:
        assert "compressed_bytes_per_event" not in out
        return
    per_event, compressed = out["bytes_per_event"], out["compressed_bytes_per_event"]
    assert isinstance(per_event, float) and isinstance(compressed, float)
    assert 0 < compressed < per_event
    total = out["total_bytes"]
    assert isinstance(total, int)
    assert out["compression_ratio"] == pytest.approx(total / out["compressed_total_bytes"], 0.01)
    faces = out["event_faces_rows"]
    assert isinstance(faces, int) and faces > 0
