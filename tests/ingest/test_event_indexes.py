"""The events table has the same indexes on plain PostgreSQL and on TimescaleDB: not the
time-only index create_hypertable adds (issue 20 item 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from anju_common.migrate import has_timescale, migrate
from anju_ingest.decode import to_row
from anju_ingest.store import Store

from .helpers import register_gateway, sample_events

pytestmark = pytest.mark.both_databases

# what every event-table read uses (the unique key, estate + time, credentials,
# persons, arrivals); its name differs by branch only for the unique key
EXPECTED = {"events_estate_time", "events_credential", "events_person", "events_received_brin"}


def _indexes(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'events'")
    return {r[0] for r in rows} - {"events_event_id_time", "events_event_id_time_key"}


def _chunk_time_indexes(conn: psycopg.Connection) -> int:
    """Indexes on time alone on any partition or chunk (compressed ones included)."""
    row = conn.execute(
        """SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING btree ("time" DESC)'"""
    ).fetchone()
    return int(row[0]) if row else 0


def test_no_time_only_index(pg_url: str) -> None:
    """Failed before on TimescaleDB: events_time_idx on the hypertable and every chunk."""
    register_gateway(pg_url)
    store = Store(pg_url)
    try:
        store.write([to_row(e) for e in sample_events(20)], [], [])
    finally:
        store.close()
    with psycopg.connect(pg_url) as conn:
        assert _indexes(conn) == EXPECTED
        assert _chunk_time_indexes(conn) == 0


def test_migration_drops_it_from_compressed_chunks(pg_url: str) -> None:
    """A database made before the migration, with compressed history on TimescaleDB: the
    index goes from the hypertable and every chunk, and the events read as before. (On
    native partitions, which never had it, the same holds for one made by hand.)"""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        timescale = has_timescale(conn)
        conn.execute("CREATE INDEX events_time_idx ON events (time DESC)")
        conn.execute("DELETE FROM schema_migrations WHERE version = '0011_tsdb2_events_time_idx'")
    register_gateway(pg_url)
    old = datetime.now(UTC) - timedelta(days=10)
    events = sample_events(10, start=old) + sample_events(10)
    store = Store(pg_url)
    try:
        store.write([to_row(e) for e in events], [], [])
    finally:
        store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        if timescale:
            conn.execute(
                "SELECT compress_chunk(c) FROM show_chunks('events', older_than => now()"
                " - interval '5 days') c"
            )
        assert _chunk_time_indexes(conn) >= 3  # table, fresh day, old (compressed) day
        assert migrate(conn) == ["0011_tsdb2_events_time_idx"]
        assert _chunk_time_indexes(conn) == 0
        assert _indexes(conn) == EXPECTED
        row = conn.execute("SELECT count(*), min(time) FROM events").fetchone()
    assert row is not None and row[0] == 20 and row[1] == events[0].time
