"""The event store's partition upkeep, on plain PostgreSQL (native day partitions) and on
TimescaleDB (hypertable chunks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from anju_bench.servers import scratch_database
from anju_common.migrate import event_store, has_timescale, migrate, reorder_partitions
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


def _estates_in_page_order(conn: psycopg.Connection, partition: str) -> list[str]:
    """The estates of a partition's rows in physical order, runs collapsed."""
    rows = conn.execute(f"SELECT estate_id FROM {partition} ORDER BY ctid").fetchall()
    runs: list[str] = []
    for (estate,) in rows:
        if not runs or runs[-1] != estate:
            runs.append(estate)
    return runs


def test_maintenance_rewrites_old_days_in_estate_order(pg_url: str) -> None:
    """Native partitions: a day at least reorder_after_days old is rewritten once with
    each estate's rows together (an estate's day on its own pages; migration 0014), the
    newest days first and REORDER_PER_RUN a run; newer days stay in arrival order, and
    the rows are the same. TimescaleDB: nothing to do (compression segments by estate)."""
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=k) for k in (5, 4, 3, 1)]
    with psycopg.connect(pg_url) as conn:
        timescale = has_timescale(conn)
        if not timescale:
            conn.execute("SELECT anju_ensure_partitions(%s, %s)", (days[0], days[-1]))
        # arrival order: the estates interleaved, one event each a minute
        conn.execute(
            "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
            " payload) SELECT d + m * interval '1 minute', gen_random_uuid(), 'access',"
            " 'E' || (m %% 3), 'G1', 'D1', '{}' FROM unnest(%s::date[]) d,"
            " generate_series(0, 299) m",
            (days,),
        )
        conn.commit()
        before = conn.execute("SELECT count(*), sum(hashtext(event_id::text)) FROM events")
        counts = before.fetchone()
    store = Store(pg_url)
    first = store.reorder(after_days=2)
    second = store.reorder(after_days=2)
    third = store.reorder(after_days=2)
    store.close()
    with psycopg.connect(pg_url) as conn:
        after = conn.execute("SELECT count(*), sum(hashtext(event_id::text)) FROM events")
        assert after.fetchone() == counts
        if timescale:
            assert (first, second) == (0, 0)
            return
        assert (first, second, third) == (2, 1, 0)  # newest first, 2 a run
        for day in days[:3]:
            assert sorted(_estates_in_page_order(conn, f"events_p{day:%Y%m%d}")) == [
                "E0",
                "E1",
                "E2",
            ]
        assert len(_estates_in_page_order(conn, f"events_p{days[3]:%Y%m%d}")) == 300


def test_reorder_leaves_a_day_a_reader_holds_for_the_next_run(pg_url: str) -> None:
    """`anju db maintain` rewrites every old day, one transaction each; a day a long
    reader holds is not waited for (it would queue every writer behind the rewrite's
    lock) but left for the next run, and the other days are done."""
    today = datetime.now(UTC).date()
    held, other = today - timedelta(days=3), today - timedelta(days=4)
    before = today - timedelta(days=2)  # (migrate made yesterday's partition)
    with psycopg.connect(pg_url) as conn:
        if has_timescale(conn):
            assert reorder_partitions(conn, before) == 0
            return
        conn.execute("SELECT anju_ensure_partitions(%s, %s)", (other, held))
        conn.commit()
        with psycopg.connect(pg_url) as reader:
            reader.execute(f"SELECT count(*) FROM events_p{held:%Y%m%d}").fetchone()
            seen: list[tuple[int, int]] = []
            assert reorder_partitions(conn, before, lambda i, n: seen.append((i, n))) == 1
            assert seen == [(1, 2), (2, 2)]
            reader.rollback()
        assert reorder_partitions(conn, before) == 1
        assert reorder_partitions(conn, before) == 0


def test_one_rewriter_at_a_time(pg_url: str) -> None:
    """Every ingest worker runs the hourly maintenance: while one rewrites days, another
    does nothing rather than rewrite the same day again."""
    today = datetime.now(UTC).date()
    day = today - timedelta(days=3)
    with psycopg.connect(pg_url) as conn:
        if has_timescale(conn):
            return
        conn.execute("SELECT anju_ensure_partitions(%s, %s)", (day, day))
        conn.commit()
        with psycopg.connect(pg_url) as other:
            other.execute("SELECT pg_advisory_xact_lock(hashtext('anju_reorder_partitions'))")
            busy = conn.execute("SELECT anju_reorder_partitions(%s, 2)", (day + timedelta(1),))
            assert busy.fetchone() == (0,)
            conn.commit()
            other.rollback()
        done = conn.execute("SELECT anju_reorder_partitions(%s, 2)", (day + timedelta(1),))
        assert done.fetchone() == (1,)
