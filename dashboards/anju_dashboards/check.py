"""Run every panel's SQL against a database, as Grafana would send it: variables take
all the values their own queries return (the "All" choice), constants and custom
variables their default. Used by `anju dashboards check` to try the dashboards on a
real store (e.g. TimescaleDB) without Grafana, and to time the panels."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from anju_dashboards.expand import Context, expand, panel_queries

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class PanelResult:
    dashboard: str
    panel: str
    rows: int
    ms: float
    error: str | None


def variable_values(
    conn: psycopg.Connection, model: dict[str, Any], time_from: datetime, time_to: datetime
) -> dict[str, list[str]]:
    """Values of the dashboard's variables, in order (a later query may use an earlier)."""
    values: dict[str, list[str]] = {}
    for var in model.get("templating", {}).get("list", []):
        kind, name = var.get("type"), var["name"]
        if kind == "query":
            sql = expand(var["query"], Context(time_from, time_to, variables=values))
            with conn.transaction():
                values[name] = [str(r[0]) for r in conn.execute(sql.encode()).fetchall()]
            if not values[name]:
                values[name] = [""]  # Grafana sends an empty value: queries still run
        elif kind == "constant":
            values[name] = [str(var["query"])]
        elif kind == "custom":
            values[name] = [str(var["current"]["value"])]
    return values


def check(
    url: str,
    models: list[dict[str, Any]],
    time_from: datetime,
    time_to: datetime,
    interval: timedelta = timedelta(minutes=1),
) -> list[PanelResult]:
    import psycopg

    out = []
    with psycopg.connect(url, autocommit=True) as conn:
        for model in models:
            variables = variable_values(conn, model, time_from, time_to)
            ctx = Context(time_from, time_to, interval, variables)
            for title, sql in panel_queries(model):
                t0 = time.perf_counter()
                try:
                    rows = conn.execute(expand(sql, ctx).encode()).fetchall()
                    error = None
                except psycopg.Error as err:
                    rows, error = [], str(err).strip().splitlines()[0]
                ms = (time.perf_counter() - t0) * 1000
                out.append(PanelResult(model["uid"], title, len(rows), round(ms, 1), error))
    return out
