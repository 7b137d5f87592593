"""All SQL of detection: register snapshot, events, clusters, presence, unit clocks,
alerts and evidence, watermarks and per-estate settings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from psycopg.types.json import Jsonb

from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.merge import Live
from anju_platform.detect.model import Finding, Presence, UnitClock
from anju_platform.detect.passages import EventRow, content_key, content_order, order_ties
from anju_platform.detect.register import Carer, Cred, FaceCheck, Household, Membership, Register
from anju_platform.workflow.cases import Suppression


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
    for u, g in conn.execute("SELECT unit_id, grid_id FROM units WHERE estate_id = %s", (estate,)):
        reg.units[u] = g
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
        "SELECT model, threshold, person_thresholds FROM face_calibrations"
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
    "f.snapshot_ref, f.embedding, coalesce(f.model, 'dlib_resnet_v1')"
)


def _row(r: tuple[Any, ...]) -> EventRow:
    emb = r[14]
    return EventRow(  # type: ignore[misc]
        *r[:14],
        embedding=None if emb is None else np.frombuffer(emb, dtype="<f4"),
        face_model=r[15],
    )


def _rows(rows: list[tuple[Any, ...]]) -> list[EventRow]:
    make, buf = EventRow._make, np.frombuffer
    return [
        make(r) if r[14] is None else make((*r[:14], buf(r[14], dtype="<f4"), r[15])) for r in rows
    ]


def events(conn: psycopg.Connection, estate: str, start: datetime, end: datetime) -> list[EventRow]:
    # binary results and fetchall: a day of an estate is tens of thousands of rows
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            f"SELECT {_EVENT_COLS} FROM events e LEFT JOIN event_faces f"
            " ON f.event_id = e.event_id AND f.time = e.time"
            " AND f.estate_id = %(e)s AND f.time >= %(a)s AND f.time < %(b)s"
            " WHERE e.estate_id = %(e)s AND e.time >= %(a)s AND e.time < %(b)s"
            " AND e.kind IN ('access', 'face', 'qr') ORDER BY e.time",
            {"e": estate, "a": start, "b": end},
        ).fetchall()
    out = _rows(rows)
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
    out = [(r[0], _row(r[2:])) for r in rows]
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


def load_clusters(conn: psycopg.Connection, estate: str, cl: Clusterer) -> None:
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT cluster_id, gateway_id, leader, first_seen FROM detect_clusters "
            "WHERE estate_id = %s ORDER BY first_seen, cluster_id",
            (estate,),
        ).fetchall()
    cl.load(rows)


def save_clusters(conn: psycopg.Connection, estate: str, cl: Clusterer, seen: bool = True) -> None:
    """New leaders (always: later days' ids depend on them); with `seen`, also the
    last-seen times and sighting counts gathered since the last call with it (bookkeeping
    only: updating every leader seen each day rewrote most of the table daily)."""
    with conn.cursor() as cur:
        if cl.new:  # one statement for the day's new leaders
            cur.execute(
                "INSERT INTO detect_clusters (cluster_id, estate_id, gateway_id, leader,"
                " first_seen, last_seen) SELECT v.c, %s, v.g, v.l, v.t, v.t FROM unnest("
                "%s::text[], %s::text[], %s::bytea[], %s::timestamptz[]) v(c, g, l, t)"
                " ON CONFLICT (cluster_id) DO NOTHING",
                (
                    estate,
                    _lit([n.cluster_id for n in cl.new]),
                    _lit([n.gateway_id for n in cl.new]),
                    [n.vec.astype("<f4").tobytes() for n in cl.new],
                    _lit([n.first_seen for n in cl.new]),
                ),
            )
        if not seen:
            cl.new.clear()
            return
        got = sorted(cl.seen.items())
        cur.execute(
            "UPDATE detect_clusters c SET last_seen = greatest(c.last_seen, v.t),"
            " sightings = c.sightings + v.n FROM unnest(%s::text[], %s::timestamptz[],"
            " %s::int[]) v(id, t, n) WHERE c.cluster_id = v.id",
            (
                _lit([k for k, _ in got]),
                _lit([t for _, (t, _) in got]),
                _lit([n for _, (_, n) in got]),
            ),
        )
    cl.new.clear()
    cl.seen.clear()


def replace_presence(
    conn: psycopg.Connection, estate: str, day: date, rows: list[Presence]
) -> None:
    conn.execute("DELETE FROM detect_presence WHERE estate_id = %s AND day = %s", (estate, day))
    with conn.cursor().copy(
        "COPY detect_presence (estate_id, unit_id, day, identity, role, via, cluster_id, n, "
        "n_in, n_face, n_night, last_in, event_ids) FROM STDIN"
    ) as cp:
        for p in rows:
            cp.write_row(
                (
                    estate,
                    p.unit_id,
                    p.day,
                    p.identity,
                    p.role,
                    p.via,
                    p.cluster_id,
                    p.n,
                    p.n_in,
                    p.n_face,
                    p.n_night,
                    p.last_in,
                    _array(p.event_ids),
                )
            )


def _array(ids: tuple[str, ...]) -> str:
    """A text[] literal for COPY (event ids are UUIDs: nothing to quote); dumping a
    Python list per row costs more than the rest of the row."""
    return "{" + ",".join(ids) + "}"


def presence(conn: psycopg.Connection, estate: str, start: date, end: date) -> list[Presence]:
    # in the order the pass keeps them (day, then roll_up's order); ids as one string:
    # parsing a uuid[] per row costs more than the rest of the row
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT unit_id, day, identity, role, via, cluster_id, n, n_in, n_face, n_night,"
            " last_in, array_to_string(event_ids, ',') FROM detect_presence WHERE estate_id = %s"
            " AND day >= %s AND day <= %s ORDER BY day, unit_id, identity",
            (estate, start, end),
        ).fetchall()
    return [
        Presence(*r[:11], event_ids=tuple(r[11].split(",")) if r[11] else ())  # type: ignore[misc]
        for r in rows
    ]


def unit_clocks(conn: psycopg.Connection, estate: str) -> dict[str, tuple[Any, Any, Any]]:
    rows = conn.execute(
        "SELECT unit_id, last_any_day, last_member_day, last_member_in FROM detect_unit_state "
        "WHERE estate_id = %s",
        (estate,),
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def rebuild_clocks(conn: psycopg.Connection, estate: str, before: date) -> None:
    """Unit clocks from the stored presence before a day (for a re-run from that day)."""
    conn.execute("DELETE FROM detect_unit_state WHERE estate_id = %s", (estate,))
    conn.execute(
        "INSERT INTO detect_unit_state SELECT unit_id, %s, "
        "max(day) FILTER (WHERE role <> 'visitor'), "
        "max(day) FILTER (WHERE role = 'member'), "
        "(array_agg(last_in ORDER BY day DESC) FILTER (WHERE role = 'member'))[1] "
        "FROM detect_presence WHERE estate_id = %s AND day < %s GROUP BY unit_id",
        (estate, estate, before),
    )


def lazy_commit(conn: psycopg.Connection) -> None:
    """This transaction's commit does not wait for the WAL flush: a day lost in a crash
    is lost whole with its watermark (same transaction) and is simply run again."""
    conn.execute("SET LOCAL synchronous_commit TO off")


def _lit(values: list[Any]) -> str:
    """A PostgreSQL array literal (quoted elements; None is NULL): much cheaper than
    dumping a Python list element by element."""
    out = []
    for v in values:
        if v is None:
            out.append("NULL")
        else:
            t = v.isoformat() if isinstance(v, date) else str(v)
            out.append('"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(out) + "}"


def save_clocks(conn: psycopg.Connection, estate: str, clocks: dict[str, UnitClock]) -> None:
    units = sorted(clocks)
    conn.execute(
        "INSERT INTO detect_unit_state SELECT v.u, %s, v.a, v.m, v.i FROM unnest(%s::text[],"
        " %s::date[], %s::date[], %s::bool[]) v(u, a, m, i) ON CONFLICT (unit_id) DO UPDATE SET"
        " last_any_day = excluded.last_any_day, last_member_day = excluded.last_member_day,"
        " last_member_in = excluded.last_member_in",
        (
            estate,
            _lit(units),
            _lit([clocks[u].last_any_day for u in units]),
            _lit([clocks[u].last_member_day for u in units]),
            _lit([clocks[u].last_member_in for u in units]),
        ),
    )


def state_day(conn: psycopg.Connection, scope: str) -> date | None:
    row = conn.execute("SELECT day FROM detect_state WHERE scope = %s", (scope,)).fetchone()
    return row[0] if row else None


def set_state(
    conn: psycopg.Connection, scope: str, day: date | None = None, mark: datetime | None = None
) -> None:
    conn.execute(
        "INSERT INTO detect_state (scope, day, mark) VALUES (%s, %s, %s) ON CONFLICT (scope) DO "
        "UPDATE SET day = coalesce(excluded.day, detect_state.day), mark = coalesce(excluded.mark,"
        " detect_state.mark), updated_at = now()",
        (scope, day, mark),
    )


def state_mark(conn: psycopg.Connection, scope: str) -> datetime | None:
    row = conn.execute("SELECT mark FROM detect_state WHERE scope = %s", (scope,)).fetchone()
    return row[0] if row else None


def first_event_day(conn: psycopg.Connection, estate: str) -> datetime | None:
    row = conn.execute(
        "SELECT min(time) FROM events WHERE estate_id = %s AND kind IN ('access', 'face', 'qr')",
        (estate,),
    ).fetchone()
    return row[0] if row else None


def last_event_time(conn: psycopg.Connection, estate: str) -> datetime | None:
    row = conn.execute(
        "SELECT max(time) FROM events WHERE estate_id = %s AND kind IN ('access', 'face', 'qr')",
        (estate,),
    ).fetchone()
    return row[0] if row else None


# --- alerts -------------------------------------------------------------------------


def live_alerts(conn: psycopg.Connection, estate: str) -> list[Live]:
    rows = conn.execute(
        "SELECT a.alert_id, unit_id, type, status, score, level, first_day, last_day, "
        "coalesce((SELECT array_agg(DISTINCT e.day) FROM alert_evidence e "
        "WHERE e.alert_id = a.alert_id), '{}') FROM alerts a WHERE estate_id = %s "
        "AND status IN ('watch', 'open', 'acknowledged') AND source = 'detection'",
        (estate,),
    )  # resident reports' alerts are not detection's to merge or close
    return [Live(*r[:8], days=frozenset(r[8])) for r in rows]  # type: ignore[misc]


def suppressions(conn: psycopg.Connection, estate: str) -> list[Suppression]:
    """Patterns explained on an inspection visit (workflow cases); all of them, so that a
    re-run over past days respects the explanations too (one row per explained visit)."""
    rows = conn.execute(
        "SELECT s.unit_id, s.type, s.valid_from, s.valid_to FROM suppressions s "
        "JOIN units u USING (unit_id) WHERE u.estate_id = %s",
        (estate,),
    )
    return [Suppression(*r) for r in rows]


def cooling(conn: psycopg.Connection, estate: str, since: date) -> set[tuple[str, str]]:
    rows = conn.execute(
        "SELECT unit_id, type FROM alerts WHERE estate_id = %s AND status = 'dismissed' "
        "AND closed_at >= %s",
        (estate, since),
    )
    return {(r[0], r[1]) for r in rows}


def create_alert(
    conn: psycopg.Connection,
    estate: str,
    grid: str | None,
    f: Finding,
    status: str,
    score: float,
    level: int,
    first: date,
) -> int:
    row = conn.execute(
        "INSERT INTO alerts (estate_id, unit_id, grid_id, type, status, score, level, reason_en,"
        " reason_zh, first_day, last_day, opened_at, opened_day, persons)"
        " VALUES (%s, %s, %s, %s, %s,"
        " %s, %s, %s, %s, %s, %s, CASE WHEN %s = 'open' THEN now() END,"
        " CASE WHEN %s = 'open' THEN %s::date END, %s) RETURNING alert_id",
        (
            estate,
            f.unit_id,
            grid,
            f.type,
            status,
            score,
            level,
            f.reason_en,
            f.reason_zh,
            first,
            f.day,
            status,
            status,
            f.day,
            list(f.persons),
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def update_alert(
    conn: psycopg.Connection,
    alert_id: int,
    f: Finding,
    status: str,
    score: float,
    level: int,
    first: date,
    last: date,
) -> None:
    conn.execute(
        "UPDATE alerts SET status = %s, score = %s, level = %s, reason_en = %s, reason_zh = %s,"
        " first_day = %s, last_day = %s, updated_at = now(), persons = %s,"
        " opened_at = coalesce(opened_at, CASE WHEN %s = 'open' THEN now() END),"
        " opened_day = coalesce(opened_day, CASE WHEN %s = 'open' THEN %s::date END)"
        " WHERE alert_id = %s",
        (
            status,
            score,
            level,
            f.reason_en,
            f.reason_zh,
            first,
            last,
            list(f.persons),
            status,
            status,
            f.day,
            alert_id,
        ),
    )


def add_evidence(conn: psycopg.Connection, alert_id: int, f: Finding) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO alert_evidence"
            " (alert_id, key, at, day, kind, event_id, snapshot_ref, note, code, params)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [
                (
                    alert_id,
                    e.key,
                    e.at,
                    e.day,
                    e.kind,
                    e.event_id,
                    e.snapshot_ref,
                    e.note,
                    e.code,
                    Jsonb(dict(e.params)) if e.code else None,
                )
                for e in f.evidence
            ],
        )


def close_alert(conn: psycopg.Connection, alert_id: int, reason: str) -> None:
    conn.execute(
        "UPDATE alerts SET status = 'closed', closed_at = now(), close_reason = %s, "
        "updated_at = now() WHERE alert_id = %s",
        (reason, alert_id),
    )


def reset_from(conn: psycopg.Connection, estate: str, since: date) -> None:
    """A re-run from a day: forget what detection derived from that day on."""
    conn.execute("DELETE FROM detect_presence WHERE estate_id = %s AND day >= %s", (estate, since))
    conn.execute(
        "DELETE FROM alerts WHERE estate_id = %s AND first_day >= %s AND status <> 'dismissed'"
        " AND source = 'detection'",
        (estate, since),
    )


# --- alerts API -----------------------------------------------------------------------

_ALERT_COLS = (
    "alert_id, estate_id, unit_id, building_id, source, grid_id, type, status, score, level, "
    "reason_en, reason_zh, first_day, last_day, opened_day, opened_at, updated_at, closed_at, "
    "close_reason, persons"
)


def list_alerts(
    conn: psycopg.Connection,
    estate: str,
    grids: list[str] | None,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    q = (
        f"SELECT {_ALERT_COLS} FROM alerts WHERE estate_id = %(estate)s"
        " AND (%(grids)s::text[] IS NULL OR grid_id = ANY(%(grids)s::text[]))"
        " AND (%(grid)s::text IS NULL OR grid_id = %(grid)s)"
        " AND (%(types)s::text[] IS NULL OR type = ANY(%(types)s::text[]))"
        " AND (%(statuses)s::text[] IS NULL OR status = ANY(%(statuses)s::text[]))"
        " AND (%(min_score)s::float8 IS NULL OR score >= %(min_score)s)"
        " AND (%(since)s::date IS NULL OR last_day >= %(since)s)"
        " AND (%(until)s::date IS NULL OR first_day <= %(until)s)"
        " ORDER BY score DESC, alert_id DESC LIMIT %(limit)s OFFSET %(offset)s"
    )
    params = {"estate": estate, "grids": grids, "limit": limit, "offset": offset, **filters}
    with conn.cursor(row_factory=dict_row) as cur:
        return list(cur.execute(q, params))


def get_alert(conn: psycopg.Connection, alert_id: int) -> dict[str, Any] | None:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT {_ALERT_COLS} FROM alerts WHERE alert_id = %s", (alert_id,)
        ).fetchone()


def alert_evidence(conn: psycopg.Connection, alert_id: int) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return list(
            cur.execute(
                "SELECT at, day, kind, event_id::text, snapshot_ref, note, code, params"
                " FROM alert_evidence "
                "WHERE alert_id = %s ORDER BY at, key",
                (alert_id,),
            )
        )


def set_status(conn: psycopg.Connection, alert_id: int, status: str, note: str | None) -> None:
    ends = status in ("closed", "dismissed")
    conn.execute(
        "UPDATE alerts SET status = %s, updated_at = now(), closed_at = CASE WHEN %s THEN now()"
        " END, close_reason = CASE WHEN %s THEN %s ELSE close_reason END WHERE alert_id = %s",
        (status, ends, ends, note, alert_id),
    )


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
