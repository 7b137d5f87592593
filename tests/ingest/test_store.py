"""The event store's partition upkeep, on plain PostgreSQL (native day partitions) and on
TimescaleDB (hypertable chunks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from anju_bench.servers import scratch_database
from anju_common.migrate import event_store, has_timescale, migrate
from anju_ingest.store import Store
from tests.waiting import wait_for

pytestmark = pytest.mark.both_databases


def _partitions(url: str) -> set[str]:
    """Native day partitions by name; on TimescaleDB, chunks by their first day's name."""
    with psycopg.connect(url) as conn:
        if has_timescale(conn):
            rows = conn.execute(
                "SELECT 'events_p' || to_char(range_start AT TIME ZONE 'UTC', 'YYYYMMDD')"
                " FROM timescaledb_information.chunks WHERE hypertable_name = 'events'"
            ).fetchall()
        else:
            rows = conn.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'events'::regclass"
            ).fetchall()
    return {r[0] for r in rows}


def test_maintenance_creates_ahead_and_applies_retention(pg_url: str) -> None:
    """Native partitions: made ahead, dropped past retention. TimescaleDB makes a chunk
    when a row arrives (nothing ahead) and maintain's drop_chunks reports what it
    dropped (it said 0 while dropping 36)."""
    today = datetime.now(UTC).date()
    with psycopg.connect(pg_url) as conn:
        migrate(conn, retention_days=30)  # already migrated: only configures retention
        timescale = has_timescale(conn)
        first, last = today - timedelta(days=40), today - timedelta(days=25)
        if timescale:  # one event a day makes the day's chunk
            conn.execute(
                "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
                " payload) SELECT d + interval '12 hours', gen_random_uuid(), 'heartbeat',"
                " 'E1', 'G1', 'D1', '{}' FROM generate_series(%s::date, %s::date,"
                " interval '1 day') d",
                (first, last),
            )
        else:
            conn.execute("SELECT anju_ensure_partitions(%s, %s)", (first, last))
        conn.commit()
    old = f"events_p{(today - timedelta(days=35)):%Y%m%d}"
    kept = f"events_p{(today - timedelta(days=29)):%Y%m%d}"
    assert old in _partitions(pg_url)
    store = Store(pg_url)
    made, dropped = store.maintain(ahead_days=10)
    store.close()
    parts = _partitions(pg_url)
    assert old not in parts and kept in parts
    assert dropped == 10  # days 40..31 ago
    if timescale:
        assert made == 0 and len(parts) == 6  # days 30..25 ago
    else:
        assert f"events_p{(today + timedelta(days=10)):%Y%m%d}" in parts
        assert made >= 1


def test_idempotent_migrate(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        assert migrate(conn) == []
        assert migrate(conn, retention_days=90) == []
        row = conn.execute(
            "SELECT value FROM anju_settings WHERE key = 'event_retention_days'"
        ).fetchone()
    assert row == ("90",)


def test_worker_slots_are_reused_by_replacements(pg_url: str) -> None:
    a, b = Store(pg_url), Store(pg_url)
    assert (a.claim_slot("g"), b.claim_slot("g")) == (0, 1)
    assert Store(pg_url).claim_slot("other-group") == 0
    pid = a._c().info.backend_pid
    a.close()  # worker 0 dies: its connection, and so its slot, goes
    # ... once its server process has exited, which on a busy box may take a moment
    with psycopg.connect(pg_url, autocommit=True) as conn:
        gone = "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)"
        wait_for(lambda: conn.execute(gone, (pid,)).fetchone()[0], 10, "worker 0's exit")
    c = Store(pg_url)
    assert c.claim_slot("g") == 0
    b.close()
    c.close()


def test_extension_installed_but_not_preloaded_takes_native_partitions_and_says_why() -> None:
    """Issue 20 item 6: the migration chose the hypertable when the extension was merely
    available (pg_available_extensions), and failed where it is not preloaded. It now
    creates the extension only where that can work, else makes day partitions, and
    says which and why."""
    from tests.conftest import SHARED
    from tests.pgservers import private_postgres, timescaledb_bindir

    bindir, why = timescaledb_bindir(SHARED)
    if bindir is None:
        pytest.skip(why)
    with (
        private_postgres(bindir) as pg,  # not preloaded
        scratch_database(pg.url) as url,
        psycopg.connect(url) as conn,
    ):
        available = conn.execute(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
        assert available == (1,)
        assert not has_timescale(conn)
        store = event_store(conn)
        assert len(_partitions(url)) >= 1  # migrate made today's day partitions
    assert store.startswith("native day partitions: the timescaledb extension is installed")
    assert "shared_preload_libraries" in store, store


def test_migrate_says_which_event_store(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        store = event_store(conn)
        timescale = has_timescale(conn)
    if timescale:
        assert store.startswith("TimescaleDB hypertable: extension timescaledb 2.")
    else:
        assert store.startswith("native day partitions:")
