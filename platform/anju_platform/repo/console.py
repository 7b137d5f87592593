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
