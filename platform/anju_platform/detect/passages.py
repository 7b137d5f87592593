"""Stored events -> passages: the face, QR and door events of one person going
through one entrance door (the camera sees the face ~2 s before the door decides)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar

import numpy as np

T = TypeVar("T")


class EventRow(NamedTuple):
    """One stored event (a tuple: built per row for millions of rows a day)."""

    time: datetime
    event_id: str
    kind: str  # access | face | qr
    gateway_id: str
    direction: str | None = None
    credential_type: str | None = None
    credential_ref: str | None = None
    person_id: str | None = None  # face: matched person
    granted: bool | None = None
    reason: str | None = None
    purpose: str | None = None  # qr
    unit_id: str | None = None  # qr visitor pass
    pass_id: str | None = None
    snapshot_ref: str | None = None
    embedding: np.ndarray | None = None
    face_model: str | None = None  # the model of the embedding
    distance: float | None = None  # face: to the matched (or nearest) enrolment
    second_distance: float | None = None  # face: to the nearest other person


def event_rows(rows: list[tuple[Any, ...]]) -> list[EventRow]:
    """repo.events' fetched rows (EventRow's fields, the embedding as float32 bytes) ->
    EventRows; here, not in the SQL layer, so that it is compiled with the pass."""
    out: list[EventRow] = []
    add = out.append
    for r in rows:
        emb = r[14]
        if emb is not None:  # tuple.__new__, not _make: _make is a Python function
            r = (*r[:14], np.frombuffer(emb, dtype="<f4"), *r[15:])
        add(_new_event(EventRow, r))
    return out


_new_event = tuple.__new__


def content_key(ev: EventRow) -> tuple[object, ...]:
    """Sort key of an event by what it says, never by its id: events of the same second
    are then taken in the same order whatever ids the gateway gave them (issue 16 item 7),
    so the same events give the same passages, clusters and alerts."""
    g = ev.granted
    emb = ev.embedding
    return (
        ev.time,
        ev.kind,
        ev.gateway_id,
        ev.direction or "",
        ev.credential_type or "",
        ev.credential_ref or "",
        ev.person_id or "",
        -1 if g is None else int(g),
        ev.reason or "",
        ev.purpose or "",
        ev.unit_id or "",
        ev.pass_id or "",
        b"" if emb is None else emb.tobytes(),
    )


_NO_EVENT: tuple[object, ...] = ()


def order_ties(items: list[T], time_of: Callable[[T], datetime], key: Callable[[T], Any]) -> None:
    """Sort `items` by time in place, ties by `key`: the content keys are built only for
    events that share their time with another (few), not for every event."""
    items.sort(key=time_of)
    times = list(map(time_of, items))
    # the first index of each tie run (one pass in C-level iteration, few ties a day)
    starts = [i for i, (a, b) in enumerate(pairwise(times)) if a == b]
    end = 0
    for i in starts:
        if i < end:
            continue  # inside the run already sorted
        t, j = times[i], i + 1
        while j < len(times) and times[j] == t:
            j += 1
        items[i:j] = sorted(items[i:j], key=key)
        end = j


def content_order(events: list[EventRow]) -> None:
    """Events in time order, ties by content (in place)."""
    order_ties(events, _time, content_key)


_time: Callable[[EventRow], datetime] = attrgetter("time")


@dataclass(slots=True)
class Passage:
    gateway_id: str
    time: datetime
    direction: str
    face: EventRow | None
    qr: EventRow | None
    access: EventRow | None
    event_ids: list[str]

    # Written out, with the defaults (dataclass keeps it): the generated one is interpreted
    # Python even in the compiled module, a frame per passage (~0.5% of the pass's client
    # CPU on e08).
    def __init__(
        self,
        gateway_id: str,
        time: datetime,
        direction: str = "unknown",
        face: EventRow | None = None,
        qr: EventRow | None = None,
        access: EventRow | None = None,
        event_ids: list[str] | None = None,
    ) -> None:
        self.gateway_id = gateway_id
        self.time = time
        self.direction = direction
        self.face = face
        self.qr = qr
        self.access = access
        self.event_ids = [] if event_ids is None else event_ids

    @property
    def card(self) -> str | None:
        a = self.access
        if a is not None and a.credential_type == "card" and a.credential_ref:
            return a.credential_ref
        return None


def passages(events: list[EventRow], window_s: float) -> list[Passage]:
    """Group events, in `content_key` order, per gateway into passages."""
    out: list[Passage] = []
    add = out.append  # a few million events a day over a city: locals, positional args
    open_: dict[str, Passage] = {}
    window = timedelta(seconds=window_s)
    for ev in events:
        kind, gw, t = ev.kind, ev.gateway_id, ev.time
        if kind == "access" and ev.reason == "invalid":
            continue  # a misread: the same card is read again a moment later
        p = open_.get(gw)
        if p is not None and t - p.time > window:
            add(open_.pop(gw))
            p = None
        if kind == "face":
            if p is not None:
                add(open_.pop(gw))
            open_[gw] = Passage(gw, t, ev.direction or "unknown", ev, None, None, [ev.event_id])
        elif kind == "qr":
            if p is None or p.qr is not None:
                if p is not None:
                    add(open_.pop(gw))
                p = open_[gw] = Passage(gw, t, "unknown", None, ev, None, [ev.event_id])
            else:
                p.qr = ev
                p.event_ids.append(ev.event_id)
        elif kind == "access":
            if p is None:
                add(Passage(gw, t, ev.direction or "unknown", None, None, ev, [ev.event_id]))
                continue
            del open_[gw]
            p.access = ev
            p.direction = ev.direction or p.direction
            p.time = t
            p.event_ids.append(ev.event_id)
            add(p)
    out.extend(open_.values())
    order_ties(out, _ptime, _passage_key)
    return out


_ptime: Callable[[Passage], datetime] = attrgetter("time")


def _passage_key(p: Passage) -> tuple[object, ...]:
    return (
        p.gateway_id,
        _NO_EVENT if p.face is None else content_key(p.face),
        _NO_EVENT if p.qr is None else content_key(p.qr),
        _NO_EVENT if p.access is None else content_key(p.access),
    )
