from __future__ import annotations

from anju_bench.simulate import run


def test_bench_reports_generation_rate() -> None:
    r = run(flats=60, days=3, seed=2)
    assert r["flats"] == 60 and r["days"] == 3
    kinds = r["events_by_kind"]
    assert isinstance(kinds, dict) and set(kinds) == {"access", "face", "qr"}
    assert r["events"] == sum(kinds.values()) > 0
    assert isinstance(r["events_per_s"], int) and r["events_per_s"] > 0
