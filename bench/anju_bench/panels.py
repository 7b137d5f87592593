"""`anju bench panels`: how long every dashboard panel takes on a simulated city.

run(flats, days, seed, server_url) loads a simulated portfolio into a scratch database
(register by load_register, events through ingest's Store), runs detection's daily pass
for every estate (timed: it fills the roll-ups Occupancy reads), then runs every panel's
SQL as Grafana sends it over the last 6 hours, 30 days and the whole window of the
simulation (anju_dashboards.check). The scratch database is dropped afterwards."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from anju_bench.storage import DEFAULT_SERVER, load_simulated


def run(
    flats: int = 1200, days: int = 90, seed: int = 20260101, server_url: str | None = None
) -> dict[str, object]:
    import psycopg

    from anju_bench.servers import scratch_database
    from anju_common.localtime import day_start
    from anju_dashboards.boards import build_all
    from anju_dashboards.check import check
    from anju_platform.detect.engine import run_estate
    from anju_sim.dbload import load_register
    from anju_sim.params import scaled_params
    from anju_sim.portfolio import generate

    server = server_url or os.environ.get("ANJU_TEST_DATABASE_URL", DEFAULT_SERVER)
    pf = generate(scaled_params(flats, seed, days))
    start = day_start(pf.params.start)
    end = start + timedelta(days=days)
    ranges = {"6h": end - timedelta(hours=6), "30d": end - timedelta(days=30), "all": start}
    with scratch_database(server, prefix="anju_bench_panels") as url:
        with psycopg.connect(url) as conn:
            load_register(conn, pf)
        events = load_simulated(url, pf)
        t0 = time.perf_counter()
        with psycopg.connect(url) as conn:
            for estate in pf.register.estates:
                run_estate(conn, estate.estate_id)
        detect_s = time.perf_counter() - t0
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        panels: dict[str, dict[str, float]] = {}
        failed: list[str] = []
        for label, since in ranges.items():
            for r in check(url, build_all(), since, end):
                panels.setdefault(f"{r.dashboard}: {r.panel}", {})[label] = r.ms
                if r.error:
                    failed.append(f"{label} {r.dashboard}: {r.panel}: {r.error}")
    return {
        "flats": len(pf.register.units),
        "days": days,
        "seed": seed,
        "events": events,
        "detect_s": round(detect_s, 3),  # a small estate now takes well under 0.1 s
        "flat_days_per_s": round(len(pf.register.units) * days / detect_s) if detect_s else 0,
        "panels_ms": panels,
        "total_ms": {k: round(sum(p.get(k, 0.0) for p in panels.values()), 1) for k in ranges},
        "failed": failed,
    }
