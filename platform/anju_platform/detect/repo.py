"""The SQL detection reads about the world: the estates and their settings, the register
snapshot, stored events and card uses, and the events index's upkeep. The pass's own state
is in repo_state, alerts in repo_alerts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from psycopg.pq import TransactionStatus

from anju_platform.detect import facelog
from anju_platform.detect.passages import (
    EventRow,
    content_key,
    content_order,
    event_rows,
    order_ties,
)
from anju_platform.detect.register import Carer, Cred, FaceCheck, Household, Membership, Register


def estates(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT estate_id FROM estates ORDER BY estate_id")]


def overrides(conn: psycopg.Connection, estate: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT overrides FROM detect_settings WHERE estate_id = %s", (estate,)
    ).fetchone()
    return dict(row[0]) if row else None


def unit_counts(conn: psycopg.Connection, estates: list[str]) -> dict[str, int]:
    rows = conn.execute(
        "SELECT estate_id, count(*) FROM units WHERE estate_id = ANY(%s) GROUP BY 1", (estates,)
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def load_register(conn: psycopg.Connection, estate: str) -> Register:
    reg = Register(estate)
    for u, g, b in conn.execute(
        "SELECT unit_id, grid_id, building_id FROM units WHERE estate_id = %s", (estate,)
    ):
        reg.units[u] = g
        reg.unit_buildings[u] = b
    doors: dict[str, set[str]] = {}
    for gw, b in conn.execute(
        "SELECT DISTINCT d.gateway_id, d.building_id FROM devices d JOIN gateways g"
        " USING (gateway_id) WHERE g.estate_id = %s AND d.building_id IS NOT NULL",
        (estate,),
    ):
        doors.setdefault(gw, set()).add(b)
    reg.gateway_buildings = {gw: frozenset(bs) for gw, bs in doors.items()}
    for hid, u, mi, mo, why in conn.execute(
        "SELECT household_id, h.unit_id, move_in, move_out, end_reason FROM households h "
        "JOIN units u USING (unit_id) WHERE u.estate_id = %s ORDER BY household_id",
        (estate,),
    ):
        reg.households[hid] = Household(hid, u, mi, mo, why)
    for hid, pid, vf, vt, by in conn.execute(
        "SELECT m.household_id, m.person_id, m.valid_from, m.valid_to, p.birth_year "
        "FROM household_members m JOIN households h USING (household_id) "
        "JOIN units u USING (unit_id) JOIN persons p ON p.person_id = m.person_id "
        "WHERE u.estate_id = %s ORDER BY m.valid_from",
        (estate,),
    ):
        reg.memberships.setdefault(pid, []).append(
            Membership(hid, reg.households[hid].unit_id, vf, vt)
        )
        reg.birth_years[pid] = by
    for t, ref, pid, vf, vt, rv in conn.execute(
        "SELECT type, ref, person_id, valid_from, valid_to, revoked_at FROM credentials "
        "WHERE estate_id = %s AND type IN ('card', 'qr') ORDER BY valid_from",
        (estate,),
    ):
        reg.creds.setdefault((t, ref), []).append(Cred(pid, vf, vt, rv))
    for pid, emb in conn.execute(
        "SELECT DISTINCT ON (person_id) person_id, embedding FROM face_enrollments "
        "WHERE estate_id = %s ORDER BY person_id, created_at",
        (estate,),
    ):
        reg.enrollments[pid] = np.asarray(emb, dtype=np.float32)
    cal = conn.execute(
        "SELECT model, threshold, person_thresholds, far_target, report FROM face_calibrations"
        " WHERE estate_id = %s AND calibrated ORDER BY computed_at DESC, calibration_id DESC"
        " LIMIT 1",
        (estate,),
    ).fetchone()
    if cal is not None:
        rows = conn.execute(
            "SELECT person_id, embedding FROM face_enrollments WHERE estate_id = %s"
            " AND model = %s ORDER BY person_id, enrollment_id",
            (estate, cal[0]),
        ).fetchall()
        reg.faces = FaceCheck(
            cal[0],
            [r[0] for r in rows],
            np.asarray([r[1] for r in rows], dtype=np.float64).reshape(-1, 128),
            float(cal[1]),
            {k: float(v) for k, v in cal[2].items()},
            (cal[4] or {}).get("impostor_mean"),
            (cal[4] or {}).get("impostor_sd"),
            float(cal[3]),
        )
    for pid, u, vf, vt in conn.execute(
        "SELECT c.person_id, c.unit_id, c.valid_from, c.valid_to FROM caregivers c "
        "JOIN units u USING (unit_id) WHERE u.estate_id = %s",
        (estate,),
    ):
        reg.carers.append(Carer(pid, u, vf, vt))
    for hid, a, b in conn.execute(
        "SELECT a.household_id, a.starts_on, a.ends_on FROM absences a JOIN households h "
        "USING (household_id) JOIN units u USING (unit_id) WHERE u.estate_id = %s",
        (estate,),
    ):
        reg.absences.setdefault(hid, []).append((a, b))
    reg.index()
    return reg


# payload fields only for the kinds that use them. The payload holds only what no column
# does (anju_common.events.stored_payload): a QR scan's pass id is its credential_ref.
# Face data (snapshot ref, embedding) is in event_faces (migration 0010).
_EVENT_COLS = (
    "e.time, e.event_id::text, e.kind, e.gateway_id, e.direction, e.credential_type, "
    "e.credential_ref, e.person_id, e.granted, "
    "CASE WHEN e.kind = 'access' THEN e.payload->>'reason' END, "
    "CASE WHEN e.kind = 'qr' THEN e.payload->>'purpose' END, "
    "CASE WHEN e.kind = 'qr' THEN e.payload->>'unit_id' END, "
    "CASE WHEN e.kind = 'qr' THEN e.credential_ref END, "
    "f.snapshot_ref, f.embedding, "
    # (only a face's: a string decoded for every other row was ~1% of the read)
    "CASE WHEN e.kind = 'face' THEN coalesce(f.model, 'dlib_resnet_v1') END, "
    # a match's distances weigh it (issue 18 item 3)
    "CASE WHEN e.kind = 'face' THEN (e.payload->>'distance')::float8 END, "
    "CASE WHEN e.kind = 'face' THEN (e.payload->>'second_distance')::float8 END"
)


@contextmanager
def utc_session(conn: psycopg.Connection) -> Iterator[None]:
    """The session's TimeZone as 'UTC' while the pass runs, then as it was. psycopg
    gives timestamps in the session's zone: for 'UTC' with datetime.timezone.utc, while
    any other name (the server's default 'Etc/UTC' too) gets a ZoneInfo, whose
    conversion of every event time cost ~3% of the pass's CPU. Times are absolute
    either way; only their tzinfo object differs."""
    old = conn.execute("SELECT current_setting('TimeZone')").fetchone()
    if old is None or old[0] == "UTC":
        yield
        return
    conn.execute("SELECT set_config('TimeZone', 'UTC', false)")
    try:
        yield
    finally:
        # (not in a failed transaction: its rollback undoes the SET, and a statement
        # there would hide the error that failed it)
        status = conn.info.transaction_status
        if not conn.closed and not conn.broken and status != TransactionStatus.INERROR:
            conn.execute("SELECT set_config('TimeZone', %s, false)", (old[0],))


def events(conn: psycopg.Connection, estate: str, start: datetime, end: datetime) -> list[EventRow]:
    # binary results and fetchall: a day of an estate is tens of thousands of rows
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            f"SELECT {_EVENT_COLS} FROM events e LEFT JOIN event_faces f"
            " ON f.event_id = e.event_id AND f.time = e.time"
            " AND f.estate_id = %(e)s AND f.time >= %(a)s AND f.time < %(b)s"
            " WHERE e.estate_id = %(e)s AND e.time >= %(a)s AND e.time < %(b)s"
            # ties by id: events that say the same thing (a card read twice in a second)
            # are alike to the rules but their ids go into evidence, so one run gives
            # what the next gives whatever plan reads them (content_order is stable)
            " AND e.kind IN ('access', 'face', 'qr') ORDER BY e.time, e.event_id",
            {"e": estate, "a": start, "b": end},
        ).fetchall()
    out = event_rows(rows)
    log = facelog.of(conn, estate)
    if log is not None:  # the unknown faces of the day, for the building pins
        log.add(start, end, out)
    content_order(out)  # ties by content, not by event id
    return out


def events_received(
    conn: psycopg.Connection, after: datetime, limit: int = 20000, overlap_s: float = 5.0
) -> tuple[list[tuple[str, EventRow]], datetime]:
    """Events stored after a received_at mark. received_at is the storing transaction's
    start, so a batch may commit after a later one: read `overlap_s` back (the caller
    skips the event ids it has already seen)."""
    rows = conn.execute(
        f"SELECT e.estate_id, e.received_at, {_EVENT_COLS} FROM events e"
        " LEFT JOIN event_faces f ON f.event_id = e.event_id AND f.time = e.time"
        " WHERE e.received_at > %s AND e.kind IN ('access', 'face', 'qr')"
        " ORDER BY e.received_at LIMIT %s",
        (after - timedelta(seconds=overlap_s), limit),
    ).fetchall()
    mark = max((r[1] for r in rows), default=after)
    out = list(zip([r[0] for r in rows], event_rows([r[2:] for r in rows]), strict=True))
    order_ties(out, lambda x: x[1].time, lambda x: content_key(x[1]))
    return out, mark


def card_uses_before(
    conn: psycopg.Connection, estate: str, refs: list[str], start: datetime, end: datetime
) -> list[tuple[str, datetime, str, str]]:
    return conn.execute(
        "SELECT credential_ref, time, gateway_id, event_id::text FROM events WHERE estate_id = %s "
        "AND credential_ref = ANY(%s) AND kind = 'access' AND granted AND time >= %s "
        "AND time < %s ORDER BY time",
        (estate, refs, start, end),
    ).fetchall()


def card_use_faces(
    conn: psycopg.Connection,
    estate: str,
    refs: list[str],
    start: datetime,
    end: datetime,
    window_s: float,
) -> tuple[list[datetime], np.ndarray]:
    """Unknown faces the camera saw at the door within `window_s` before a granted use
    of these credentials in [start, end): times (of the use), embeddings. Never a
    prepared statement: the generic plan of this range self-join (psycopg prepares a query
    on its sixth run) joins every partition of the range, minutes on the default
    portfolio, where the plan for the actual values takes 0.2 s."""
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT a.time, f.embedding FROM events a JOIN events e"
            " ON e.estate_id = a.estate_id AND e.gateway_id = a.gateway_id AND e.kind = 'face'"
            " AND e.person_id IS NULL AND e.time >= a.time - %(w)s AND e.time <= a.time"
            " AND e.time >= %(a)s - %(w)s AND e.time < %(b)s"
            " JOIN event_faces f ON f.event_id = e.event_id AND f.time = e.time"
            " AND f.estate_id = a.estate_id AND f.embedding IS NOT NULL"
            " WHERE a.estate_id = %(e)s AND a.credential_ref = ANY(%(r)s) AND a.kind = 'access'"
            " AND a.granted AND a.time >= %(a)s AND a.time < %(b)s ORDER BY a.time, e.time",
            {"e": estate, "r": refs, "a": start, "b": end, "w": timedelta(seconds=window_s)},
            prepare=False,
        ).fetchall()
    return times_and_embeddings(rows)


def times_and_embeddings(rows: list[Any]) -> tuple[list[datetime], np.ndarray]:
    """(time, float32 embedding bytes) rows -> their times and an (n, 128) array."""
    if not rows:
        return [], np.zeros((0, 128), dtype=np.float32)
    return [r[0] for r in rows], np.stack([np.frombuffer(r[1], dtype="<f4") for r in rows])


def card_uses_elsewhere(
    conn: psycopg.Connection, estate: str, refs: list[str], start: datetime, end: datetime
) -> list[tuple[str, datetime, str, str]]:
    """Granted uses of these cards at the other estates (card keys scoped to the
    authority: the same card has the same hash everywhere)."""
    return conn.execute(
        "SELECT credential_ref, time, gateway_id, event_id::text FROM events WHERE estate_id <> %s "
        "AND credential_ref = ANY(%s) AND kind = 'access' AND credential_type = 'card' AND granted "
        "AND time >= %s AND time < %s ORDER BY time, gateway_id",
        (estate, refs, start, end),
    ).fetchall()


def card_estates(conn: psycopg.Connection, refs: list[str]) -> dict[str, list[str]]:
    """Card hash -> the estates whose register holds it."""
    out: dict[str, list[str]] = {}
    for ref, estate in conn.execute(
        "SELECT DISTINCT ref, estate_id FROM credentials WHERE type = 'card' AND ref = ANY(%s)"
        " ORDER BY 1, 2",
        (refs,),
    ):
        out.setdefault(ref, []).append(estate)
    return out


def event_span(conn: psycopg.Connection, estate: str) -> tuple[datetime | None, datetime | None]:
    """(first, last) time of the estate's stored events (migration 0015: day partitions
    probed one at a time, not one statement planned over all of them)."""
    row = conn.execute("SELECT first_at, last_at FROM anju_event_span(%s)", (estate,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def summarize_arrivals(conn: psycopg.Connection) -> None:
    """Summarise new ranges of the received_at BRIN index of every day partition or
    TimescaleDB chunk (both are inheritance children of events). Until a range is
    summarised every page in it matches, so the real-time query would read all of them;
    autosummarize does this only while autovacuum runs and its queue keeps up (a bulk
    load overflows it). Chunks were left out before: the test's 325 lossy blocks."""
    conn.execute(
        "SELECT brin_summarize_new_values(x.indexrelid) FROM pg_inherits i"
        " JOIN pg_index x ON x.indrelid = i.inhrelid JOIN pg_class c ON c.oid = x.indexrelid"
        " JOIN pg_am a ON a.oid = c.relam WHERE i.inhparent = 'events'::regclass"
        " AND a.amname = 'brin'"
    )
