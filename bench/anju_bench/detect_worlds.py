"""`anju bench detect --worlds`: quality per world family and seed, and its table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anju_bench.detect import run


def run_worlds(
    worlds: list[str],
    seeds: list[int],
    flats: int,
    days: int,
    workers: int | None = None,
    violation_scale: float = 1.0,
    each: Callable[[dict[str, Any]], None] | None = None,
    face_spread: float = 1.0,
) -> list[dict[str, Any]]:
    """Quality per world family and seed (no timings); `each` gets every result as it
    comes (a long series reports as it goes)."""
    out = []
    for w in worlds:
        for seed in seeds:
            r = run(flats, days, seed, workers=workers, world=w, timings=False,
                    violation_scale=violation_scale, face_spread=face_spread)  # fmt: skip
            out.append(r)
            if each:
                each(r)
    return out


def world_lines(results: list[dict[str, Any]]) -> list[str]:
    """Per world, seed and type: precision, recall, median days to alert (a table)."""

    def f(x: Any) -> str:
        return "-" if x is None else f"{x:g}" if isinstance(x, float | int) else str(x)

    out = [f"{'world':9} {'seed':>5} {'type':20} {'lab':>4} {'alr':>4} {'prec':>5} "
           f"{'recall':>6} {'days':>5}"]  # fmt: skip
    for r in results:
        w = r.get("world", {}).get("family", "default")
        for typ, v in r["per_type"].items():
            if "labelled" not in v:
                continue
            out.append(
                f"{w:9} {r['seed']:>5} {typ:20} {v['labelled']:>4} {v['alerted']:>4} "
                f"{f(v['precision']):>5} {f(v['recall']):>6} {f(v['median_days_to_alert']):>5}"
            )
        out.append(
            f"{w:9} {r['seed']:>5} false alerts on clean flats "
            f"{r['false_alerts_clean_per_1000_flats_month']} per 1,000 flats a month; "
            f"wrong-type alerts {r['wrong_type_alerts']}"
        )
        c = r["care_checks"]
        out.append(
            f"{w:9} {r['seed']:>5} care checks: {c['within_3_days']} of {c['labelled']} "
            f"within 3 days, {c['false_per_100_elderly_alone_month']} false per 100 elderly "
            "alone a month"
        )
    return out
