"""`anju bench storage`: bytes on disk per event and per flat-year, measured.

run(flats, days, seed, server_url) generates a simulated portfolio, stores its events
in a scratch database on `server_url` through ingest's own Store (COPY into the real
events table, one transaction per batch), then reads the sizes PostgreSQL reports for
the events partitions (heap + TOAST + indexes) and scales them to a flat-year. The
scratch database is dropped afterwards.

On TimescaleDB it then compresses every chunk (as the 7-day policy would) and measures
again: `compressed_*` figures. Face data (`event_faces`, kept only
ANJU_PLATFORM_FACE_DATA_DAYS) is reported apart, not in the per-event figures."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anju_sim.model import Portfolio

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

_SIZES = """
SELECT coalesce(sum(pg_table_size(i.inhrelid)), 0),
       coalesce(sum(pg_indexes_size(i.inhrelid)), 0),
       coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)
FROM pg_inherits i WHERE i.inhparent = 'events'::regclass
"""
_HYPERTABLE_SIZES = (
    "SELECT table_bytes, index_bytes, total_bytes FROM hypertable_detailed_size('events')"
)
_PEAK = """
SELECT coalesce(max(n), 0) FROM (
  SELECT time_bucket('1 minute', time) AS minute, count(*) AS n FROM events GROUP BY 1
) m
"""
_PAYLOAD = "SELECT avg(pg_column_size(payload)), avg(pg_column_size(e.*)) FROM events e"
_FACES = "SELECT pg_total_relation_size('event_faces'), (SELECT count(*) FROM event_faces)"
_COMPRESS = (
    "SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks('events') c"
)


def load_simulated(
    url: str,
    pf: Portfolio,
    days: range | None = None,
    batch: int = 5000,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Store a portfolio's events through ingest's Store; returns how many were new."""
    from anju_ingest.decode import to_row
    from anju_ingest.store import Store
    from anju_sim.portfolio import iter_day_events

    store = Store(url)
    total = 0
    try:
        for day in iter_day_events(pf, days):
            for i in range(0, len(day), batch):
                chunk = day[i : i + batch]
                models = [ev.model() for ev in chunk]
                rows = [to_row(m) for m in models]
                total += store.write(rows, [], models)
                if on_batch:
                    on_batch(len(chunk))
    finally:
        store.close()
    return total


def measure(url: str) -> dict[str, float]:
    """Sizes of the events table (all partitions or chunks) in bytes."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE events")
        timescale = conn.execute(
            "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone()
        is_timescale = bool(timescale and timescale[0])
        sql = _HYPERTABLE_SIZES if is_timescale else _SIZES
        row = conn.execute(sql).fetchone()
        count = conn.execute("SELECT count(*) FROM events").fetchone()
        payload = conn.execute(_PAYLOAD).fetchone()
        peak = conn.execute(_PEAK).fetchone()
        faces = conn.execute(_FACES).fetchone()
        compressed = None
        if is_timescale:
            conn.execute(_COMPRESS)
            conn.execute("VACUUM ANALYZE events")
            compressed = conn.execute(_HYPERTABLE_SIZES).fetchone()
    assert row and count and payload and peak and faces
    more = {}
    if compressed:
        more = {
            "compressed_table_bytes": int(compressed[0]),
            "compressed_index_bytes": int(compressed[1]),
            "compressed_total_bytes": int(compressed[2]),
        }
    return more | {
        "event_faces_bytes": int(faces[0]),
        "event_faces_rows": int(faces[1]),
        "events": int(count[0]),
        "table_bytes": int(row[0]),
        "index_bytes": int(row[1]),
        "total_bytes": int(row[2]),
        "avg_payload_bytes": float(payload[0] or 0),
        "avg_row_bytes": float(payload[1] or 0),
        "peak_minute_events": int(peak[0]),
    }


_COLUMNS = (
    "time, event_id, kind, estate_id, gateway_id, device_id, door_id, direction, "
    "credential_type, credential_ref, person_id, granted, received_at, payload"
)


def compression_proxy(url: str, segment: int = 1000) -> int:
    """Bytes the events would take as columns of `segment` rows per estate in time order,
    each column block zlib-compressed: a stand-in for TimescaleDB's columnar compression
    (segmentby estate_id, orderby time), which cannot run where the extension is absent.
    Not TimescaleDB's own algorithms (delta-of-delta, dictionary, LZ): a proxy only."""
    import zlib

    import psycopg

    total = 0
    with psycopg.connect(url) as conn, conn.cursor(name="anju_proxy") as cur:
        cur.itersize = 10000
        cur.execute(f"SELECT {_COLUMNS} FROM events ORDER BY estate_id, time")
        block: list[tuple[object, ...]] = []
        estate = None

        def flush() -> int:
            size = 0
            for col in zip(*block, strict=True):
                text = "\0".join("" if v is None else str(v) for v in col)
                size += len(zlib.compress(text.encode(), 6))
            return size

        for row in cur:
            if block and (row[3] != estate or len(block) >= segment):
                total += flush()
                block = []
            estate = row[3]
            block.append(row)
        if block:
            total += flush()
    return total


def run(
    flats: int = 300,
    days: int = 30,
    seed: int = 20260101,
    server_url: str | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, object]:
    """Load `days` simulated days of about `flats` flats, measure, scale to a flat-year."""
    import psycopg

    from anju_bench.servers import scratch_database
    from anju_sim.params import scaled_params
    from anju_sim.portfolio import generate

    server = server_url or os.environ.get("ANJU_TEST_DATABASE_URL", DEFAULT_SERVER)
    pf = generate(scaled_params(flats, seed, days))
    with scratch_database(server, prefix="anju_bench_storage") as url:
        from anju_sim.dbload import load_register

        with psycopg.connect(url) as conn:
            load_register(conn, pf)
        t0 = time.perf_counter()
        stored = load_simulated(url, pf, on_batch=on_batch)
        load_s = time.perf_counter() - t0
        sizes = measure(url)
        proxy = compression_proxy(url)
    n_flats = len(pf.register.units)
    events = int(sizes["events"])
    faces = int(sizes["event_faces_rows"])
    per_event = sizes["total_bytes"] / events if events else 0.0
    events_per_flat_day = events / (n_flats * days)
    return {
        "flats": n_flats,
        "days": days,
        "seed": seed,
        "events": events,
        "stored": stored,
        "load_s": round(load_s, 2),
        "events_per_s": round(events / load_s) if load_s else 0,
        "events_per_flat_day": round(events_per_flat_day, 2),
        "table_bytes": int(sizes["table_bytes"]),
        "index_bytes": int(sizes["index_bytes"]),
        "total_bytes": int(sizes["total_bytes"]),
        "bytes_per_event": round(per_event, 1),
        "avg_payload_bytes": round(sizes["avg_payload_bytes"], 1),
        "avg_row_bytes": round(sizes["avg_row_bytes"], 1),
        "peak_minute_events": int(sizes["peak_minute_events"]),
        "peak_events_per_s_per_1000_flats": round(
            sizes["peak_minute_events"] / 60 * 1000 / n_flats, 2
        ),
        "mb_per_flat_year": round(per_event * events_per_flat_day * 365 / 1e6, 2),
        "gb_per_1000_flats_year": round(per_event * events_per_flat_day * 365 * 1000 / 1e9, 2),
        "proxy_compressed_bytes_per_event": round(proxy / events, 1) if events else 0.0,
        "proxy_ratio_vs_table": round(sizes["table_bytes"] / proxy, 1) if proxy else 0.0,
        # face data, kept ANJU_PLATFORM_FACE_DATA_DAYS (60) days, not for the year
        "event_faces_rows": int(sizes["event_faces_rows"]),
        "event_faces_bytes_per_row": round(sizes["event_faces_bytes"] / faces, 1) if faces else 0.0,
    } | _compressed(sizes, events, events_per_flat_day)


def _compressed(sizes: dict[str, float], events: int, per_flat_day: float) -> dict[str, object]:
    """TimescaleDB only: the same figures once every chunk is compressed."""
    if "compressed_total_bytes" not in sizes or not events:
        return {}
    per_event = sizes["compressed_total_bytes"] / events
    return {
        "compressed_table_bytes": int(sizes["compressed_table_bytes"]),
        "compressed_index_bytes": int(sizes["compressed_index_bytes"]),
        "compressed_total_bytes": int(sizes["compressed_total_bytes"]),
        "compressed_bytes_per_event": round(per_event, 1),
        "compression_ratio": round(sizes["total_bytes"] / sizes["compressed_total_bytes"], 2),
        "compressed_mb_per_flat_year": round(per_event * per_flat_day * 365 / 1e6, 3),
        "compressed_gb_per_1000_flats_year": round(per_event * per_flat_day * 365 * 1000 / 1e9, 3),
    }
