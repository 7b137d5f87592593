"""`anju bench insert`: the database side of the drain alone, on both event stores.

The same rows (the load generator's mix, decoded as ingest does) are written through
ingest's own Store in transactions of `batch` events into a scratch database on a
private plain PostgreSQL, a private TimescaleDB, and that TimescaleDB with the
time-only index create_hypertable adds (`events_time_idx`, dropped by migration 0011),
in turn, `rounds` times. Per event: CPU of the server backend that did the writing,
WAL bytes, and bytes on disk. On a busy box single runs swing by a third; the medians
of interleaved rounds are what to compare."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

CONFIGS = ("postgres", "timescaledb", "timescaledb_with_time_idx")

_SIZE = {
    "postgres": "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
    " WHERE inhparent = 'events'::regclass",
    "timescaledb": "SELECT total_bytes FROM hypertable_detailed_size('events')",
}


def _one(server: str, config: str, rows: list[object], batch: int) -> dict[str, float]:
    import psutil
    import psycopg

    from anju_bench.loadgen import ESTATE, gateways
    from anju_bench.servers import scratch_database
    from anju_ingest.store import Store

    with scratch_database(server, prefix="anju_bench_insert") as db:
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("INSERT INTO estates (estate_id, name) VALUES (%s, 'bench')", (ESTATE,))
            for g in gateways(20):
                conn.execute(
                    "INSERT INTO gateways (gateway_id, estate_id) VALUES (%s, %s)", (g, ESTATE)
                )
            if config == "timescaledb_with_time_idx":  # as before migration 0011
                conn.execute("CREATE INDEX events_time_idx ON events (time DESC)")
            lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
        store = Store(db)
        store.connect()
        assert store.conn is not None and lsn is not None
        backend = psutil.Process(store.conn.info.backend_pid)
        cpu0 = sum(backend.cpu_times()[:2])
        for i in range(0, len(rows), batch):
            store.write(rows[i : i + batch], [], [])  # type: ignore[arg-type]
        cpu = sum(backend.cpu_times()[:2]) - cpu0
        store.close()
        with psycopg.connect(db, autocommit=True) as conn:
            wal = conn.execute(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (lsn[0],)
            ).fetchone()
            size = conn.execute(_SIZE[config.split("_with")[0]]).fetchone()
    assert wal is not None and size is not None
    n = len(rows)
    return {
        "backend_cpu_us": cpu / n * 1e6,
        "wal_bytes": float(wal[0]) / n,
        "bytes_on_disk": float(size[0]) / n,
    }


def run(
    events: int = 200_000,
    batch: int = 1000,
    rounds: int = 5,
    progress: Callable[[str], None] | None = None,
) -> dict[str, object]:
    from anju_bench.loadgen import Templates, gateways
    from anju_bench.servers import private_server
    from anju_common.events import parse_event
    from anju_ingest.decode import to_row

    tpl, gws, t0 = Templates(), gateways(20), time.time()
    rows: list[object] = [
        to_row(parse_event(tpl.event(gws[i % 20].encode(), t0 + i * 1e-4)[1]))
        for i in range(events)
    ]
    runs: dict[str, list[dict[str, float]]] = {c: [] for c in CONFIGS}
    with private_server("postgres") as pg, private_server("timescaledb") as ts:
        for r in range(rounds):
            for config in CONFIGS:
                runs[config].append(_one(pg if config == "postgres" else ts, config, rows, batch))
                if progress:
                    progress(f"round {r + 1} {config}")
    out: dict[str, object] = {"events": events, "batch": batch, "rounds": rounds}
    for config, results in runs.items():
        out[config] = {
            key: {
                "median": round(statistics.median(x[key] for x in results), 1),
                "runs": [round(x[key], 1) for x in results],
            }
            for key in results[0]
        }
    return out
