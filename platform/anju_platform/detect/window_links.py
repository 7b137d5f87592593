"""The stranger clusters the window links to one flat (presence.cluster_links), kept as
days enter and leave the window: each day's (cluster, flat) pairs are counted once, and
only the clusters a day added or took away are judged again (28 days of pairs were
counted again every day)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from anju_platform.detect.model import Presence
from anju_platform.detect.presence import linked_flat


@dataclass
class ClusterLinks:
    min_days: int = 2
    share: float = 1.0
    # day -> (its window rows, the (stranger cluster, flat) pairs among them)
    days: dict[date, tuple[list[Presence], list[tuple[str, str]]]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # cluster -> flat -> days
    linked: dict[str, str] = field(default_factory=dict)  # cluster -> its flat

    def update(self, window: dict[date, list[Presence]]) -> dict[str, str]:
        """cluster_links(the window's pairs per day, min_days, share), as a new dict."""
        touched: set[str] = set()
        for day, (rows, pairs) in list(self.days.items()):
            if window.get(day) is not rows:  # left the window (or the day was run again)
                del self.days[day]
                self._count(pairs, -1, touched)
        for day, rows in window.items():
            if day not in self.days:
                pairs = sorted({(p.identity, p.unit_id) for p in rows if p.role == "stranger"})
                self.days[day] = (rows, pairs)
                self._count(pairs, 1, touched)
        for cid in touched:
            self._judge(cid)
        return dict(self.linked)

    def _count(self, pairs: list[tuple[str, str]], k: int, touched: set[str]) -> None:
        counts = self.counts
        for cid, unit in pairs:
            per = counts.get(cid)
            if per is None:
                per = counts[cid] = {}
            n = per[unit] = per.get(unit, 0) + k
            if not n:
                del per[unit]
                if not per:
                    del counts[cid]
            touched.add(cid)

    def _judge(self, cid: str) -> None:
        per = self.counts.get(cid)
        unit = linked_flat(per, self.min_days, self.share) if per else None
        if unit is None:
            self.linked.pop(cid, None)
        else:
            self.linked[cid] = unit
