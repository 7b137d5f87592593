"""Shared set-up of the detection tests that run the pass over a simulated portfolio."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from anju_bench.detect_load import load_events
from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.day_pass import EstatePass
from anju_platform.detect.register import Register
from anju_platform.detect.settings import DetectSettings
from anju_sim.dbload import load_register


def load_portfolio(conn: psycopg.Connection, pf: Any) -> None:
    """The portfolio's register and events, committed; the connection is left in
    autocommit, as the pass runs its own transactions."""
    load_register(conn, pf)
    load_events(conn, pf)
    conn.commit()
    conn.autocommit = True


def bare_pass(watched_from: date, estate: str = "e1") -> EstatePass:
    """A daily pass with a real, empty register and clusterer (the compiled pass checks
    their types) and no connection: for tests of what it keeps in memory, which never
    read the database."""
    no_conn: Any = None
    settings = DetectSettings()
    register = Register(estate)
    return EstatePass(
        no_conn, estate, settings, register, watched_from, Clusterer(settings.cluster_distance)
    )
