"""Reads for the console's estate overview: gateway health (no personal data)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row


def gateway_health(conn: psycopg.Connection, estate_id: str) -> list[dict[str, Any]]:
    """Every gateway of the estate still in service, with the state ingest last recorded."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "SELECT g.gateway_id, g.name, coalesce(s.state, 'unknown') AS state,"
            " s.version, s.state_time, s.heartbeat_time, s.queue_depth, s.dropped"
            " FROM gateways g LEFT JOIN gateway_state s USING (gateway_id)"
            " WHERE g.estate_id = %s AND g.ended_on IS NULL ORDER BY g.gateway_id",
            (estate_id,),
        )
        return list(cur.fetchall())


def places(conn: psycopg.Connection, estate_id: str, grids: list[str] | None) -> dict[str, Any]:
    """The estate's buildings, entrances, grids and flats (only `grids`' flats when
    given), each flat with its current household and lease holder's name."""
    with conn.cursor(row_factory=dict_row) as cur:
        buildings = cur.execute(
            "SELECT building_id, name FROM buildings WHERE estate_id = %s ORDER BY building_id",
            (estate_id,),
        ).fetchall()
        entrances = cur.execute(
            "SELECT n.entrance_id, n.building_id, n.name FROM entrances n"
            " JOIN buildings b USING (building_id) WHERE b.estate_id = %s ORDER BY n.entrance_id",
            (estate_id,),
        ).fetchall()
        grid_rows = cur.execute(
            "SELECT grid_id, name FROM grids WHERE estate_id = %s ORDER BY grid_id", (estate_id,)
        ).fetchall()
        units = cur.execute(
            "SELECT u.unit_id, u.building_id, u.entrance_id, u.grid_id, u.floor, u.number,"
            " b.name AS building_name, n.name AS entrance_name, h.household_id,"
            " (SELECT p.name FROM household_members m JOIN persons p USING (person_id)"
            "   WHERE m.household_id = h.household_id AND m.valid_from <= current_date"
            "   AND (m.valid_to IS NULL OR m.valid_to >= current_date)"
            "   ORDER BY m.role = 'lease_holder' DESC, m.valid_from LIMIT 1) AS household_name"
            " FROM units u JOIN buildings b USING (building_id)"
            " LEFT JOIN entrances n ON n.entrance_id = u.entrance_id"
            " LEFT JOIN LATERAL (SELECT household_id FROM households x WHERE x.unit_id = u.unit_id"
            "   AND (x.move_out IS NULL OR x.move_out >= current_date)"
            "   ORDER BY x.lease_start DESC LIMIT 1) h ON true"
            " WHERE u.estate_id = %(e)s"
            " AND (%(g)s::text[] IS NULL OR u.grid_id = ANY(%(g)s::text[]))"
            " ORDER BY u.unit_id",
            {"e": estate_id, "g": grids},
        ).fetchall()
    return {"buildings": buildings, "entrances": entrances, "grids": grid_rows, "units": units}


def devices(conn: psycopg.Connection, estate_id: str) -> list[dict[str, Any]]:
    """The estate's devices with the names of the building and entrance they are at."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT d.device_id, d.gateway_id, d.kind, d.name, d.door_id,"
            " b.name AS building_name, n.name AS entrance_name FROM devices d"
            " JOIN gateways g USING (gateway_id)"
            " LEFT JOIN buildings b ON b.building_id = d.building_id"
            " LEFT JOIN entrances n ON n.entrance_id = d.entrance_id"
            " WHERE g.estate_id = %s ORDER BY d.device_id",
            (estate_id,),
        ).fetchall()


def open_alerts_by_day(
    conn: psycopg.Connection, estate_id: str, grids: list[str] | None, days: int, tz_hours: int
) -> list[dict[str, Any]]:
    """Alerts open (opened, not yet closed or dismissed) at the end of each of the last
    `days` local days, by type and grid. Watch-level alerts never opened: not counted."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "WITH today AS (SELECT (now() + make_interval(hours => %(tz)s))::date AS d)"
            " SELECT s.d::date AS day, a.type, a.grid_id, count(*)::int AS open"
            " FROM today, generate_series(today.d - (%(days)s - 1), today.d, interval '1 day') s(d)"
            " JOIN alerts a ON a.estate_id = %(e)s AND a.opened_day IS NOT NULL"
            "  AND a.opened_day <= s.d::date"
            "  AND (a.closed_at IS NULL"
            "   OR (a.closed_at + make_interval(hours => %(tz)s))::date > s.d::date)"
            " WHERE (%(g)s::text[] IS NULL OR a.grid_id = ANY(%(g)s::text[]))"
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            {"e": estate_id, "g": grids, "days": days, "tz": tz_hours},
        ).fetchall()


def entries_by_hour(
    conn: psycopg.Connection, estate_id: str, days: int, tz_hours: int
) -> list[dict[str, Any]]:
    """Doors opened for someone coming in, by local hour of day and entrance, over the
    last `days` days."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT extract(hour FROM e.time + make_interval(hours => %(tz)s))::int AS hour,"
            " d.entrance_id, count(*)::int AS n FROM events e"
            " JOIN devices d ON d.device_id = e.device_id"
            " WHERE e.estate_id = %(e)s AND e.kind = 'access' AND e.direction = 'in'"
            " AND e.granted AND e.time >= now() - make_interval(days => %(days)s)"
            " GROUP BY 1, 2 ORDER BY 1, 2",
            {"e": estate_id, "days": days, "tz": tz_hours},
        ).fetchall()


def gateway_hours(conn: psycopg.Connection, estate_id: str, days: int) -> list[dict[str, Any]]:
    """Per gateway in service, the hours of the last `days` days in which it was heard
    from (any event, heartbeats every 30 s)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT g.gateway_id, coalesce(h.hours, 0)::int AS hours FROM gateways g"
            " LEFT JOIN (SELECT gateway_id, count(DISTINCT date_trunc('hour', time)) AS hours"
            "   FROM events WHERE estate_id = %(e)s"
            "   AND time >= now() - make_interval(days => %(days)s) GROUP BY 1) h"
            "  USING (gateway_id)"
            " WHERE g.estate_id = %(e)s AND g.ended_on IS NULL ORDER BY g.gateway_id",
            {"e": estate_id, "days": days},
        ).fetchall()
