"""Backups as docs/deploy.md describes them: `pg_dump -Fc` of a demo database (the
demo's simulated estate, its events, alerts with evidence, cases and accounts) restored
with `pg_restore` into a fresh database gives the same alerts, the same rows in every
table, a schema `anju db migrate` finds up to date, and sequences that continue.

Uses the machine's PostgreSQL 15 client tools against the shared server (scratch
databases). TimescaleDB adds `timescaledb_pre_restore()` / `timescaledb_post_restore()`
around the restore (docs/deploy.md); that server is not on these machines."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from anju_bench.detect_load import load_events
from anju_bench.servers import scratch_database
from anju_cli.demo_console import seed_accounts
from anju_cli.demo_source import SimSource
from anju_platform.services.care import sync_job as care_sync_job
from anju_platform.services.cases import sync_job
from anju_platform.settings import PlatformSettings
from anju_platform.settings_access import AuthSettings
from tests.conftest import PG_SERVER

ANJU = [sys.executable, "-m", "anju_cli.main"]
ALERTS = (
    "SELECT a.alert_id, a.unit_id, a.type, a.status, a.score, a.reason_en, a.first_day,"
    " a.last_day, a.opened_at, (SELECT jsonb_agg(to_jsonb(e) ORDER BY to_jsonb(e)::text)"
    " FROM alert_evidence e WHERE e.alert_id = a.alert_id) FROM alerts a ORDER BY a.alert_id"
)


def _tables(conn: psycopg.Connection) -> dict[str, int]:
    """Rows per table of the public schema (partitions counted through their parent)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            " ORDER BY 1"
        )
    ]
    out = {}
    for name in names:
        row = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        out[name] = int(row[0]) if row else 0
    return out


def _run(argv: list[str], url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANJU_", "DATABASE_"))}
    return subprocess.run(
        argv, env=env | {"DATABASE_URL": url}, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_pg_dump_of_a_demo_database_restores_the_same_alerts(tmp_path: Path) -> None:
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), "postgresql-client"
    source = SimSource(rate=20)  # the demo's estate: 60 flats, the month to yesterday
    with scratch_database(PG_SERVER, prefix="anju_backup_src") as src:
        with psycopg.connect(src) as conn:
            source.seed(conn)
            events = load_events(conn, source.portfolio)
            seed_accounts(conn, tmp_path, source.estate)
        detect = _run([*ANJU, "detect", "--workers", "1"], src)
        assert detect.returncode == 0, detect.stderr[-2000:]
        with psycopg.connect(src, autocommit=True) as conn:
            settings = PlatformSettings(auth=AuthSettings(secret_key=SecretStr("x" * 32)))
            sync_job(conn, settings)  # cases for the alerts
            care_sync_job(conn, settings)  # care tasks for the welfare alerts
            before = conn.execute(ALERTS).fetchall()
            tables = _tables(conn)
        tasks = tables["cases"] + tables["care_tasks"]
        assert events > 10_000 and len(before) > 0 and tasks == len(before)

        dump = tmp_path / "anju.dump"
        made = _run(["pg_dump", "-Fc", "-f", str(dump), src], src)
        assert made.returncode == 0, made.stderr

    with scratch_database(PG_SERVER, prefix="anju_backup_dst", migrate=False) as dst:
        restored = _run(["pg_restore", "--exit-on-error", "--no-owner", "-d", dst, str(dump)], dst)
        assert restored.returncode == 0, restored.stderr
        with psycopg.connect(dst, autocommit=True) as conn:
            assert conn.execute(ALERTS).fetchall() == before
            assert _tables(conn) == tables
        migrate = _run([*ANJU, "db", "migrate"], dst)
        assert migrate.returncode == 0 and "schema up to date" in migrate.stderr, migrate.stderr
        again = _run([*ANJU, "detect", "--workers", "1"], dst)  # nothing left to do
        assert again.returncode == 0, again.stderr[-2000:]
        with psycopg.connect(dst, autocommit=True) as conn:
            assert conn.execute(ALERTS).fetchall() == before
            top = max(row[0] for row in before)
            nxt = conn.execute("SELECT nextval('alerts_alert_id_seq')").fetchone()
            assert nxt is not None and nxt[0] > top  # new alerts will not collide
