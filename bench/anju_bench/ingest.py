"""`anju bench ingest`: N events through a real broker and real ingest workers into a
real database; prints events/s end to end, publish-to-store latency, lost, duplicates.

By default it starts its own Mosquitto (with the tuning we ship) and a scratch database
on the DATABASE_URL server, so it never disturbs a running system.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psutil
import psycopg
from psycopg.conninfo import conninfo_to_dict

from anju_bench.loadgen import ESTATE, Templates, gateways, messages
from anju_bench.servers import (
    ingest_env,
    private_mosquitto,
    running_ingest,
    scratch_database,
)
from anju_common.mqttpub import Gateways


@dataclass
class BenchConfig:
    events: int
    workers: int
    batch: int = 1
    rate: float | None = None  # events per second; None = full speed
    gateways: int = 20
    mqtt_url: str | None = None  # None = private Mosquitto
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    flush_ms: int = 50
    drain_timeout_s: float = 120.0


@contextlib.contextmanager
def _broker(url: str | None) -> Iterator[tuple[str, int | None]]:
    if url:
        yield url, None
    else:
        with private_mosquitto() as b:
            assert b.proc is not None
            yield b.url, b.proc.pid


class CpuMeter:
    """CPU seconds used by named process groups between start() and stop()."""

    def __init__(self, groups: dict[str, Callable[[], list[psutil.Process]]]) -> None:
        self.groups = groups
        self.start_s: dict[str, float] = {}
        self.used: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, procs in self.groups.items():
            total = 0.0
            for p in procs():
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    total += t.user + t.system
            out[name] = total
        return out

    def start(self) -> None:
        self.start_s = self._read()

    def stop(self) -> None:
        end = self._read()
        self.used = {k: end[k] - self.start_s.get(k, 0.0) for k in end}


def _tree(pid: int | None) -> Callable[[], list[psutil.Process]]:
    def procs() -> list[psutil.Process]:
        if pid is None:
            return []
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    return procs


BENCH_PUB = "load"  # the one connection's name in Gateways
_PG_SHARED = ("checkpointer", "background writer", "walwriter", "launcher", "archiver")


def _postgres(db_name: str) -> Callable[[], list[psutil.Process]]:
    """The server's shared processes and the backends of our database: not those of
    other work on the same server (process titles name the database)."""

    def procs() -> list[psutil.Process]:
        out = []
        for p in psutil.process_iter(["name", "cmdline"]):
            if p.info["name"] not in ("postgres", "postmaster"):
                continue
            title = " ".join(p.info["cmdline"] or ())
            shared = any(k in title for k in _PG_SHARED) or "postgres -D" in title
            if shared or f" {db_name} " in title:
                out.append(p)
        return out

    return procs


def _register(db_url: str, gws: list[str]) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute("INSERT INTO estates (estate_id, name) VALUES (%s, 'Bench estate')", (ESTATE,))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO gateways (gateway_id, estate_id) VALUES (%s, %s)",
                [(g, ESTATE) for g in gws],
            )


def _count(db_url: str) -> int:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT count(*) FROM events").fetchone()
    return int(row[0]) if row else 0


# Rows written to the events partitions so far, from the statistics counters: cheap,
# unlike count(*), which at ten scans a second of a growing table took a large share
# of the database's CPU from the ingest being measured. It lags up to a second and also
# counts rows of rolled-back transactions, so the end is confirmed with count(*).
# TimescaleDB's chunks of events (its only hypertable) are _timescaledb_internal._hyper_*.
_WRITTEN = (
    "SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_user_tables"
    " WHERE relname = 'events' OR relname LIKE 'events\\_p%'"
    " OR (schemaname = '_timescaledb_internal' AND relname LIKE '\\_hyper\\_%\\_chunk')"
)


def _wait_stored(db_url: str, expected: int, timeout: float) -> int:
    """Wait until `expected` rows or no progress for `timeout` seconds."""
    last, last_change, checked = -1, time.monotonic(), 0.0
    with psycopg.connect(db_url, autocommit=True) as conn:
        while True:
            row = conn.execute(_WRITTEN).fetchone()
            n = int(row[0]) if row else 0
            now = time.monotonic()
            if n != last:
                last, last_change = n, now
            stalled = now - last_change > timeout
            if stalled or (n >= expected and now - checked >= 1.0):
                exact, checked = _count(db_url), now
                if exact >= expected or stalled:
                    return exact
            time.sleep(0.1)


def _publisher(mqtt_url: str) -> Gateways:
    """One connection for all the bench's gateways: the lean publisher costs a few us
    per message, so the bench measures ingest, not its load generator."""
    prefix = f"bench-pub-{uuid.uuid4().hex[:6]}-"
    return Gateways({BENCH_PUB: mqtt_url}, 5000, prefix, batch_writes=True)


def run(cfg: BenchConfig, progress: Callable[[int, int], None] | None = None) -> dict[str, object]:
    gws = gateways(cfg.gateways)
    with (
        scratch_database(cfg.database_url, prefix="anju_bench") as db_url,
        _broker(cfg.mqtt_url) as (mqtt_url, broker_pid),
    ):
        _register(db_url, gws)
        env = ingest_env(db_url, mqtt_url, ANJU_INGEST_FLUSH_MS=str(cfg.flush_ms))
        with running_ingest(env, cfg.workers) as ingest_proc:
            # Warm-up: events published before the workers subscribe are dropped by the
            # broker (no subscriber yet), so repeat until the workers store them.
            pub = _publisher(mqtt_url)
            tpl = Templates()
            deadline = time.monotonic() + 60
            while _count(db_url) < len(gws):
                if time.monotonic() > deadline:
                    raise RuntimeError("ingest did not start storing events within 60 s")
                for topic, payload, _k in messages(len(gws), gws, 1, tpl):
                    pub.publish(BENCH_PUB, topic, payload)
                pub.drain()
                time.sleep(0.5)
            time.sleep(1.0)  # let every worker finish connecting
            with psycopg.connect(db_url) as conn:
                conn.execute("TRUNCATE events")
            meter = CpuMeter(
                {
                    "publisher": lambda: [psutil.Process(os.getpid())],
                    "broker": _tree(broker_pid),
                    "ingest": _tree(ingest_proc.pid),
                    "postgres": _postgres(str(conninfo_to_dict(db_url)["dbname"])),
                }
            )
            meter.start()
            t0_wall = time.time()
            sent = 0
            start = time.perf_counter()
            for topic, payload, k in messages(cfg.events, gws, cfg.batch, tpl):
                if cfg.rate:
                    due = start + sent / cfg.rate
                    delay = due - time.perf_counter()
                    if delay > 0:
                        pub.pump(0)
                        time.sleep(delay)
                pub.publish(BENCH_PUB, topic, payload)
                sent += k
                if progress and sent % 10000 < k:
                    progress(sent, cfg.events)
            pub.drain()
            publish_s = time.perf_counter() - start
            acked_msgs, failed = pub.acked, pub.failed
            pub.close()
            stored = _wait_stored(db_url, cfg.events, cfg.drain_timeout_s)
            meter.stop()
            with psycopg.connect(db_url) as conn:
                row = conn.execute(
                    """
                    SELECT count(*), count(DISTINCT event_id),
                           extract(epoch FROM max(received_at)),
                           percentile_cont(0.5) WITHIN GROUP (
                               ORDER BY extract(epoch FROM received_at - time)),
                           percentile_cont(0.99) WITHIN GROUP (
                               ORDER BY extract(epoch FROM received_at - time))
                    FROM events
                    """
                ).fetchone()
                dead = conn.execute("SELECT count(*) FROM dead_letters").fetchone()
    assert row is not None and dead is not None
    rows, distinct, last_commit, p50, p99 = row
    elapsed = float(last_commit) - t0_wall if last_commit else float("nan")
    return {
        "bench": "ingest",
        "events": cfg.events,
        "workers": cfg.workers,
        "batch": cfg.batch,
        "rate": cfg.rate,
        "events_per_s": round(cfg.events / elapsed, 1) if rows else 0.0,
        "publish_events_per_s": round(cfg.events / publish_s, 1),
        "p50_ms": round(float(p50) * 1000, 1) if p50 is not None else None,
        "p99_ms": round(float(p99) * 1000, 1) if p99 is not None else None,
        "stored": int(distinct),
        "duplicates": int(rows) - int(distinct),
        "lost": cfg.events - int(distinct),
        "dead_letters": int(dead[0]),
        "publish_acks_failed": failed,
        "messages_acked": acked_msgs,
        "elapsed_s": round(elapsed, 2),
        "stored_rows_seen": stored,
        # CPU per event; publisher includes this process's polling of the database,
        # postgres the server's shared processes and our database's backends.
        "cpu_us_per_event": {k: round(v / cfg.events * 1e6, 1) for k, v in meter.used.items()},
    }
