"""SQL of the building-level reasoning (issue 16 item 1): which entrance (stairwell) of
which building each gateway and flat is at, the unlinked strangers' sightings per place
and day
(detect_building_sightings, migration 0013), and the building-level alerts (unit_id
NULL, building_id set: one live alert per building and type)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import numpy as np
import psycopg

from anju_platform.detect import facelog, repo, repo_alerts
from anju_platform.detect.merge import CLOSE_AFTER, OPEN_SCORE
from anju_platform.detect.model import Finding
from anju_platform.detect.rules.building import Sighting


def places(
    conn: psycopg.Connection, estate: str
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(gateway -> place, flat -> place, place -> building) of an estate. A place is an
    entrance (stairwell) of a building, or the building where no entrance is named; a
    gateway whose devices serve several places is left out (its sightings cannot be
    placed)."""
    gates: dict[str, set[str]] = {}
    building: dict[str, str] = {}
    for gw, e, b in conn.execute(
        "SELECT DISTINCT d.gateway_id, d.entrance_id, d.building_id FROM devices d"
        " JOIN gateways g USING (gateway_id) WHERE g.estate_id = %s AND d.building_id IS NOT NULL",
        (estate,),
    ):
        gates.setdefault(gw, set()).add(e or b)
        building[e or b] = b
    units: dict[str, str] = {}
    for u, e, b in conn.execute(
        "SELECT unit_id, entrance_id, building_id FROM units WHERE estate_id = %s", (estate,)
    ):
        units[u] = e if e in building else b
        building.setdefault(units[u], b)
    return {gw: next(iter(ps)) for gw, ps in gates.items() if len(ps) == 1}, units, building


def save_sightings(conn: psycopg.Connection, estate: str, rows: list[Sighting]) -> None:
    """A day's rows; the day has none yet (a run resets its days first: reset_from)."""
    if not rows:
        return
    with conn.cursor().copy(
        "COPY detect_building_sightings (estate_id, place_id, day, identity, n_in, last_in,"
        " last_hour, followed, first_seen, event_ids) FROM STDIN"
    ) as cp:
        for x in rows:
            cp.write_row(
                (estate, x.place, x.day, x.identity, x.n_in, x.last_in, x.last_hour,
                 x.followed, x.first_seen, "{" + ",".join(x.event_ids) + "}")
            )  # fmt: skip


def unknown_faces(
    conn: psycopg.Connection, estate: str, gateway: str, start: datetime, end: datetime
) -> tuple[list[datetime], np.ndarray]:
    """Unknown faces (no person matched) at a gateway in [start, end): times, embeddings.
    What the running pass has read is taken from its log (facelog); SQL reads only the
    rest, before the first day it read."""
    log = facelog.of(conn, estate)
    got = log.faces(gateway, start, end) if log is not None else None
    if got is None:
        return _unknown_faces(conn, estate, gateway, start, end)
    since, times, faces = got
    if start < since:
        before, earlier = _unknown_faces(conn, estate, gateway, start, since)
        times = before + times
        faces = [*earlier, *faces]
    if not times:
        return [], np.zeros((0, 128), dtype=np.float32)
    return times, np.stack(faces)


def _unknown_faces(
    conn: psycopg.Connection, estate: str, gateway: str, start: datetime, end: datetime
) -> tuple[list[datetime], np.ndarray]:
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT e.time, f.embedding FROM events e JOIN event_faces f"
            " ON f.event_id = e.event_id AND f.time = e.time"
            " AND f.estate_id = %(e)s AND f.time >= %(a)s AND f.time < %(b)s"
            " WHERE e.estate_id = %(e)s AND e.gateway_id = %(g)s AND e.kind = 'face'"
            " AND e.time >= %(a)s AND e.time < %(b)s AND e.person_id IS NULL"
            " AND f.embedding IS NOT NULL",
            {"e": estate, "g": gateway, "a": start, "b": end},
        ).fetchall()
    return repo.times_and_embeddings(rows)


def sightings(conn: psycopg.Connection, estate: str, start: date, end: date) -> list[Sighting]:
    rows = conn.execute(
        "SELECT place_id, day, identity, n_in, last_in, last_hour, followed, first_seen,"
        " array_to_string(event_ids, ',') FROM detect_building_sightings"
        " WHERE estate_id = %s AND day >= %s AND day <= %s ORDER BY day, place_id, identity",
        (estate, start, end),
    ).fetchall()
    return [
        Sighting(b, d, ident, n_in, last_in, hour, fol, seen, tuple(ids.split(",")) if ids else ())
        for b, d, ident, n_in, last_in, hour, fol, seen, ids in rows
    ]


def sighted(
    conn: psycopg.Connection, estate: str, start: date, end: date
) -> list[tuple[date, str]]:
    """(day, identity) of the sightings since..end, in sightings' order: all a restart
    needs of the days before the window (the learned card faces' `about`)."""
    with conn.cursor(binary=True) as cur:
        return cur.execute(
            "SELECT day, identity FROM detect_building_sightings WHERE estate_id = %s"
            " AND day >= %s AND day <= %s ORDER BY day, place_id, identity",
            (estate, start, end),
        ).fetchall()


def members_seen(
    conn: psycopg.Connection, units: list[str], since: date, before: date
) -> list[tuple[str, date, str]]:
    """(flat, day, member) of these flats' members seen since..before (the stored
    presence): the days before a run that its pins read (building.BuildingPass)."""
    return conn.execute(
        "SELECT unit_id, day, identity FROM detect_presence WHERE unit_id = ANY(%s)"
        " AND role = 'member' AND day >= %s AND day < %s",
        (units, since, before),
    ).fetchall()


def reset_from(conn: psycopg.Connection, estate: str, since: date) -> None:
    """A re-run from a day (the building alerts go with repo.reset_from's)."""
    conn.execute(
        "DELETE FROM detect_building_sightings WHERE estate_id = %s AND day >= %s",
        (estate, since),
    )


def apply_findings(
    conn: psycopg.Connection,
    estate: str,
    unit_grids: dict[str, str | None],
    unit_building: dict[str, str],
    findings: dict[str, Finding],
    today: date,
) -> None:
    """`findings`: building -> its finding today. One live alert per building and type:
    created, or its score, reason and last day updated (watch -> open at OPEN_SCORE);
    closed as the flat alerts are when the pattern has not been seen for a while.
    Routed to the grid most of the building's flats are in."""
    live = {
        (b, t): (aid, st, sc, last)
        for aid, b, t, st, sc, last in conn.execute(
            "SELECT alert_id, building_id, type, status, score, last_day FROM alerts"
            " WHERE estate_id = %s AND unit_id IS NULL AND source = 'detection'"
            " AND status IN ('watch', 'open', 'acknowledged')",
            (estate,),
        )
    }
    for b in sorted(findings):
        f = findings[b]
        got = live.get((b, f.type))
        if got is None:
            grids = Counter(g for u, g in unit_grids.items() if unit_building.get(u) == b and g)
            grid = min(grids.items(), key=lambda kv: (-kv[1], kv[0]))[0] if grids else None
            status = "open" if f.score >= OPEN_SCORE else "watch"
            row = conn.execute(
                "INSERT INTO alerts (estate_id, unit_id, building_id, grid_id, type, status,"
                " score, level, reason_en, reason_zh, first_day, last_day, opened_at,"
                " opened_day, persons) VALUES (%s, NULL, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, CASE WHEN %s = 'open' THEN now() END,"
                " CASE WHEN %s = 'open' THEN %s::date END, %s) RETURNING alert_id",
                (estate, b, grid, f.type, status, f.score, f.level, f.reason_en, f.reason_zh,
                 f.first_day or f.day, f.day, status, status, f.day, list(f.persons)),
            ).fetchone()  # fmt: skip
            assert row is not None
            aid = int(row[0])
        else:
            aid, st, sc, _ = got
            score = max(sc, f.score)
            status = "open" if st == "watch" and score >= OPEN_SCORE else st
            conn.execute(
                "UPDATE alerts SET status = %s, score = %s, reason_en = %s, reason_zh = %s,"
                " first_day = LEAST(first_day, %s), last_day = %s, persons = %s,"
                " updated_at = now(),"
                " opened_at = coalesce(opened_at, CASE WHEN %s = 'open' THEN now() END),"
                " opened_day = coalesce(opened_day, CASE WHEN %s = 'open' THEN %s::date END)"
                " WHERE alert_id = %s",
                (status, score, f.reason_en, f.reason_zh, f.first_day or f.day, f.day,
                 list(f.persons), status, status, f.day, aid),
            )  # fmt: skip
        repo_alerts.add_evidence(conn, aid, f)
    quiet = today - timedelta(days=CLOSE_AFTER["default"])
    for (b, _), (aid, st, _, last) in live.items():
        if b not in findings and st in ("watch", "open") and last < quiet:
            repo_alerts.set_status(conn, aid, "closed", "pattern ended")
