"""The building pins' unknown faces come from the events the pass read (facelog), not
from SQL: they must be what SQL gives; and a day's events are read as they were inserted.
Real PostgreSQL, generated events."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
import pytest

from anju_platform.detect import facelog, repo, repo_building
from anju_platform.detect.passages import EventRow, content_key, content_order

T0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # a local midnight (UTC+8)
DAY = timedelta(days=1)


def by_id(e: EventRow) -> str:
    return e.event_id


def same(a: list[EventRow], b: list[EventRow]) -> bool:
    def key(e: EventRow) -> tuple[Any, ...]:
        emb = None if e.embedding is None else (e.embedding.dtype.str, e.embedding.tobytes())
        return (*e[:14], emb, *e[15:])

    return [key(e) for e in a] == [key(e) for e in b]


def load(conn: psycopg.Connection, seed: int) -> list[tuple[str, EventRow]]:
    """Insert random events of two estates; (estate, the row the pass should read) for
    each access, face and QR event, as built from what was inserted."""
    rnd = random.Random(seed)
    out: list[tuple[str, EventRow]] = []
    conn.execute("INSERT INTO estates (estate_id, name) VALUES ('E1', 'E1'), ('E2', 'E2')")
    conn.execute("SELECT anju_ensure_partitions(%s, %s)", (T0.date(), (T0 + 5 * DAY).date()))
    for n in range(600):
        estate = rnd.choice(["E1", "E1", "E2"])
        t = T0 + timedelta(seconds=rnd.randrange(4 * 86400) // 30 * 30)  # many ties
        kind = rnd.choice(["face", "face", "access", "qr", "status"])
        eid = uuid.uuid4()
        person = rnd.choice([None, None, "P1"]) if kind == "face" else None
        gw, ref = rnd.choice(["G1", "G2"]), f"c{n % 7}" if kind != "face" else None
        payload: dict[str, Any] = {}
        if kind == "face":
            payload = {"distance": 0.41, "second_distance": 0.7}
        elif kind == "access" and n % 4 == 0:
            payload = {"reason": "expired"}
        elif kind == "qr":
            payload = {"purpose": "visitor_pass", "unit_id": f"U{n % 5}"}
        conn.execute(
            "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
            " direction, credential_type, credential_ref, person_id, granted, payload)"
            " VALUES (%s, %s, %s, %s, %s, 'd', 'in', %s, %s, %s, %s, %s)",
            (t, eid, kind, estate, gw, "card" if kind == "access" else None, ref,
             person, kind == "access", psycopg.types.json.Jsonb(payload)),
        )  # fmt: skip
        face: dict[str, Any] = {}
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
            face = {"snapshot_ref": f"s{n}", "embedding": emb}
            face["face_model"] = "dlib_resnet_v1" if n % 3 else "m2"  # a NULL: the default
        if kind != "status":
            out.append((estate, EventRow(
                t, str(eid), kind, gw, "in", "card" if kind == "access" else None, ref, person,
                kind == "access", payload.get("reason"), payload.get("purpose"),
                payload.get("unit_id"), ref if kind == "qr" else None,
                face.get("snapshot_ref"), face.get("embedding"),
                # a face's model (the default for a NULL); none for other kinds
                face.get("face_model", "dlib_resnet_v1") if kind == "face" else None,
                payload.get("distance"),
                payload.get("second_distance"),
            )))  # fmt: skip
    return out


def test_day_events_as_inserted(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        inserted = load(conn, 1)
        seen = 0
        for estate in ("E1", "E2"):
            for d in range(5):
                a, b = T0 + d * DAY, T0 + (d + 1) * DAY
                got = repo.events(conn, estate, a, b)
                want = [r for e, r in inserted if e == estate and a <= r.time < b]
                content_order(want)
                # in content order (events that say the same may come in either order),
                # and each event as inserted
                assert [content_key(e) for e in got] == [content_key(e) for e in want]
                assert same(sorted(got, key=by_id), sorted(want, key=by_id))
                seen += len(got)
        assert seen > 400 and seen == len(inserted)


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


def test_days_read_ahead_are_the_days_read_alone(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass reads the next days of a run with the first (readahead.DayReader): each
    day must be exactly what reading it alone gives, in the same order; the run's last
    day is read at its turn (events may still be arriving for it)."""
    from anju_platform.detect.readahead import DayReader

    reads: list[tuple[datetime, datetime]] = []
    real = repo.events

    def counted(c: Any, e: str, a: datetime, b: datetime) -> list[EventRow]:
        reads.append((a, b))
        return real(c, e, a, b)

    with psycopg.connect(pg_url, autocommit=True) as conn:
        load(conn, 3)
        for estate in ("E1", "E2"):
            reader = DayReader(until=T0 + 3 * DAY)  # the run's last day: the fourth
            reads.clear()
            monkeypatch.setattr(repo, "events", counted)
            got = [reader.day(conn, estate, T0 + d * DAY, T0 + (d + 1) * DAY) for d in range(4)]
            monkeypatch.undo()
            for d in range(4):
                alone = repo.events(conn, estate, T0 + d * DAY, T0 + (d + 1) * DAY)
                assert [e.event_id for e in got[d]] == [e.event_id for e in alone]
                assert same(got[d], alone)
            # the first day alone (its size sets how far to read ahead), the next two
            # in one read, the last alone
            assert reads == [(T0, T0 + DAY), (T0 + DAY, T0 + 3 * DAY), (T0 + 3 * DAY, T0 + 4 * DAY)]


def test_events_that_say_the_same_come_in_id_order(pg_url: str) -> None:
    """A card read twice in one second: two events alike but for their ids. Which one a
    passage takes goes into evidence, so they come in id order, not in whatever order a
    plan (a day read alone, or with the next days) gives them."""
    ids = sorted(str(uuid.uuid4()) for _ in range(6))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO estates (estate_id, name) VALUES ('E1', 'E1')")
        conn.execute("SELECT anju_ensure_partitions(%s, %s)", (T0.date(), (T0 + DAY).date()))
        for eid in [ids[i] for i in (3, 0, 5, 1, 4, 2)]:  # stored in neither order
            conn.execute(
                "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
                " direction, credential_type, credential_ref, granted, payload)"
                " VALUES (%s, %s, 'access', 'E1', 'G1', 'd', 'in', 'card', 'c1', true, '{}')",
                (T0 + timedelta(hours=5), eid),
            )
        for span in (DAY, 2 * DAY):
            assert [e.event_id for e in repo.events(conn, "E1", T0, T0 + span)] == ids
        conn.execute("SET enable_mergejoin = off")  # (another plan: a hash join, a sort)
        conn.execute("SET enable_nestloop = off")
        for span in (DAY, 2 * DAY):
            assert [e.event_id for e in repo.events(conn, "E1", T0, T0 + span)] == ids
