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
    """One gateway's leaders in a growable array (appending row by row to a numpy array
    is quadratic); `sq` holds their squared norms for the matrix-product prefilter."""

    ids: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    buf: np.ndarray = field(default_factory=lambda: np.zeros((64, 128), dtype=np.float32))
    buf64: np.ndarray = field(default_factory=lambda: np.zeros((64, 128)))
    sq: np.ndarray = field(default_factory=lambda: np.zeros(64))

    @property
    def vecs(self) -> np.ndarray:
        return self.buf[: len(self.ids)]

    def append(self, cluster_id: str, t: datetime, vec: np.ndarray) -> None:
        n = len(self.ids)
        if n == len(self.buf):
            self.buf = np.concatenate([self.buf, np.zeros_like(self.buf)])
            self.buf64 = np.concatenate([self.buf64, np.zeros_like(self.buf64)])
            self.sq = np.concatenate([self.sq, np.zeros_like(self.sq)])
        self.buf[n] = vec
        self.buf64[n] = self.buf[n]
        self.sq[n] = self.buf64[n] @ self.buf64[n]
        self.ids.append(cluster_id)
        self.times.append(t)
        self.index.setdefault(cluster_id, n)


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
        g.append(cluster_id, t, vec.astype(np.float32))

    def assign(self, gateway_id: str, event_id: str, t: datetime, vec: np.ndarray) -> str:
        own = "u-" + event_id.replace("-", "")[:12]
        g = self.by_gateway.get(gateway_id)
        if g is not None and g.ids:
            if own in g.index:
                return self._mark(own, t)
            hit = self._nearest(g, t, vec)
            if hit is not None:
                return self._mark(hit, t)
        self.add_leader(own, gateway_id, t, vec)
        self.new.append(NewLeader(own, gateway_id, t, vec))
        return self._mark(own, t)

    def _nearest(self, g: Leaders, t: datetime, vec: np.ndarray) -> str | None:
        """The first of the four nearest leaders (stable order) closer than the threshold
        and first seen by t. A float64 matrix product (|a|^2 + |b|^2 - 2ab) keeps only the
        leaders that may be that close (with a margin for rounding); the exact float32
        distances are then computed on those rows only, so ties and order are as when
        every leader is measured."""
        n = len(g.ids)
        v64 = vec.astype(np.float64)
        vv = float(v64 @ v64)
        d2 = g.sq[:n] + vv - 2.0 * (g.buf64[:n] @ v64)
        thr = self.threshold
        margin = 1e-6 * (vv + float(g.sq[:n].max())) + 1e-6
        cand = np.flatnonzero(d2 < thr * thr + 2 * thr * 1e-3 + margin)
        if not len(cand):
            return None
        d = np.sqrt(((g.buf[cand] - vec[None, :]) ** 2).sum(axis=1))
        for j in np.argsort(d, kind="stable")[:4]:
            if d[j] >= thr:
                break
            i = int(cand[j])
            if g.times[i] <= t:
                return g.ids[i]
        return None

    def _mark(self, cid: str, t: datetime) -> str:
        last, n = self.seen.get(cid, (t, 0))
        self.seen[cid] = (max(last, t), n + 1)
        return cid


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(((a - b) ** 2).sum()))
