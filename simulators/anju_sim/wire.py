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
from anju_common.localtime import CHINA_OFFSET_HOURS, day_start

LOCAL_OFFSET_S = CHINA_OFFSET_HOURS * 3600


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
    return int(day_start(start + timedelta(days=day)).timestamp())


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


# The builders below write the contract's JSON directly (field order of the models,
# None fields left out). Every string they embed is an identifier, a fixed word, an ISO
# time or hex, so nothing needs escaping; tests compare with dump_event on every event.


def _head(eid: str, t: str, estate: str, gw: str, device: str, kind: str) -> str:
    return (
        f'{{"schema_version":1,"event_id":"{eid}","time":"{t}","estate_id":"{estate}",'
        f'"gateway_id":"{gw}","device_id":"{gw}{device}","kind":"{kind}"'
    )


def access(
    eid: str,
    t: str,
    estate: str,
    gw: str,
    door: str,
    direction: str,
    ctype: str,
    ref: str | None,
    granted: bool,
    reason: str | None,
) -> bytes:
    ref_part = f',"credential_ref":"{ref}"' if ref is not None else ""
    tail = f',"reason":"{reason}"}}' if reason is not None else "}"
    return (
        f'{_head(eid, t, estate, gw, "-door", "access")},"door_id":"{door}",'
        f'"direction":"{direction}","credential_type":"{ctype}"{ref_part},'
        f'"granted":{"true" if granted else "false"}{tail}'
    ).encode()


def face_known(
    eid: str,
    t: str,
    estate: str,
    gw: str,
    track: str,
    person: str,
    distance: float,
    quality: float,
    direction: str,
) -> bytes:
    return (
        f'{_head(eid, t, estate, gw, "-cam", "face")},"track_id":"{track}",'
        f'"person_id":"{person}","distance":{distance!r},"quality":{quality!r},'
        f'"direction":"{direction}"}}'
    ).encode()


def face_unknown(
    eid: str, t: str, estate: str, gw: str, track: str, quality: float, direction: str
) -> tuple[bytes, bytes]:
    """The JSON before and after the embedding, which is drawn later for the whole day."""
    before = (
        f'{_head(eid, t, estate, gw, "-cam", "face")},"track_id":"{track}",'
        f'"quality":{quality!r},"direction":"{direction}","embedding":'
    )
    return before.encode(), f',"snapshot_ref":"snap/{gw}/{track}.jpg"}}'.encode()


def qr(
    eid: str,
    t: str,
    estate: str,
    gw: str,
    purpose: str,
    result: str,
    pass_id: str | None,
    unit: str | None,
) -> bytes:
    pass_part = f',"pass_id":"{pass_id}"' if pass_id is not None else ""
    unit_part = f',"unit_id":"{unit}"' if unit is not None else ""
    return (
        f'{_head(eid, t, estate, gw, "-qr", "qr")},"purpose":"{purpose}",'
        f'"result":"{result}"{pass_part}{unit_part}}}'
    ).encode()


def embedding_json(row: object) -> bytes:
    # numpy rows serialize like the floats they hold
    return orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY)
