"""Turning simulated passages into wire bytes fast.

The bytes are exactly what `anju_common.events.dump_event` makes of the validated
model (same field order, None left out, whole-second UTC times with 'Z'); a test checks
this on every event of a small portfolio. Building pydantic models costs ~12 us per
event, which alone would eat the 2-minute budget for 180 days of a city."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import orjson

from anju_common.events import AnyEvent, parse_event

LOCAL_OFFSET_S = 8 * 3600  # China Standard Time, no daylight saving


class SimEvent(NamedTuple):
    """One generated event: when (UTC epoch seconds), from which gateway, its kind and
    id (for topics, ordering, duplicates) and the wire bytes. A NamedTuple: millions are
    made, and a frozen dataclass costs several times more to build."""

    t: int
    gateway_id: str
    kind: str
    event_id: str
    data: bytes

    def model(self) -> AnyEvent:
        return parse_event(self.data)


def day_start_utc(start: date, day: int) -> int:
    """Epoch seconds of local midnight of window day `day`."""
    base = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=day)
    return int(base.timestamp()) - LOCAL_OFFSET_S


def utc_iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_CLOCK: list[str] = []


def _clock() -> list[str]:
    if not _CLOCK:
        _CLOCK.extend(
            f"{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)
        )
    return _CLOCK


class TimeFormatter:
    """ISO strings for whole seconds: the date part once per day, the clock from a table."""

    def __init__(self) -> None:
        self._day = -1
        self._prefix = ""
        self._clock = _clock()

    def __call__(self, t: int) -> str:
        day, sec = divmod(t, 86400)
        if day != self._day:
            self._day = day
            self._prefix = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
        return self._prefix + self._clock[sec]


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def uuid4_strs(raw: bytes) -> list[str]:
    """Version-4 UUID strings from random bytes, 16 per id (deterministic under a seed)."""
    hx = raw.hex()
    out = []
    for i in range(0, len(hx), 32):
        h = hx[i : i + 32]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return out


def _head(t: str, estate: str, gw: str, device_suffix: str, kind: str) -> dict[str, object]:
    return {
        "schema_version": 1,
        "event_id": "",  # set once the day's events are in order
        "time": t,
        "estate_id": estate,
        "gateway_id": gw,
        "device_id": gw + device_suffix,
        "kind": kind,
    }


def access(
    t: str,
    estate: str,
    gw: str,
    door: str,
    direction: str,
    ctype: str,
    ref: str | None,
    granted: bool,
    reason: str | None,
) -> dict[str, object]:
    h = _head(t, estate, gw, "-door", "access")
    h["door_id"] = door
    h["direction"] = direction
    h["credential_type"] = ctype
    if ref is not None:
        h["credential_ref"] = ref
    h["granted"] = granted
    if reason is not None:
        h["reason"] = reason
    return h


def face(
    t: str,
    estate: str,
    gw: str,
    track: str,
    person: str | None,
    distance: float | None,
    quality: float,
    direction: str,
    unknown: bool,
) -> dict[str, object]:
    """A face track; for an unknown face the embedding is filled in later (batch draw)."""
    h = _head(t, estate, gw, "-cam", "face")
    h["track_id"] = track
    if person is not None:
        h["person_id"] = person
    if distance is not None:
        h["distance"] = distance
    h["quality"] = quality
    h["direction"] = direction
    if unknown:
        h["embedding"] = None
        h["snapshot_ref"] = f"snap/{gw}/{track}.jpg"
    return h


def qr(
    t: str,
    estate: str,
    gw: str,
    purpose: str,
    result: str,
    pass_id: str | None,
    unit: str | None,
) -> dict[str, object]:
    h = _head(t, estate, gw, "-qr", "qr")
    h["purpose"] = purpose
    h["result"] = result
    if pass_id is not None:
        h["pass_id"] = pass_id
    if unit is not None:
        h["unit_id"] = unit
    return h


def dumps(h: dict[str, object]) -> bytes:
    # numpy rows (embeddings) serialize like the floats they hold
    return orjson.dumps(h, option=orjson.OPT_SERIALIZE_NUMPY)
