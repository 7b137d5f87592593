"""Shared set-up of the detection tests that run the pass over a simulated portfolio."""

from __future__ import annotations

from typing import Any

import psycopg

from anju_bench.detect import load_events
from anju_sim.dbload import load_register


def load_portfolio(conn: psycopg.Connection, pf: Any) -> None:
    """The portfolio's register and events, committed; the connection is left in
    autocommit, as the pass runs its own transactions."""
    load_register(conn, pf)
    load_events(conn, pf)
    conn.commit()
    conn.autocommit = True
