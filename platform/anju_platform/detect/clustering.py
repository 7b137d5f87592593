"""Unknown faces -> stable unknown-person ids, by leader clustering per entrance.

A sighting joins the nearest earlier leader of the same gateway closer than the
threshold, else becomes a leader itself with id 'u-' + its event id. Leaders never
move, and only leaders first seen before the sighting count, so re-running any day
over the same events gives the same ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass
class Leaders:
    ids: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 128), dtype=np.float32))


@dataclass
class NewLeader:
    cluster_id: str
    gateway_id: str
    first_seen: datetime
    vec: np.ndarray


class Clusterer:
    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.by_gateway: dict[str, Leaders] = {}
        self.new: list[NewLeader] = []
        self.seen: dict[str, tuple[datetime, int]] = {}  # cluster -> (last seen, sightings)

    def add_leader(self, cluster_id: str, gateway_id: str, t: datetime, vec: np.ndarray) -> None:
        g = self.by_gateway.setdefault(gateway_id, Leaders())
        g.ids.append(cluster_id)
        g.times.append(t)
        g.vecs = np.vstack([g.vecs, vec.astype(np.float32)[None, :]])

    def assign(self, gateway_id: str, event_id: str, t: datetime, vec: np.ndarray) -> str:
        own = "u-" + event_id.replace("-", "")[:12]
        g = self.by_gateway.get(gateway_id)
        if g is not None and len(g.ids):
            if own in g.ids:
                return self._mark(own, t)
            d = np.sqrt(((g.vecs - vec[None, :]) ** 2).sum(axis=1))
            for i in np.argsort(d, kind="stable")[:4]:
                if d[i] >= self.threshold:
                    break
                if g.times[i] <= t:
                    return self._mark(g.ids[int(i)], t)
        self.add_leader(own, gateway_id, t, vec)
        self.new.append(NewLeader(own, gateway_id, t, vec))
        return self._mark(own, t)

    def _mark(self, cid: str, t: datetime) -> str:
        last, n = self.seen.get(cid, (t, 0))
        self.seen[cid] = (max(last, t), n + 1)
        return cid


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(((a - b) ** 2).sum()))
