"""The SQL of the daily pass's own derived state: stranger clusters, presence roll-ups,
unit clocks, watermarks (detect_state), and forgetting them for a re-run."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import psycopg

from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.model import Presence, UnitClock


def load_clusters(conn: psycopg.Connection, estate: str, clusters: Clusterer) -> None:
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT cluster_id, gateway_id, leader, first_seen FROM detect_clusters "
            "WHERE estate_id = %s ORDER BY first_seen, cluster_id",
            (estate,),
        ).fetchall()
    clusters.load(rows)


def save_clusters(
    conn: psycopg.Connection, estate: str, clusters: Clusterer, seen: bool = True
) -> None:
    """New leaders (always: later days' ids depend on them); with `seen`, also the
    last-seen times and sighting counts gathered since the last call with it (bookkeeping
    only: updating every leader seen each day rewrote most of the table daily)."""
    with conn.cursor() as cur:
        if clusters.new:  # one statement for the day's new leaders
            cur.execute(
                "INSERT INTO detect_clusters (cluster_id, estate_id, gateway_id, leader,"
                " first_seen, last_seen) SELECT v.c, %s, v.g, v.l, v.t, v.t FROM unnest("
                # the leaders in binary (%b): as text, psycopg escapes each byte string
                # with a regular expression
                "%s::text[], %s::text[], %b::bytea[], %s::timestamptz[]) v(c, g, l, t)"
                " ON CONFLICT (cluster_id) DO NOTHING",
                (
                    estate,
                    _lit([leader.cluster_id for leader in clusters.new]),
                    _lit([leader.gateway_id for leader in clusters.new]),
                    [leader.vec.astype("<f4").tobytes() for leader in clusters.new],
                    _lit([leader.first_seen for leader in clusters.new]),
                ),
            )
        if not seen:
            clusters.new.clear()
            return
        got = sorted(clusters.seen.items())
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
    clusters.new.clear()
    clusters.seen.clear()


def insert_presence(conn: psycopg.Connection, estate: str, rows: list[Presence]) -> None:
    """A day's rows; the day has none yet (a run resets its days first: reset_from)."""
    with conn.cursor().copy(
        "COPY detect_presence (estate_id, unit_id, day, identity, role, via, cluster_id, n, "
        "n_in, n_face, n_night, last_in, event_ids) FROM STDIN"
    ) as cp:
        days: dict[date, str] = {}  # (a date dumped once, not per row)
        for p in rows:
            day = days.get(p.day)
            if day is None:
                day = days[p.day] = p.day.isoformat()
            cp.write_row(
                (
                    estate,
                    p.unit_id,
                    day,
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


# Presence's fields but its event ids, as stored
_PRESENCE_COLS = "unit_id, day, identity, role, via, cluster_id, n, n_in, n_face, n_night, last_in"


def presence(conn: psycopg.Connection, estate: str, start: date, end: date) -> list[Presence]:
    # in the order the pass keeps them (day, then roll_up's order); ids as one string:
    # parsing a uuid[] per row costs more than the rest of the row
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            f"SELECT {_PRESENCE_COLS}, array_to_string(event_ids, ',') FROM detect_presence"
            " WHERE estate_id = %s"
            " AND day >= %s AND day <= %s ORDER BY day, unit_id, identity",
            (estate, start, end),
        ).fetchall()
    return [
        Presence(*r[:11], event_ids=tuple(r[11].split(",")) if r[11] else ())  # type: ignore[misc]
        for r in rows
    ]


def rows_before(
    conn: psycopg.Connection,
    unit: str,
    days: int,
    kept: dict[tuple[str, date], list[Presence]],
    day: date,
) -> list[Presence]:
    """A unit's stored presence of the `days` days before a day (who lived there before an
    approved absence began: rules.daily.sublet asks for a few flats), kept in `kept`."""
    key = (unit, day)
    if key not in kept:
        rows = conn.execute(
            f"SELECT {_PRESENCE_COLS} FROM detect_presence"
            " WHERE unit_id = %s AND day >= %s AND day < %s"
            " ORDER BY day, identity",
            (unit, day - timedelta(days=days), day),
        ).fetchall()
        kept[key] = [Presence(*r) for r in rows]
    return kept[key]


def card_face_rows(conn: psycopg.Connection, estate: str, before: date) -> list[Presence]:
    """Members' card uses with an unknown face, and strangers' faces, before a day, in
    day order: what the faces learned for cards without enrolment are rebuilt from
    (cardfaces.py). The whole history (e08 at 180 days: 84,000 rows) is read at every
    start, so the one new day's start-up: binary rows in one fetch, and a sort in memory
    (4 MB of work_mem spilled it to disk)."""
    with conn.transaction(), conn.cursor(binary=True) as cur:
        cur.execute("SET LOCAL work_mem = '32MB'")
        rows = cur.execute(
            "SELECT unit_id, day, identity, role, cluster_id FROM detect_presence"
            " WHERE estate_id = %s AND day < %s AND role IN ('member', 'stranger')"
            " AND cluster_id IS NOT NULL ORDER BY day, unit_id, identity, cluster_id",
            (estate, before),
        ).fetchall()
    return [
        Presence(unit, day, identity, role, "card", cluster)
        for unit, day, identity, role, cluster in rows
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
    is lost whole with its watermark (same transaction) and is simply run again. Nor do
    its bitmap scans ask the kernel to prefetch each heap page (effective_io_concurrency
    1: one posix_fadvise per page, one page ahead): the recent days the pass reads are
    in the page cache, where the call is only CPU (e08's 180 days of events: 2.24-2.67
    -> 2.09-2.42 s of backend CPU, three pairs). Nor do the days read ahead sort on disk:
    a week of an estate's events and their faces is two sorts of 3-5 MB each, over the
    default 4 MB of work_mem."""
    conn.execute(
        "SET LOCAL synchronous_commit TO off; SET LOCAL effective_io_concurrency = 0;"
        " SET LOCAL work_mem = '32MB'"
    )


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


class Watermark(StrEnum):
    """How far a pass has got: one row of detect_state, keyed by scope. Per estate
    ('<kind>:<estate>'): DAY, the last local day the daily pass finished; CLOCKS, the day
    the saved unit clocks are up to (behind DAY when a run stopped between flushes). One
    for the platform ('realtime'): the received_at of the last event the real-time loop
    read. The dashboards read DAY in SQL ('day:' || estate_id); the patrols keep their
    own mark (repo/patrols.py)."""

    DAY = "day"
    CLOCKS = "clocks"
    REALTIME = "realtime"

    def scope(self, estate: str | None = None) -> str:
        if (estate is None) != (self is Watermark.REALTIME):
            need = "needs an estate" if estate is None else "is not per estate"
            raise ValueError(f"the {self.value} watermark {need}")
        return self.value if estate is None else f"{self.value}:{estate}"


def watermark_day(conn: psycopg.Connection, kind: Watermark, estate: str) -> date | None:
    row = conn.execute(
        "SELECT day FROM detect_state WHERE scope = %s", (kind.scope(estate),)
    ).fetchone()
    return row[0] if row else None


def watermark_mark(conn: psycopg.Connection, kind: Watermark) -> datetime | None:
    row = conn.execute("SELECT mark FROM detect_state WHERE scope = %s", (kind.scope(),)).fetchone()
    return row[0] if row else None


def set_watermark(
    conn: psycopg.Connection,
    kind: Watermark,
    estate: str | None = None,
    *,
    day: date | None = None,
    mark: datetime | None = None,
) -> None:
    conn.execute(
        "INSERT INTO detect_state (scope, day, mark) VALUES (%s, %s, %s) ON CONFLICT (scope) DO "
        "UPDATE SET day = coalesce(excluded.day, detect_state.day), mark = coalesce(excluded.mark,"
        " detect_state.mark), updated_at = now()",
        (kind.scope(estate), day, mark),
    )


def reset_from(conn: psycopg.Connection, estate: str, since: date, since_at: datetime) -> None:
    """A re-run from a day (starting at `since_at`, its local midnight): forget what
    detection derived from that day on. That includes the stranger clusters whose leader
    came from then: kept, they would take in that day's sightings before their own leader
    was seen again and the re-run would cluster (and alert) differently."""
    conn.execute("DELETE FROM detect_presence WHERE estate_id = %s AND day >= %s", (estate, since))
    conn.execute(
        "DELETE FROM detect_clusters WHERE estate_id = %s AND first_seen >= %s", (estate, since_at)
    )
    conn.execute(
        "DELETE FROM alerts WHERE estate_id = %s AND first_day >= %s AND status <> 'dismissed'"
        " AND source = 'detection'",
        (estate, since),
    )
