"""Face tracks across frames: a passing person is encoded a few times, not every frame,
and gets one decision when the track ends (vote over the encodings)."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from anju_edge.faces import Box, Embedding, Image


def iou(a: Box, b: Box) -> float:
    w = min(a.right, b.right) - max(a.left, b.left)
    h = min(a.bottom, b.bottom) - max(a.top, b.top)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / float(a.width * a.height + b.width * b.height - inter)


def centre_gap(a: Box, b: Box) -> float:
    """Centre distance in units of the larger face height (for fast movers)."""
    ax, ay = (a.left + a.right) / 2, (a.top + a.bottom) / 2
    bx, by = (b.left + b.right) / 2, (b.top + b.bottom) / 2
    return float(np.hypot(ax - bx, ay - by)) / max(a.height, b.height, 1)


@dataclass
class Track:
    id: str
    box: Box
    first_frame: int
    last_frame: int
    frames: int = 1
    last_encoded: int | None = None
    embeddings: list[Embedding] = field(default_factory=list)
    # per encoding: (matched person or None, nearest distance, second-nearest person's)
    votes: list[tuple[str | None, float | None, float | None]] = field(default_factory=list)
    best_quality: float = 0.0
    best_crop: Image | None = None
    started_at: float = field(default_factory=time.time)

    def wants_encoding(self, frame: int, every: int, max_encodings: int) -> bool:
        if len(self.embeddings) >= max_encodings:
            return False
        return self.last_encoded is None or frame - self.last_encoded >= every


@dataclass(frozen=True, slots=True)
class Decision:
    person_id: str | None
    distance: float | None
    second_distance: float | None
    embedding: Embedding | None  # the mean of the track's encodings


def decide(track: Track) -> Decision:
    """Majority of the per-encoding matches (each already open-set: threshold and margin);
    a person needs at least half the votes. The distances are of the closest vote."""
    if not track.votes:
        return Decision(None, None, None, None)
    mean = np.mean(np.stack(track.embeddings), axis=0)
    counts = Counter(p for p, _, _ in track.votes if p is not None)
    if counts:
        best, n = counts.most_common(1)[0]
        if 2 * n >= len(track.votes):
            _, dist, second = min(
                (v for v in track.votes if v[0] == best and v[1] is not None),
                key=lambda v: v[1] or 0.0,
            )
            return Decision(best, dist, second, mean)
    near = [(d, s) for _, d, s in track.votes if d is not None]
    dist, second = min(near, key=lambda v: v[0]) if near else (None, None)
    return Decision(None, dist, second, mean)


class Tracker:
    """Greedy IoU association with a centre-distance fallback."""

    def __init__(self, prefix: str, *, min_iou: float, lost_frames: int) -> None:
        self.prefix = prefix
        self.min_iou = min_iou
        self.lost_frames = lost_frames
        self.active: list[Track] = []
        self._ids = itertools.count(1)

    def update(self, frame: int, boxes: list[Box]) -> tuple[list[tuple[Track, Box]], list[Track]]:
        """Assign boxes to tracks (new tracks for the rest); return assignments and closed."""
        pairs = sorted(
            (
                (iou(t.box, b), -centre_gap(t.box, b), ti, bi)
                for ti, t in enumerate(self.active)
                for bi, b in enumerate(boxes)
            ),
            reverse=True,
        )
        used_t: set[int] = set()
        used_b: set[int] = set()
        out: list[tuple[Track, Box]] = []
        for overlap, neg_gap, ti, bi in pairs:
            if ti in used_t or bi in used_b:
                continue
            if overlap < self.min_iou and -neg_gap > 1.0:
                continue
            t = self.active[ti]
            t.box, t.last_frame, t.frames = boxes[bi], frame, t.frames + 1
            used_t.add(ti)
            used_b.add(bi)
            out.append((t, boxes[bi]))
        for bi, b in enumerate(boxes):
            if bi not in used_b:
                t = Track(f"{self.prefix}-{next(self._ids)}", b, frame, frame)
                self.active.append(t)
                out.append((t, b))
        return out, self.expire(frame)

    def expire(self, frame: int) -> list[Track]:
        closed = [t for t in self.active if frame - t.last_frame > self.lost_frames]
        self.active = [t for t in self.active if t not in closed]
        return closed

    def close_all(self) -> list[Track]:
        closed, self.active = self.active, []
        return closed
