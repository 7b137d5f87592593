"""SQL of the face data of events (table event_faces; legacy copies in events.payload):
erased with a person, expired after its retention, and the evidence naming it cleared.

Face data lives beside the events (migration 0010), so erasing or expiring it is a
DELETE or UPDATE of a few rows of a plain table, never of events: on TimescaleDB an
UPDATE of events decompresses compressed chunks. Events stored before 0010 keep a copy
in their payload; those are stripped row by row, each UPDATE naming the estate and
the exact time so TimescaleDB decompresses only the batch (<= 1,000 rows of one estate)
that holds the event, and only in the time range such rows can be in."""

from __future__ import annotations

from datetime import datetime

import psycopg

LegacyRow = tuple[str, datetime, str, str | None]  # estate, time, event id, snapshot_ref


def _legacy_until(conn: psycopg.Connection) -> datetime | None:
    row = conn.execute(
        "SELECT value::timestamptz FROM anju_settings WHERE key = 'face_data_in_payload_until'"
    ).fetchone()
    return row[0] if row else None


def legacy_face_events(
    conn: psycopg.Connection,
    estates: list[str],
    person_id: str | None,
    event_ids: list[str],
    since: datetime | None = None,
) -> list[LegacyRow]:
    """Events stored before migration 0010 that still carry face data in their payload:
    the person's face events in their estates, and those of `event_ids` (a read)."""
    until = _legacy_until(conn)
    if until is None:
        return []
    rows = conn.execute(
        "SELECT estate_id, time, event_id::text, payload->>'snapshot_ref' FROM events"
        " WHERE time < %(until)s AND time >= coalesce(%(since)s::timestamptz, '-infinity')"
        " AND estate_id = ANY(%(estates)s) AND kind = 'face'"
        " AND (person_id = %(person)s OR event_id = ANY(%(ids)s::uuid[]))"
        " AND (payload ? 'embedding' OR payload ? 'snapshot_ref')",
        {"until": until, "since": since, "estates": estates, "person": person_id,
         "ids": event_ids},
    ).fetchall()  # fmt: skip
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _strip_legacy(conn: psycopg.Connection, rows: list[LegacyRow], keys: list[str]) -> set[str]:
    if not rows:
        return set()
    # Each statement touches one compressed batch at most (see above); the default cap
    # of 100,000 decompressed tuples per transaction is for untargeted statements.
    conn.execute("SET LOCAL timescaledb.max_tuples_decompressed_per_dml_transaction = 0")
    done: set[str] = set()
    with conn.cursor() as cur:
        for estate, time, event_id, _ in rows:
            cur.execute(
                "UPDATE events SET payload = payload - %s::text[] WHERE estate_id = %s"
                " AND time = %s AND event_id = %s AND payload ?| %s::text[]",
                (keys, estate, time, event_id, keys),
            )
            if cur.rowcount:
                done.add(event_id)
    return done


def strip_events(
    conn: psycopg.Connection, event_ids: list[str], person_id: str | None, legacy: list[LegacyRow]
) -> int:
    """Delete the face data (embedding, snapshot_ref) of these events and of every face
    event of the person; strip the legacy copies in `legacy`. Returns the events."""
    rows = conn.execute(
        "DELETE FROM event_faces WHERE event_id = ANY(%s::uuid[]) OR person_id = %s"
        " RETURNING event_id::text",
        (event_ids, person_id),
    ).fetchall()
    done = {r[0] for r in rows} | _strip_legacy(conn, legacy, ["embedding", "snapshot_ref"])
    return len(done)


def strip_snapshot_refs(
    conn: psycopg.Connection, event_ids: list[str], legacy: list[LegacyRow]
) -> int:
    rows = conn.execute(
        "UPDATE event_faces SET snapshot_ref = NULL"
        " WHERE event_id = ANY(%s::uuid[]) AND snapshot_ref IS NOT NULL RETURNING event_id::text",
        (event_ids,),
    ).fetchall()
    return len({r[0] for r in rows} | _strip_legacy(conn, legacy, ["snapshot_ref"]))


def expire_face_data(conn: psycopg.Connection, days: int, batch: int = 10000) -> int:
    """Delete face data (embeddings, snapshot refs) of events older than `days`, in
    batches; the events stay. Returns how many rows went."""
    total = 0
    while True:
        n = conn.execute(
            "DELETE FROM event_faces WHERE ctid = ANY(ARRAY(SELECT ctid FROM event_faces"
            " WHERE time < now() - make_interval(days => %s) LIMIT %s))",
            (days, batch),
        ).rowcount
        total += n
        if n < batch:
            return total


def clear_evidence(conn: psycopg.Connection, event_ids: list[str], refs: list[str]) -> int:
    cur = conn.execute(
        "UPDATE alert_evidence SET snapshot_ref = NULL WHERE snapshot_ref IS NOT NULL"
        " AND (event_id = ANY(%s::uuid[]) OR snapshot_ref = ANY(%s::text[]))",
        (event_ids, refs),
    )
    return cur.rowcount
