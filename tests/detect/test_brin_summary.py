"""The real-time loop keeps the received_at BRIN index summarised: without it every page
of a bulk-loaded partition matches the loop's query (autosummarize needs autovacuum)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from anju_platform.detect import repo

pytestmark = pytest.mark.both_databases

QUERY = "SELECT count(*) FROM events WHERE received_at > %s"


def _lossy_blocks(conn: psycopg.Connection, after: datetime) -> int:
    plan = "\n".join(
        r[0]
        for r in conn.execute(
            "EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM events WHERE received_at > %s",
            (after,),
        )
    )
    return sum(int(n) for n in re.findall(r"lossy=(\d+)", plan))


def test_summarize_arrivals_narrows_the_realtime_scan(pg_url: str) -> None:
    now = datetime.now(UTC)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("SELECT anju_ensure_partitions(%s, %s)", (now.date(), now.date()))
        conn.execute("SET enable_seqscan = off")  # the planner would seq-scan a small table
        with conn.cursor().copy(
            "COPY events (time, event_id, kind, estate_id, gateway_id, device_id, payload,"
            " received_at) FROM STDIN"
        ) as cp:
            for i in range(30000):
                cp.write_row(
                    (now, uuid.uuid4(), "heartbeat", "E", "G", "d", "{}",
                     now - timedelta(hours=2) + timedelta(milliseconds=i))
                )  # fmt: skip
        after = now - timedelta(minutes=5)  # newer than every row: nothing should be read
        before = _lossy_blocks(conn, after)
        repo.summarize_arrivals(conn)
        assert before > 100  # unsummarised: every page was a candidate
        assert _lossy_blocks(conn, after) == 0
        n = conn.execute(QUERY, (after,)).fetchone()
        assert n == (0,)
