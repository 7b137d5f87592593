"""Where an estate's run starts and ends: its first and last access, face or QR event
(migration 0015 probes native day partitions one at a time). Real PostgreSQL and
TimescaleDB, events spread over days with days before, between and ahead empty."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from anju_platform.detect import repo

pytestmark = pytest.mark.both_databases

T0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _insert(conn: psycopg.Connection, estate: str, kind: str, t: datetime) -> None:
    conn.execute(
        "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id, payload)"
        " VALUES (%s, %s, %s, %s, 'G1', 'D1', '{}')",
        (t, uuid.uuid4(), kind, estate),
    )


def test_event_span_is_the_estates_first_and_last_event(pg_url: str) -> None:
    rnd = random.Random(7)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        # empty days around and between the estates' (the days made ahead too)
        conn.execute("SELECT anju_ensure_partitions(%s, %s)", (T0.date(), (T0 + 40 * DAY).date()))
        for _ in range(200):
            estate = rnd.choice(["E1", "E2"])
            start = 5 if estate == "E1" else 12  # E2 starts a week later
            t = T0 + (start + rnd.random() * 15) * DAY
            _insert(conn, estate, rnd.choice(["access", "face", "qr"]), t)
        # what the span leaves out: other kinds (a heartbeat days after the last entry)
        _insert(conn, "E1", "heartbeat", T0 + 30 * DAY)
        _insert(conn, "E1", "status", T0 + 2 * DAY)
        _insert(conn, "E3", "heartbeat", T0 + 3 * DAY)
        for estate in ("E1", "E2", "E3", "E4"):
            expected = conn.execute(
                "SELECT min(time), max(time) FROM events WHERE estate_id = %s"
                " AND kind IN ('access', 'face', 'qr')",
                (estate,),
            ).fetchone()
            assert repo.event_span(conn, estate) == expected
        first, last = repo.event_span(conn, "E2")
        assert first is not None and last is not None and first >= T0 + 12 * DAY
        assert repo.event_span(conn, "E3") == (None, None)
