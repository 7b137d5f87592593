"""The four dashboards. `build_all()` gives Grafana's JSON model of each, in a stable
form (same input, same bytes), which `anju dashboards export` writes and `publish` sends."""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from anju_dashboards import queries as q
from anju_dashboards.panels import (
    bars_panel,
    constant,
    custom,
    heatmap_panel,
    prom_series,
    query_variable,
    series,
    stat_panel,
    table_panel,
)

FOLDER_TITLE = "Anju"
FOLDER_UID = "anju"


def _base(uid: str, title: str, description: str, since: str, refresh: str) -> db.Dashboard:
    return (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["anju"])
        .time(since, "now")
        .refresh(refresh)
        .timezone("browser")
        .readonly()
    )


def _estate_vars(board: db.Dashboard, *, building: bool, grid: bool) -> db.Dashboard:
    board = board.with_variable(query_variable("estate", "Estate", q.VAR_ESTATE))
    if building:
        board = board.with_variable(query_variable("building", "Building", q.VAR_BUILDING))
    if grid:
        board = board.with_variable(query_variable("grid", "Grid", q.VAR_GRID))
    # The estates' clock: local days start at local midnight (China: UTC+8).
    return board.with_variable(constant("local_offset", "8 hours"))


def estate_live() -> db.Dashboard:
    board = _base(
        "anju-estate-live",
        "Anju · Estate live",
        "Doors, faces, QR scans, open alerts and gateways of the chosen estates.",
        "now-6h",
        "30s",
    )
    board = _estate_vars(board, building=True, grid=True)
    return (
        board.with_row(db.Row("Now"))
        .with_panel(stat_panel("In the time range", q.TOTALS, width=12))
        .with_panel(stat_panel("Gateways", q.GATEWAY_COUNTS, width=12))
        .with_row(db.Row("Doors"))
        .with_panel(
            series(
                "Entries and exits per entrance (per 5 min)",
                q.ENTRIES_EXITS,
                bars=True,
                stacked=True,
                width=24,
            )
        )
        .with_panel(series("Denied accesses by reason", q.DENIED, bars=True, stacked=True))
        .with_panel(series("Face sightings: matched vs unknown", q.FACES, stacked=True))
        .with_panel(series("QR scans by purpose", q.QR_BY_PURPOSE, bars=True, stacked=True))
        .with_panel(
            table_panel(
                "Open alerts by type and grid",
                q.OPEN_ALERTS,
                description="Alerts an inspector should act on (open or acknowledged).",
            )
        )
        .with_row(db.Row("Gateways"))
        .with_panel(
            table_panel(
                "Gateways: online/offline and buffered events",
                q.GATEWAYS,
                width=24,
                height=10,
                description="silent = no heartbeat or status for 3 minutes (heartbeat: 30 s).",
            )
        )
    )


def occupancy() -> db.Dashboard:
    board = _base(
        "anju-occupancy",
        "Anju · Occupancy",
        "Which flats are lived in: active households, silent flats, strangers at night.",
        "now-90d",
        "1h",
    )
    board = _estate_vars(board, building=True, grid=True)
    return (
        board.with_panel(
            heatmap_panel(
                "Active households per building per day",
                q.ACTIVE_HOUSEHOLDS,
                description="Flats where detection saw a registered member that day "
                "(card, QR pass or face). Needs `anju detect`.",
            )
        )
        .with_panel(
            bars_panel(
                "Let flats without activity",
                q.SILENT_COUNTS,
                width=8,
                description="Days since a member was last seen, at the range's end or "
                "detection's last day. Needs `anju detect`.",
            )
        )
        .with_panel(table_panel("Flats without activity for 30+ days", q.SILENT_FLATS, width=16))
        .with_panel(
            series(
                "Overnight strangers per building",
                q.OVERNIGHT_STRANGERS,
                bars=True,
                stacked=True,
                description="Unknown faces entering between 22:00 and 06:00 local time.",
            )
        )
        .with_panel(table_panel("Entrances with strangers at night", q.OVERNIGHT_ENTRANCES))
        .with_panel(
            table_panel(
                "Flats with strangers at night",
                q.NIGHT_STRANGER_FLATS,
                width=24,
                description="People detection attributes to a flat who are not of its "
                "household (unknown faces clustered, borrowed cards), seen at night.",
            )
        )
    )


def operations() -> db.Dashboard:
    board = _base(
        "anju-operations",
        "Anju · Operations",
        "Alert inflow vs handled, time to handle, due-time share, patrol coverage.",
        "now-30d",
        "5m",
    )
    board = (
        board.with_variable(query_variable("estate", "Estate", q.VAR_ESTATE))
        .with_variable(query_variable("grid", "Grid", q.VAR_GRID))
        .with_variable(custom("due_hours", "Due within (hours)", ["24", "48", "72", "168"], "72"))
        .with_variable(constant("local_offset", "8 hours"))
    )
    return (
        board.with_panel(stat_panel("Backlog", q.ALERT_BACKLOG, width=24))
        .with_panel(series("Alerts raised vs handled per day", q.ALERT_FLOW, bars=True))
        .with_panel(
            series(
                "Time to handle (opened -> closed)",
                q.TIME_TO_HANDLE,
                unit="h",
                description="Until inspection cases exist, closing or dismissing an alert "
                "stands for the inspection.",
            )
        )
        .with_panel(table_panel("Handled within due time", q.WITHIN_DUE))
        .with_panel(
            series(
                "Patrol coverage per day",
                q.PATROL_COVERAGE,
                unit="percent",
                description="Share of the checkpoints scanned in the last 30 days "
                "that were scanned that day.",
            )
        )
        .with_panel(table_panel("Patrol checkpoints", q.PATROL_CHECKPOINTS, width=24))
    )


def pipeline_health() -> db.Dashboard:
    board = _base(
        "anju-pipeline",
        "Anju · Pipeline health",
        "Events stored per second, ingest lag, batch sizes, dead letters, edge buffers.",
        "now-1h",
        "10s",
    )
    board = board.with_variable(query_variable("estate", "Estate", q.VAR_ESTATE))
    return (
        board.with_panel(stat_panel("Edge", q.EDGE_DROPS, width=24))
        .with_panel(series("Events stored per second by kind", q.EVENTS_PER_SECOND, stacked=True))
        .with_panel(
            series(
                "Ingest lag (received - event time)",
                q.INGEST_LAG,
                unit="s",
                description="Includes time an event waited in a gateway's buffer.",
            )
        )
        .with_panel(series("Dead letters by reason", q.DEAD_LETTERS, bars=True, stacked=True))
        .with_panel(bars_panel("Edge buffer depth (top 20 gateways)", q.BUFFER_DEPTH))
        .with_panel(table_panel("Recent dead letters", q.DEAD_LETTERS_RECENT))
        .with_row(db.Row("Ingest workers (Prometheus, from each worker's /metrics)"))
        .with_panel(
            prom_series(
                "Stored per second per worker",
                [
                    (q.PROM_STORED, "{{worker}}"),
                    (q.PROM_DUPLICATES, "redeliveries (already stored)"),
                    (q.PROM_UP, "workers up"),
                ],
            )
        )
        .with_panel(
            prom_series(
                "Batch size (events per transaction)",
                [
                    (q.PROM_BATCH_P50, "p50"),
                    (q.PROM_BATCH_P99, "p99"),
                    (q.PROM_BATCH_MEAN, "mean"),
                ],
            )
        )
        .with_panel(
            prom_series(
                "Receive -> commit lag (last batch)",
                [(q.PROM_LAG, "{{worker}}")],
                unit="s",
            )
        )
        .with_panel(
            prom_series(
                "Pending messages, dead letters and database errors",
                [
                    (q.PROM_PENDING, "pending {{worker}}"),
                    (q.PROM_DEAD, "dead letters/s {{reason}}"),
                    (q.PROM_DB_ERRORS, "database errors/s"),
                ],
            )
        )
    )


BOARDS = (estate_live, occupancy, operations, pipeline_health)


def to_json(board: db.Dashboard) -> dict[str, Any]:
    """Grafana's JSON model; panels numbered 1.. (the SDK leaves every id 0)."""
    model: dict[str, Any] = json.loads(json.dumps(board.build(), cls=JSONEncoder))
    for i, panel in enumerate(model.get("panels", []), start=1):
        panel["id"] = i
    for var in model.get("templating", {}).get("list", []):
        var.pop("id", None)  # a fixed all-zero uuid; Grafana does not need one
    return model


def build_all() -> list[dict[str, Any]]:
    return [to_json(make()) for make in BOARDS]


def dump(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
