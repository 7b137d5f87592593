"""Apply the ordered SQL migrations in this package. Idempotent: each file runs once,
recorded in schema_migrations, under an advisory lock so concurrent starts are safe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

MIGRATION_LOCK = 7_316_001


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str


def load_migrations() -> list[Migration]:
    files = resources.files("anju_common.migrations")
    out = [
        Migration(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8"))
        for f in files.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(out, key=lambda m: m.version)


def migrate(
    conn: psycopg.Connection,
    *,
    partitions_ahead_days: int = 7,
    retention_days: int | None = None,
) -> list[str]:
    """Apply pending migrations; returns the versions applied now. With retention_days,
    also (re)configure event retention."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        for m in load_migrations():
            if m.version in done:
                continue
            conn.execute(m.sql.encode())  # whole file, several statements
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (m.version,))
            applied.append(m.version)
        if retention_days is not None:
            conn.execute("SELECT anju_configure_retention(%s)", (retention_days,))
    ensure_partitions(conn, datetime.now(UTC) - timedelta(days=1), partitions_ahead_days)
    return applied


def ensure_partitions(conn: psycopg.Connection, start: datetime, ahead_days: int) -> int:
    """Create native day partitions from `start` to today + ahead (no-op on Timescale)."""
    today = datetime.now(UTC).date()
    row = conn.execute(
        "SELECT anju_ensure_partitions(%s, %s)",
        (start.date(), today + timedelta(days=ahead_days)),
    ).fetchone()
    conn.commit()
    return int(row[0]) if row else 0


def event_store(conn: psycopg.Connection) -> str:
    """Which event store the migration chose, and why (kept by migration 0002)."""
    row = conn.execute("SELECT value FROM anju_settings WHERE key = 'event_store'").fetchone()
    if row:
        return str(row[0])
    # databases made before the reason was kept
    return "TimescaleDB hypertable" if has_timescale(conn) else "native day partitions"


def has_timescale(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    return bool(row and row[0])


def reorder_pending(conn: psycopg.Connection, before: date) -> list[date]:
    """Native day partitions before `before` not yet rewritten in estate order, newest
    first (none on TimescaleDB)."""
    rows = conn.execute("SELECT day FROM anju_unordered_days(%s)", (before,)).fetchall()
    conn.commit()
    return [r[0] for r in rows]


def reorder_partitions(
    conn: psycopg.Connection, before: date, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rewrite every native day partition before `before` in estate order (migration
    0014), the newest first, one day per transaction so each day's lock ends with its
    rewrite. Returns how many were rewritten: a day another session holds (a long
    reader) is left for the next run."""
    days = reorder_pending(conn, before)
    done = 0
    for i, day in enumerate(days):
        # the newest pending day before day + 1: this one
        row = conn.execute(
            "SELECT anju_reorder_partitions(%s, 1)", (day + timedelta(days=1),)
        ).fetchone()
        conn.commit()
        done += int(row[0]) if row else 0
        if progress:
            progress(i + 1, len(days))
    return done
