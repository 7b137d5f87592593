"""The pass runs its session in UTC (psycopg then gives datetime.timezone.utc, much
cheaper per value than a ZoneInfo) and gives the caller's session back as it was."""

from __future__ import annotations

from datetime import UTC

import psycopg
import pytest

from anju_platform.detect import repo


def _zone(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT current_setting('TimeZone')").fetchone()
    assert row is not None
    return str(row[0])


def test_utc_while_the_pass_runs_then_the_zone_as_it_was(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        with repo.utc_session(conn):
            assert _zone(conn) == "UTC"
            got = conn.cursor(binary=True).execute("SELECT now()").fetchone()
            assert got is not None and got[0].tzinfo is UTC
        assert _zone(conn) == "Asia/Shanghai"


def test_an_error_inside_a_transaction_is_the_one_raised(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:  # not autocommit: one transaction
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        conn.commit()
        with pytest.raises(psycopg.errors.DivisionByZero), repo.utc_session(conn):
            conn.execute("SELECT 1 / 0")
        conn.rollback()
        assert _zone(conn) == "Asia/Shanghai"  # the rollback undid the SET
