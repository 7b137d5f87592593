"""Small builders on top of grafana-foundation-sdk: a raw-SQL query for the PostgreSQL
datasource (the SDK has none), dashboard variables, and the few panel shapes we use."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from grafana_foundation_sdk.builders import bargauge, heatmap, prometheus, stat, table, timeseries
from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog import builder as cog_builder
from grafana_foundation_sdk.cog import variants
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

# The datasource provisioned by deploy/grafana/provisioning/datasources/anju.yaml.
DATASOURCE_UID = "anju-pg"
DATASOURCE_TYPE = "grafana-postgresql-datasource"
DATASOURCE = dm.DataSourceRef(type_val=DATASOURCE_TYPE, uid=DATASOURCE_UID)
# Optional: Prometheus scraping ingest's /metrics (provisioned by docker compose).
PROMETHEUS_UID = "anju-prom"
PROMETHEUS = dm.DataSourceRef(type_val="prometheus", uid=PROMETHEUS_UID)

Format = Literal["time_series", "table"]


class SqlQuery(variants.Dataquery):
    """One raw SQL target, serialized as Grafana's SQL query editor in code mode saves it."""

    def __init__(self, sql: str, fmt: Format, ref_id: str = "A") -> None:
        self.sql = sql.strip()
        self.fmt = fmt
        self.ref_id = ref_id

    def to_json(self) -> dict[str, Any]:
        return {
            "refId": self.ref_id,
            "datasource": {"type": DATASOURCE_TYPE, "uid": DATASOURCE_UID},
            "editorMode": "code",
            "format": self.fmt,
            "rawQuery": True,
            "rawSql": self.sql,
        }


class Sql(cog_builder.Builder[variants.Dataquery]):
    def __init__(self, sql: str, fmt: Format = "time_series", ref_id: str = "A") -> None:
        self._query = SqlQuery(sql, fmt, ref_id)

    def build(self) -> variants.Dataquery:
        return self._query


def query_variable(name: str, label: str, sql: str, *, multi: bool = True) -> db.QueryVariable:
    """A variable filled by SQL (columns __value and __text), refreshed on time change so
    a parent variable's choice narrows it."""
    var = (
        db.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(" ".join(sql.split()))
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
    )
    if multi:
        var = (
            var.multi(True)
            .include_all(True)
            .current(dm.VariableOption(selected=True, text=["All"], value=["$__all"]))
        )
    return var


def constant(name: str, value: str) -> db.ConstantVariable:
    return db.ConstantVariable(name).value(value)


def custom(name: str, label: str, values: list[str], default: str) -> db.CustomVariable:
    return (
        db.CustomVariable(name)
        .label(label)
        .values(",".join(values))
        .current(dm.VariableOption(selected=True, text=default, value=default))
    )


P = TypeVar("P", timeseries.Panel, stat.Panel, table.Panel, bargauge.Panel, heatmap.Panel)


def _panel(
    panel: P, title: str, sql: str, fmt: Format, width: int, height: int, description: str
) -> P:
    return (
        panel.title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(Sql(sql, fmt))
        .span(width)
        .height(height)
    )


def _with_legend(panel: timeseries.Panel) -> timeseries.Panel:
    legend = (
        cb.VizLegendOptions()
        .show_legend(True)
        .display_mode(cm.LegendDisplayMode.LIST)
        .placement(cm.LegendPlacement.BOTTOM)
        .calcs([])
    )
    tooltip = cb.VizTooltipOptions().mode(cm.TooltipDisplayMode.MULTI).sort(cm.SortOrder.DESCENDING)
    return panel.legend(legend).tooltip(tooltip)


def series(
    title: str,
    sql: str,
    *,
    unit: str = "short",
    bars: bool = False,
    stacked: bool = False,
    width: int = 12,
    description: str = "",
) -> timeseries.Panel:
    panel = _with_legend(
        _panel(timeseries.Panel(), title, sql, "time_series", width, 8, description)
        .unit(unit)
        .interval("1m")
    )
    if bars:
        panel = panel.draw_style(cm.GraphDrawStyle.BARS).fill_opacity(80)
    if stacked:
        panel = panel.stacking(cb.StackingConfig().mode(cm.StackingMode.NORMAL))
    return panel


def prom_series(
    title: str,
    exprs: list[tuple[str, str]],
    *,
    unit: str = "short",
    width: int = 12,
    description: str = "",
) -> timeseries.Panel:
    """A time series from Prometheus: (PromQL, legend) per line."""
    panel = _with_legend(
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(PROMETHEUS)
        .unit(unit)
        .span(width)
        .height(8)
    )
    for i, (expr, legend) in enumerate(exprs):
        panel = panel.with_target(
            prometheus.Dataquery()
            .ref_id(chr(ord("A") + i))
            .datasource(PROMETHEUS)
            .expr(expr)
            .legend_format(legend)
            .range()
        )
    return panel


def stat_panel(
    title: str, sql: str, *, unit: str = "short", width: int = 6, description: str = ""
) -> stat.Panel:
    return (
        _panel(stat.Panel(), title, sql, "table", width, 4, description)
        .unit(unit)
        .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )


def table_panel(
    title: str, sql: str, *, width: int = 12, height: int = 8, description: str = ""
) -> table.Panel:
    return _panel(table.Panel(), title, sql, "table", width, height, description).show_header(True)


def bars_panel(
    title: str, sql: str, *, unit: str = "short", width: int = 12, description: str = ""
) -> bargauge.Panel:
    """One bar per row of a (name, value) table."""
    return (
        _panel(bargauge.Panel(), title, sql, "table", width, 8, description)
        .unit(unit)
        .orientation(cm.VizOrientation.HORIZONTAL)
        .display_mode(cm.BarGaugeDisplayMode.GRADIENT)
        .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(True))
    )


def heatmap_panel(title: str, sql: str, *, width: int = 24, description: str = "") -> heatmap.Panel:
    """Rows = series (e.g. buildings), columns = time buckets, colour = value."""
    return (
        _panel(heatmap.Panel(), title, sql, "time_series", width, 10, description)
        .calculate(False)
        .show_value(cm.VisibilityMode.AUTO)
    )
