"""Unknown faces -> stable unknown-person ids, by leader clustering per entrance.

A sighting joins the nearest earlier leader of the same gateway closer than the
threshold, else becomes a leader itself with id 'u-' + its event id. Leaders never
move, and only leaders first seen before the sighting count, so re-running any day
over the same events gives the same ids."""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

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
    sq_max: float = 0.0

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
        self.sq_max = max(self.sq_max, float(self.sq[n]))
        self.ids.append(cluster_id)
        self.times.append(t)
        self.index.setdefault(cluster_id, n)


class DayFaces:
    """One gateway's sightings given to prepare(): the leader index each became during
    the day (-1: none yet)."""

    def __init__(self, n: int) -> None:
        self.made = [-1] * n


class Prepared:
    """A sighting as prepare() measured it: the leaders its gateway had then (None:
    none) and how many, the rows among them that may be within the threshold with their
    exact float32 distances, and the same against the day's other sightings there
    (their places in `day`), for the leaders made from those during the day."""

    def __init__(
        self,
        leaders: Leaders | None,
        n: int,
        rows: list[int],
        dists: list[float],
        day: DayFaces,
        place: int,
        near: list[int],
        near_d: list[float],
    ) -> None:
        self.leaders, self.n, self.rows, self.dists = leaders, n, rows, dists
        self.day, self.place, self.near, self.near_d = day, place, near, near_d


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
        # event id -> the day's sighting as prepare() measured it (assign() takes it)
        self.pre: dict[str, Prepared] = {}
        # gateway -> leaders made since prepare() from a sighting it was not given (a
        # match the calibration rejected, taken as unknown while the day resolves)
        self.unprepared: dict[str, list[int]] = {}
        self.preparing = False  # prepare() ran: leaders made since are tracked

    def prepare(self, faces: list[tuple[str, str, np.ndarray]]) -> None:
        """Prefilter a day's (gateway, event id, embedding) sightings against each
        gateway's current leaders and against each other, with one matrix product per
        gateway (a sighting alone would read every leader again): assign() then measures
        only the leaders made since from sightings it was not given."""
        self.pre.clear()
        self.unprepared.clear()
        self.preparing = True
        by_gw: dict[str, list[tuple[str, np.ndarray]]] = {}
        for gw, eid, vec in faces:
            by_gw.setdefault(gw, []).append((eid, vec))
        for gw, rows in by_gw.items():
            g = self.by_gateway.get(gw)
            n = len(g.ids) if g is not None else 0
            day = DayFaces(len(rows))
            every = np.stack([v for _, v in rows]).astype(np.float32)
            ev = every.astype(np.float64)
            ev_sq = np.einsum("ij,ij->i", ev, ev)
            # the columns: the gateway's leaders, then the day's own sightings
            if g is not None and n:
                cols = np.concatenate([g.buf[:n], every])
                col_sq = np.concatenate([g.sq[:n], ev_sq])
                sq_max = max(g.sq_max, float(ev_sq.max()))
            else:
                cols, col_sq, sq_max = every, ev_sq, float(ev_sq.max())
            width = len(cols)
            for k in range(0, len(rows), 512):  # bounded memory on long histories
                e32 = every[k : k + 512]
                vv = ev_sq[k : k + 512]
                # |b|^2 - 2ab < bound - |a|^2 in float32, in place (half the work of
                # float64): its rounding, under 128 * 2**-24 * (|a|^2 + |b|^2) for 2ab
                # and a few 2**-24 more, is added to the bound
                d2 = e32 @ cols.T
                d2 *= np.float32(-2.0)
                d2 += col_sq.astype(np.float32)
                bound = self._bound(vv, sq_max) + 2e-5 * (vv + sq_max) - vv
                near = d2 < bound.astype(np.float32)[:, None]
                near[np.arange(len(e32)), n + k + np.arange(len(e32))] = False  # itself
                hit_r, hit_c = np.nonzero(near)
                exact = np.sqrt(((cols[hit_c] - e32[hit_r]) ** 2).sum(axis=1))
                # per sighting: its hits among the leaders, then among the day's faces
                # (Python lists: assign() reads a few items, numpy scalars cost more)
                key = hit_r * width + hit_c
                at = np.arange(len(e32) + 1) * width
                cuts = np.searchsorted(key, at).tolist()
                mids = np.searchsorted(key, at[:-1] + n).tolist()
                hits, dists = hit_c.tolist(), exact.tolist()
                for i in range(len(e32)):
                    lo, mid, hi = cuts[i], mids[i], cuts[i + 1]
                    self.pre[rows[k + i][0]] = Prepared(
                        g if n else None,
                        n,
                        hits[lo:mid],
                        dists[lo:mid],
                        day,
                        k + i,
                        [j - n for j in hits[mid:hi]],
                        dists[mid:hi],
                    )

    def _bound(self, vv: Any, sq_max: float) -> Any:
        """Squared distance below which a leader may be closer than the threshold, with
        room for float rounding (the exact check follows on the candidates)."""
        thr = self.threshold
        return thr * thr + 2 * thr * 1e-3 + 1e-6 * (vv + sq_max) + 1e-6

    def load(self, rows: list[tuple[str, str, bytes, datetime]]) -> None:
        """Stored leaders (cluster id, gateway, float32 bytes, first seen) in first-seen
        order, in bulk: a city's history is tens of thousands of leaders."""
        by_gw: dict[str, list[tuple[str, str, bytes, datetime]]] = {}
        for r in rows:
            by_gw.setdefault(r[1], []).append(r)
        for gw, got in by_gw.items():
            g = self._leaders(gw)
            if g.ids:  # already holds leaders: one by one keeps their order
                for cid, _, leader, t in got:
                    g.append(cid, t, np.frombuffer(leader, dtype="<f4"))
                continue
            vecs = np.frombuffer(b"".join(r[2] for r in got), dtype="<f4").reshape(len(got), -1)
            cap = max(64, 2 * len(got))
            g.buf = np.zeros((cap, vecs.shape[1]), dtype=np.float32)
            g.buf[: len(got)] = vecs
            g.buf64 = g.buf.astype(np.float64)
            g.sq = np.einsum("ij,ij->i", g.buf64, g.buf64)
            g.sq_max = float(g.sq.max())
            g.ids = [r[0] for r in got]
            g.times = [r[3] for r in got]
            for i, cid in enumerate(g.ids):
                g.index.setdefault(cid, i)

    def first_seen(self, gateway_id: str, cluster_id: str) -> datetime | None:
        """When a cluster's leader was first seen (None: not a leader of that gateway)."""
        g = self.by_gateway.get(gateway_id)
        i = g.index.get(cluster_id) if g is not None else None
        return g.times[i] if g is not None and i is not None else None

    def add_leader(self, cluster_id: str, gateway_id: str, t: datetime, vec: np.ndarray) -> None:
        self._leaders(gateway_id).append(cluster_id, t, vec.astype(np.float32))

    def _leaders(self, gateway_id: str) -> Leaders:
        # (not setdefault: a Leaders() allocates its arrays, and this runs per new leader)
        g = self.by_gateway.get(gateway_id)
        if g is None:
            g = self.by_gateway[gateway_id] = Leaders()
        return g

    def assign(self, gateway_id: str, event_id: str, t: datetime, vec: np.ndarray) -> str:
        own = "u-" + event_id.replace("-", "")[:12]
        g = self.by_gateway.get(gateway_id)
        pre = self.pre.pop(event_id, None)
        if g is not None and g.ids:
            if own in g.index:
                return self._mark(own, t)
            hit = self._nearest(g, gateway_id, t, vec, pre)
            if hit is not None:
                return self._mark(hit, t)
        self.add_leader(own, gateway_id, t, vec)
        made = len(self.by_gateway[gateway_id].ids) - 1
        if pre is not None:
            pre.day.made[pre.place] = made
        elif self.preparing:
            self.unprepared.setdefault(gateway_id, []).append(made)
        self.new.append(NewLeader(own, gateway_id, t, vec))
        return self._mark(own, t)

    def _nearest(
        self, g: Leaders, gateway_id: str, t: datetime, vec: np.ndarray, pre: Prepared | None
    ) -> str | None:
        """The first of the four nearest leaders (stable order) closer than the threshold
        and first seen by t. A float64 product (|a|^2 + |b|^2 - 2ab) keeps only the
        leaders that may be that close (with a margin for rounding); the exact float32
        distances are then computed on those rows only, so ties and order are as when
        every leader is measured."""
        n = len(g.ids)
        if pre is not None and (pre.leaders is g or pre.leaders is None) and pre.n <= n:
            rows, dists = self._since_prepare(g, gateway_id, vec, pre)
        else:  # not prepared (the real-time loop), or the leaders were replaced
            rows, dists = self._measure(g, vec, list(range(n)))
        if not rows:
            return None
        if len(rows) == 1:  # the usual case: no sort
            i = rows[0]
            far = dists[0] >= self.threshold  # (as the loop below: a NaN is not far)
            return g.ids[i] if not far and g.times[i] <= t else None
        for j in sorted(range(len(rows)), key=dists.__getitem__)[:4]:  # (stable)
            if dists[j] >= self.threshold:
                break
            i = rows[j]
            if g.times[i] <= t:
                return g.ids[i]
        return None

    def _since_prepare(
        self, g: Leaders, gateway_id: str, vec: np.ndarray, pre: Prepared
    ) -> tuple[list[int], list[float]]:
        """A prepared sighting's candidates: those prepare() found among the leaders of
        then, and in leader order after them, those among the leaders made since: from
        prepare()'s distances between the day's sightings, and measured here for the
        few made from sightings it was not given."""
        n, start = len(g.ids), pre.n
        made = pre.day.made
        more = [
            (made[j], x) for j, x in zip(pre.near, pre.near_d, strict=True) if start <= made[j] < n
        ]
        others = [i for i in self.unprepared.get(gateway_id, ()) if start <= i < n]
        if others:
            got, near = self._measure(g, vec, others)
            more += zip(got, near, strict=True)
        if not more:
            return pre.rows, pre.dists
        more.sort()
        return pre.rows + [i for i, _ in more], pre.dists + [x for _, x in more]

    def _measure(
        self, g: Leaders, vec: np.ndarray, among: list[int]
    ) -> tuple[list[int], list[float]]:
        """Leaders of `among` (ascending) that may be within the threshold, with their
        exact float32 distances."""
        rows = np.array(among, dtype=np.intp)
        v64 = vec.astype(np.float64)
        vv = float(v64 @ v64)
        d2 = g.sq[rows] + vv - 2.0 * (g.buf64[rows] @ v64)
        kept = rows[d2 < self._bound(vv, g.sq_max)]
        near = np.sqrt(((g.buf[kept] - vec[None, :]) ** 2).sum(axis=1))
        return kept.tolist(), near.tolist()

    def leader(self, cid: str) -> np.ndarray | None:
        """A cluster's leader embedding (None: not known here)."""
        for g in self.by_gateway.values():
            i = g.index.get(cid)
            if i is not None:
                return g.buf[i]
        return None

    def where(self, cid: str) -> tuple[str, datetime, np.ndarray] | None:
        """A cluster's gateway, first sighting and leader (None: not known here)."""
        for gw, g in self.by_gateway.items():
            i = g.index.get(cid)
            if i is not None:
                return gw, g.times[i], g.buf[i]
        return None

    def same_face(self, a: str, b: str, limit: float | None = None) -> bool:
        """Two clusters whose leaders are closer than the threshold, or `limit` (the same
        face seen at two entrances: clusters are per entrance)."""
        va, vb = self.leader(a), self.leader(b)
        near = self.threshold if limit is None else limit
        return va is not None and vb is not None and distance(va, vb) < near

    def _mark(self, cid: str, t: datetime) -> str:
        last, n = self.seen.get(cid, (t, 0))
        self.seen[cid] = (max(last, t), n + 1)
        return cid


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(((a - b) ** 2).sum()))


def near_days(leader: np.ndarray, days: list[date], faces: np.ndarray, limit: float) -> set[date]:
    """The days on which one of `faces` (one row per sighting, seen on `days`) lies
    within `limit` of `leader`."""
    near = np.sqrt(((faces - leader[None, :]) ** 2).sum(axis=1)) < limit
    return {d for d, hit in zip(days, near.tolist(), strict=True) if hit}


@cache
def _blas_threads_local() -> Callable[[int], int] | None:
    """OpenBLAS's per-thread thread count setter (0.3.27+), if numpy's BLAS is OpenBLAS."""
    try:
        with open("/proc/self/maps") as maps:
            path = next((ln.split()[-1] for ln in maps if "openblas" in ln), None)
        f = getattr(ctypes.CDLL(path), "openblas_set_num_threads_local", None) if path else None
    except (OSError, IndexError):
        return None
    if f is not None:
        f.restype, f.argtypes = ctypes.c_int, [ctypes.c_int]
    return f


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """The daily pass runs a process per core: BLAS threads of its own would compete
    for the same cores (and spin; measured: twice the CPU time for the same result)."""
    f = _blas_threads_local()
    old = f(1) if f is not None else 0
    try:
        yield
    finally:
        if f is not None and old > 0:
            f(old)
