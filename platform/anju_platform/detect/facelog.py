"""The unknown faces (no person matched, an embedding stored) of the days a daily pass
has read, per gateway, kept while the pass runs: the building pins ask for one
gateway's unknown faces of the 28 days before a new cluster's first sighting
(repo_building.unknown_faces), which in SQL reads every event page of the estate over
those days (e08, default portfolio: 0.45 s of backend CPU for 6 questions). The pass
has just read those days itself (repo.events), so they are answered from here, and only
what lies before the first day the pass read goes to SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import numpy as np

# (gateway -> (times, embeddings)) of one span [start, end) repo.events read
_Span = tuple[datetime, datetime, dict[str, tuple[list[datetime], list[np.ndarray]]]]


class FaceLog:
    """Contiguous spans of read events, oldest first, none ending `keep` or more before
    the last one ends."""

    def __init__(self, keep: timedelta) -> None:
        self.keep = keep
        self.spans: list[_Span] = []

    def add(self, start: datetime, end: datetime, events: Iterable[Any]) -> None:
        """The events repo.events read for [start, end) (EventRow)."""
        if self.spans and self.spans[-1][1] != start:
            self.spans.clear()  # not the next span: the log starts again here
        by_gateway: dict[str, tuple[list[datetime], list[np.ndarray]]] = {}
        for e in events:
            if e.kind == "face" and e.person_id is None and e.embedding is not None:
                got = by_gateway.get(e.gateway_id)
                if got is None:
                    got = by_gateway[e.gateway_id] = ([], [])
                got[0].append(e.time)
                got[1].append(e.embedding)  # a view of the fetched bytes: no copy
        self.spans.append((start, end, by_gateway))
        while self.spans[0][1] <= end - self.keep:
            del self.spans[0]

    def faces(
        self, gateway: str, start: datetime, end: datetime
    ) -> tuple[datetime, list[datetime], list[np.ndarray]] | None:
        """The unknown faces at `gateway` in [max(start, since), end), and `since`, the
        first instant the log holds; None when the log does not reach `end` (or holds
        nothing of the range)."""
        if not self.spans or end > self.spans[-1][1] or end <= self.spans[0][0]:
            return None
        since = self.spans[0][0]
        times: list[datetime] = []
        faces: list[np.ndarray] = []
        for a, b, by_gateway in self.spans:
            if b <= start or a >= end:
                continue
            got = by_gateway.get(gateway)
            if got is None:
                continue
            for t, emb in zip(*got, strict=True):
                if start <= t < end:
                    times.append(t)
                    faces.append(emb)
        return since, times, faces


_logs: dict[tuple[int, str], FaceLog] = {}


@contextmanager
def kept(conn: object, estate: str, keep: timedelta) -> Iterator[FaceLog]:
    """A log of what repo.events reads on `conn` for `estate` (the last `keep` of it),
    for as long as the block runs (a daily pass): outside one nothing is kept, and every
    question goes to SQL."""
    key = (id(conn), estate)
    log = _logs[key] = FaceLog(keep)
    try:
        yield log
    finally:
        _logs.pop(key, None)


def of(conn: object, estate: str) -> FaceLog | None:
    return _logs.get((id(conn), estate))
