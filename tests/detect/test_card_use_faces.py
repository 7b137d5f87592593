"""The faces the camera saw with a card's uses, read back from the event store (real
PostgreSQL): what tells a holder's own new face cluster from a card taken over
(cardfaces.known_face, issue 18)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg

from anju_common.events import embedding_bytes
from anju_platform.detect import repo

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def event(
    conn: psycopg.Connection,
    t: datetime,
    kind: str,
    gw: str,
    ctype: str | None = None,
    ref: str | None = None,
    person: str | None = None,
    granted: bool | None = None,
    emb: np.ndarray | None = None,
) -> None:
    eid = uuid.uuid4()
    conn.execute(
        "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
        " direction, credential_type, credential_ref, person_id, granted, payload)"
        " VALUES (%s, %s, %s, 'E1', %s, 'dev', 'in', %s, %s, %s, %s, '{}')",
        (t, eid, kind, gw, ctype, ref, person, granted),
    )
    if emb is not None:
        conn.execute(
            "INSERT INTO event_faces (event_id, time, estate_id, person_id, embedding)"
            " VALUES (%s, %s, 'E1', %s, %s)",
            (eid, t, person, embedding_bytes([float(x) for x in emb])),
        )


def test_faces_seen_with_a_card_s_uses(pg_url: str) -> None:
    rng = np.random.default_rng(4)
    mine, other, next_door, known = (rng.normal(0, 0.06, 128) for _ in range(4))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("SELECT anju_ensure_partitions(%s, %s)", (T0.date(), T0.date()))
        for i, face in enumerate((mine, other)):  # two uses of card c1, a face 2 s before
            t = T0 + timedelta(hours=i)
            event(conn, t - timedelta(seconds=2), "face", "GW1", emb=face)
            event(conn, t, "access", "GW1", ctype="card", ref="c1", granted=True)
        # not with c1: another door at the same moment, a face well before the card, a
        # recognised face, a refused use, another card
        event(conn, T0 - timedelta(seconds=1), "face", "GW2", emb=next_door)
        event(conn, T0 - timedelta(seconds=30), "face", "GW1", emb=next_door)
        t = T0 + timedelta(hours=3)
        event(conn, t - timedelta(seconds=2), "face", "GW1", emb=known, person="p7")
        event(conn, t, "access", "GW1", ctype="card", ref="c1", granted=True)
        t = T0 + timedelta(hours=4)
        event(conn, t - timedelta(seconds=2), "face", "GW1", emb=next_door)
        event(conn, t, "access", "GW1", ctype="card", ref="c1", granted=False)
        event(conn, t + timedelta(minutes=5, seconds=-2), "face", "GW1", emb=next_door)
        event(conn, t + timedelta(minutes=5), "access", "GW1", ctype="card", ref="c2", granted=True)
        times, faces = repo.card_use_faces(
            conn, "E1", ["c1"], T0 - timedelta(hours=1), T0 + timedelta(days=1), 3
        )
    assert times == [T0, T0 + timedelta(hours=1)]
    assert np.allclose(faces, np.stack([mine, other]).astype(np.float32))


def test_never_a_prepared_statement(pg_url: str) -> None:
    """psycopg prepares a query on its sixth run; this one's generic plan joins every
    partition of the range (minutes on the default portfolio), so it must not be."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("SELECT anju_ensure_partitions(%s, %s)", (T0.date(), T0.date()))
        event(conn, T0, "access", "GW1", ctype="card", ref="c1", granted=True)
        for _ in range(8):
            repo.card_use_faces(conn, "E1", ["c1"], T0, T0 + timedelta(days=1), 3)
        prepared = conn.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ("%JOIN event_faces f ON f.event_id = e.event_id%",),
        ).fetchone()
    assert prepared == (0,)
