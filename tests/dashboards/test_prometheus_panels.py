"""The Prometheus panels ask for metrics ingest really exports, under their real names
and labels (rendered by anju_ingest.metrics), and their PromQL is well formed."""

from __future__ import annotations

import re
from typing import Any

from anju_dashboards.boards import build_all
from anju_ingest.metrics import Metrics

METRIC = re.compile(r"\b(anju_\w+)")


def _prom_targets() -> list[dict[str, Any]]:
    out = []
    for model in build_all():
        for panel in model["panels"]:
            for target in panel.get("targets", []):
                if target.get("datasource", {}).get("type") == "prometheus":
                    out.append(target)
    return out


def _exported() -> tuple[set[str], set[str]]:
    m = Metrics(worker="w1")
    m.batch_done(10, 9, {"schema": 1}, 0.05, 0.2)
    text = m.render()
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    labels = set(re.findall(r"(\w+)=\"", text))
    return names, labels


def test_prometheus_panels_use_exported_metrics_and_labels() -> None:
    targets = _prom_targets()
    assert len(targets) >= 8
    names, labels = _exported()
    for t in targets:
        expr = t["expr"]
        used = set(METRIC.findall(expr))
        assert used and used <= names, f"{expr}: {used - names} not exported"
        for group in re.findall(r"by \(([^)]*)\)", expr):
            for label in (g.strip() for g in group.split(",")):
                assert label == "le" or label in labels, f"{expr}: label {label}"
        assert expr.count("(") == expr.count(")") and expr.count("[") == expr.count("]")
        assert t["refId"] and t["datasource"]["uid"] == "anju-prom"


def test_prometheus_panels_are_a_separate_row_of_pipeline_health() -> None:
    (pipeline,) = [m for m in build_all() if m["uid"] == "anju-pipeline"]
    rows = [p["title"] for p in pipeline["panels"] if p["type"] == "row"]
    assert any("Prometheus" in r for r in rows)
    sql_only = [m for m in build_all() if m["uid"] != "anju-pipeline"]
    assert all(
        t["datasource"]["uid"] == "anju-pg"
        for m in sql_only
        for p in m["panels"]
        for t in p.get("targets", [])
    )
