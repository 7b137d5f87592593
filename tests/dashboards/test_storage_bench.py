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
def test_panels_bench_times_every_panel_without_failures() -> None:
    from anju_bench.panels import run as run_panels
    from anju_dashboards.boards import build_all
    from anju_dashboards.expand import panel_queries

    out = run_panels(flats=60, days=3, seed=11, server_url=PG_SERVER)
    assert out["failed"] == []
    panels = out["panels_ms"]
    assert isinstance(panels, dict)
    expected = {f"{m['uid']}: {t}" for m in build_all() for t, _ in panel_queries(m)}
    assert set(panels) == expected
    assert all(set(v) == {"6h", "30d", "all"} for v in panels.values())
    assert isinstance(out["detect_s"], float) and out["detect_s"] > 0
