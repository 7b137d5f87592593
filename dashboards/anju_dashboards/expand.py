"""Expands a panel's SQL the way Grafana's PostgreSQL datasource does (with
`timescaledb: true`, as provisioned), so the queries can be run without Grafana:
tests run every panel against a real database, `anju dashboards check` against yours.

Covered: $__interval, $__interval_ms, $__timeFilter(col), $__timeGroup(col, 'iv'),
$__timeGroupAlias(col, 'iv'), $__timeFrom(), $__timeTo(), and variables as $name,
${name} and ${name:sqlstring}. A multi-value $name is quoted and comma-joined, as
Grafana's SQL datasources do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_MACRO = re.compile(r"\$__(\w+)\(([^()]*)\)")
_VAR = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)")


class ExpandError(ValueError):
    pass


def parse_interval(text: str) -> timedelta:
    m = re.fullmatch(r"\s*'?(\d+)(ms|s|m|h|d|w|y)'?\s*", text)
    if not m:
        raise ExpandError(f"not a Grafana interval: {text!r}")
    return timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])


def format_interval(iv: timedelta) -> str:
    """Grafana's short form: 300 s -> '5m'."""
    secs = int(iv.total_seconds())
    for unit in ("d", "h", "m"):
        if secs and secs % _UNITS[unit] == 0:
            return f"{secs // int(_UNITS[unit])}{unit}"
    return f"{secs}s"


def _rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Context:
    time_from: datetime  # UTC
    time_to: datetime
    interval: timedelta = timedelta(minutes=1)
    variables: dict[str, list[str]] = field(default_factory=dict)


def _macro(name: str, args: list[str], ctx: Context) -> str:
    if name == "timeFilter":
        return f"{args[0]} BETWEEN '{_rfc3339(ctx.time_from)}' AND '{_rfc3339(ctx.time_to)}'"
    if name == "timeFrom":
        return f"'{_rfc3339(ctx.time_from)}'"
    if name == "timeTo":
        return f"'{_rfc3339(ctx.time_to)}'"
    if name in ("timeGroup", "timeGroupAlias"):
        if len(args) < 2:
            raise ExpandError(f"$__{name} needs a column and an interval")
        secs = parse_interval(args[1]).total_seconds()
        out = f"time_bucket('{secs:.0f}s',{args[0]})"
        return out + ' AS "time"' if name == "timeGroupAlias" else out
    raise ExpandError(f"unsupported macro $__{name}")


def expand(sql: str, ctx: Context) -> str:
    """The SQL Grafana would send for this time range, interval and variable values."""
    iv = ctx.interval
    text = sql.replace("$__interval_ms", str(int(iv.total_seconds() * 1000)))
    text = text.replace("$__interval", format_interval(iv))

    def var(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        fmt = m.group(2)
        if name.startswith("__"):
            raise ExpandError(f"unsupported built-in ${name}")
        if name not in ctx.variables:
            raise ExpandError(f"no value for variable ${name}")
        values = ctx.variables[name]
        if fmt == "sqlstring" or len(values) > 1:
            return ",".join(_quote(v) for v in values)
        if fmt not in (None, "raw"):
            raise ExpandError(f"unsupported format ${{{name}:{fmt}}}")
        return values[0]

    text = _VAR.sub(lambda m: m.group(0) if m.group(0).startswith("$__") else var(m), text)

    def macro(m: re.Match[str]) -> str:
        args = [a.strip() for a in m.group(2).split(",")] if m.group(2).strip() else []
        return _macro(m.group(1), args, ctx)

    text = _MACRO.sub(macro, text)
    if "$" in re.sub(r"\$\$|'[^']*'", "", text):
        raise ExpandError(f"unexpanded $ left in: {text}")
    return text


def panel_queries(model: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, raw SQL) of every SQL target of a dashboard, rows included."""
    out: list[tuple[str, str]] = []
    stack = list(model.get("panels", []))
    while stack:
        panel = stack.pop(0)
        stack.extend(panel.get("panels", []))
        out.extend((panel["title"], t["rawSql"]) for t in panel.get("targets", []) if "rawSql" in t)
    return out


def variable_queries(model: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (v["name"], v["query"])
        for v in model.get("templating", {}).get("list", [])
        if v.get("type") == "query"
    ]
