"""The building pins' unknown faces come from the events the pass read (facelog), not
from SQL: they must be what SQL gives, and a day's events read as before. Real
PostgreSQL, generated events."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg

from anju_platform.detect import facelog, repo, repo_building
from anju_platform.detect.passages import EventRow, content_order

T0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # a local midnight (UTC+8)
DAY = timedelta(days=1)


def joined(conn: psycopg.Connection, estate: str, a: datetime, b: datetime) -> list[EventRow]:
    """The read as it was: one left join, ordered by time."""
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            f"SELECT {repo._EVENT_COLS} FROM events e LEFT JOIN event_faces f"
            " ON f.event_id = e.event_id AND f.time = e.time"
            " AND f.estate_id = %(e)s AND f.time >= %(a)s AND f.time < %(b)s"
            " WHERE e.estate_id = %(e)s AND e.time >= %(a)s AND e.time < %(b)s"
            " AND e.kind IN ('access', 'face', 'qr') ORDER BY e.time, e.event_id",
            {"e": estate, "a": a, "b": b},
        ).fetchall()
    out = [repo._row(r) for r in rows]
    content_order(out)
    return out


def same(a: list[EventRow], b: list[EventRow]) -> bool:
    def key(e: EventRow) -> tuple[Any, ...]:
        emb = None if e.embedding is None else (e.embedding.dtype.str, e.embedding.tobytes())
        return (*e[:14], emb, *e[15:])

    return [key(e) for e in a] == [key(e) for e in b]


def load(conn: psycopg.Connection, seed: int) -> None:
    rnd = random.Random(seed)
    conn.execute("INSERT INTO estates (estate_id, name) VALUES ('E1', 'E1'), ('E2', 'E2')")
    conn.execute("SELECT anju_ensure_partitions(%s, %s)", (T0.date(), (T0 + 5 * DAY).date()))
    for n in range(600):
        estate = rnd.choice(["E1", "E1", "E2"])
        t = T0 + timedelta(seconds=rnd.randrange(4 * 86400) // 30 * 30)  # many ties
        kind = rnd.choice(["face", "face", "access", "qr", "status"])
        eid = uuid.uuid4()
        person = rnd.choice([None, None, "P1"]) if kind == "face" else None
        payload = {"distance": 0.41, "second_distance": 0.7} if kind == "face" else {}
        conn.execute(
            "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
            " direction, credential_type, credential_ref, person_id, granted, payload)"
            " VALUES (%s, %s, %s, %s, %s, 'd', 'in', %s, %s, %s, %s, %s)",
            (t, eid, kind, estate, rnd.choice(["G1", "G2"]),
             "card" if kind == "access" else None, f"c{n % 7}" if kind != "face" else None,
             person, kind == "access", psycopg.types.json.Jsonb(payload)),
        )  # fmt: skip
        # faces mostly with their face row, some without; now and then a face row beside
        # an access event, or without an embedding
        if (kind == "face" and n % 9) or (kind == "access" and n % 50 == 0):
            emb = None if n % 23 == 0 else np.float32(rnd.random()) + np.zeros(128, "<f4")
            conn.execute(
                "INSERT INTO event_faces (event_id, time, estate_id, person_id, embedding,"
                " snapshot_ref, model) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (eid, t, estate, person, None if emb is None else emb.tobytes(), f"s{n}",
                 None if n % 3 else "m2"),
            )  # fmt: skip


def test_day_events_as_read_before(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        load(conn, 1)
        seen = 0
        for estate in ("E1", "E2"):
            for d in range(5):
                a, b = T0 + d * DAY, T0 + (d + 1) * DAY
                got = repo.events(conn, estate, a, b)
                want = joined(conn, estate, a, b)
                assert same(
                    sorted(got, key=lambda e: e.event_id), sorted(want, key=lambda e: e.event_id)
                )
                seen += len(got)
        assert seen > 400


def test_unknown_faces_from_the_days_read(pg_url: str) -> None:
    def faces(got: tuple[list[datetime], np.ndarray]) -> list[tuple[datetime, bytes]]:
        assert got[1].dtype == np.float32 and got[1].shape == (len(got[0]), 128)
        return sorted(zip(got[0], [f.tobytes() for f in got[1]], strict=True))

    with psycopg.connect(pg_url, autocommit=True) as conn:
        load(conn, 2)
        with facelog.kept(conn, "E1", timedelta(days=2)) as log:
            for d in range(1, 5):  # the first day is not read: asked of SQL
                repo.events(conn, "E1", T0 + d * DAY, T0 + (d + 1) * DAY)
            assert len(log.spans) == 2  # older days dropped
            for start, end in [
                (T0 + 3 * DAY + timedelta(hours=5), T0 + 4 * DAY + timedelta(hours=7)),
                (T0 + timedelta(hours=3), T0 + 4 * DAY + timedelta(hours=1)),  # partly before
                (T0 + 3 * DAY, T0 + 6 * DAY),  # beyond what was read
                (T0 - DAY, T0 + timedelta(hours=9)),  # only before
            ]:
                for gw in ("G1", "G2"):
                    want = repo_building._unknown_faces(conn, "E1", gw, start, end)
                    got = repo_building.unknown_faces(conn, "E1", gw, start, end)
                    assert faces(got) == faces(want)
        assert facelog.of(conn, "E1") is None  # nothing kept after the pass
