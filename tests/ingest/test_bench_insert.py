"""anju bench insert: the drain's database side on both event stores, measured."""

from __future__ import annotations

import pytest

from anju_bench.pgcluster import timescaledb_bindir
from anju_bench.servers import SHARED


@pytest.mark.slow
def test_insert_bench_measures_every_store() -> None:
    from anju_bench.insert import CONFIGS, run

    bindir, why = timescaledb_bindir(SHARED)
    if bindir is None:
        pytest.skip(why)
    out = run(events=2000, batch=500, rounds=1)
    assert out["events"] == 2000
    for config in CONFIGS:
        figures = out[config]
        assert isinstance(figures, dict)
        for key in ("backend_cpu_us", "wal_bytes", "bytes_on_disk"):
            assert figures[key]["median"] > 0 and len(figures[key]["runs"]) == 1
    # the extra index costs WAL and disk on every insert
    with_idx, without = out["timescaledb_with_time_idx"], out["timescaledb"]
    assert isinstance(with_idx, dict) and isinstance(without, dict)
    assert with_idx["wal_bytes"]["median"] > without["wal_bytes"]["median"]
    assert with_idx["bytes_on_disk"]["median"] > without["bytes_on_disk"]["median"]
