"""The stranger clusters the window links to one flat (cluster_links), kept as
days enter and leave the window: each day's (cluster, flat) pairs are counted once, and
only the clusters a day added or took away are judged again (28 days of pairs were
counted again every day)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from itertools import chain

from anju_platform.detect.model import Presence


@dataclass
class ClusterLinks:
    min_days: int = 2
    share: float = 1.0
    stay_days: int = 0  # stayed on this many of its days for the flat (cluster_link_stay_days)
    # day -> (its window rows, the (stranger cluster, flat) pairs among them, and the pairs
    # of those that stayed: the day's last passage at the flat an entry)
    days: dict[date, tuple[list[Presence], list[tuple[str, str]], list[tuple[str, str]]]] = field(
        default_factory=dict
    )
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # cluster -> flat -> days
    stays: dict[str, dict[str, int]] = field(default_factory=dict)  # ... days it stayed
    linked: dict[str, str] = field(default_factory=dict)  # cluster -> its flat
    # clusters that took a member's card over (cardfaces.taken) -> that member's flat
    taken: dict[str, str] = field(default_factory=dict)

    def set_taken(self, taken: dict[str, set[str]], on: bool = True) -> None:
        """A face that took a member's card over lives on that card's flat (a relative the
        card was lent to, a subtenant): its entries behind others count for the flat too,
        as those of a face that came on its passes (`card_face_taken_links`). Only a taken
        face: the holder's own unknown face on their card is no stranger."""
        self.taken = {c: u for u, cs in sorted(taken.items()) for c in sorted(cs)} if on else {}

    def update(self, window: dict[date, list[Presence]]) -> dict[str, str]:
        """cluster_links(the window's pairs per day, min_days, share), as a new dict."""
        touched: set[str] = set()
        for day, (rows, pairs, stayed) in list(self.days.items()):
            if window.get(day) is not rows:  # left the window (or the day was run again)
                del self.days[day]
                self._count(self.counts, pairs, -1, touched)
                self._count(self.stays, stayed, -1, touched)
        for day, rows in window.items():
            if day not in self.days:
                pairs = sorted({(p.identity, p.unit_id) for p in rows if p.role == "stranger"})
                stayed = sorted(
                    {(p.identity, p.unit_id) for p in rows if p.role == "stranger" and p.last_in}
                )
                self.days[day] = (rows, pairs, stayed)
                self._count(self.counts, pairs, 1, touched)
                self._count(self.stays, stayed, 1, touched)
        for cid in touched:
            self._judge(cid)
        return {**self.taken, **self.linked}

    @staticmethod
    def _count(
        counts: dict[str, dict[str, int]], pairs: list[tuple[str, str]], k: int, touched: set[str]
    ) -> None:
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
        if unit is not None and self.stays.get(cid, {}).get(unit, 0) < self.stay_days:
            unit = None  # came and left again each time: a visitor's face
        if unit is None:
            self.linked.pop(cid, None)
        else:
            self.linked[cid] = unit


def cluster_links(
    per_day: list[list[tuple[str, str]]],
    min_days: int = 2,
    share: float = 1.0,
    stayed: list[list[tuple[str, str]]] | None = None,
    stay_days: int = 0,
) -> dict[str, str]:
    """(stranger cluster, flat) pairs of the window's days -> the clusters seen for one
    flat on at least `min_days` days and on `share` of all the days they came for any
    flat (a neighbour's visitor seen at two flats alike, or a face seen once, is not
    linked). Below 1, `share` lets a few one-off visits elsewhere stand: with crowded
    faces (issue 18) a cluster takes in a look-alike visitor of another flat now and
    then, and unlinked, its own flat's occupant was pinned to a quiet flat instead.
    `stayed`: the pairs per day of a face that stayed (the day's last passage at the flat
    an entry); with `stay_days`, a face linked only when it stayed on that many of its
    days for the flat (one that came on the flat's passes and left again each time is a
    visitor: a weekend family, whose crowded cluster may hold a neighbour's child)."""
    days: dict[str, dict[str, int]] = {}
    # each pair's days counted in C, in first-seen order; then per cluster
    for (cid, unit), n in Counter(chain.from_iterable(per_day)).items():
        per = days.get(cid)
        if per is None:
            per = days[cid] = {}
        per[unit] = n
    stays = Counter(chain.from_iterable(stayed or []))
    out = {}
    for cid, per in days.items():
        flat = linked_flat(per, min_days, share)
        if flat is not None and stays[(cid, flat)] >= stay_days:
            out[cid] = flat
    return out


def linked_flat(per: dict[str, int], min_days: int, share: float) -> str | None:
    """The flat a stranger cluster is linked to, from its days per flat (cluster_links)."""
    unit, n = max(per.items(), key=lambda kv: (kv[1], kv[0]))
    return unit if n >= min_days and n >= share * sum(per.values()) else None
