"""Republish recorded event logs (JSONL of wire events) in time order with their
relative timing, through the same virtual gateways as `anju simulate stream`."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from anju_common.mqttpub import Gateways
from anju_common.topics import event_topic


@dataclass(frozen=True, slots=True)
class Recorded:
    t: float
    seq: int
    estate_id: str
    gateway_id: str
    kind: str
    data: bytes


class BadLog(ValueError):
    """A line that is not a recorded event; says which file and line."""


def read_log(path: Path, file_no: int = 0) -> Iterator[Recorded]:
    with path.open("rb") as f:
        for i, line in enumerate(f):
            line = line.strip()
            if not line:
                continue
            try:
                doc = orjson.loads(line)
                t = datetime.fromisoformat(doc["time"]).timestamp()
                ids = (doc["estate_id"], doc["gateway_id"], doc["kind"])
            except (ValueError, KeyError, TypeError) as exc:
                what = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
                raise BadLog(
                    f"{path}:{i + 1}: not a recorded event ({what}); "
                    "give JSONL from `anju export events`"
                ) from None
            yield Recorded(t, file_no * 10**12 + i, *ids, line)


def merged(paths: list[Path]) -> Iterator[Recorded]:
    """Several logs (one per estate) as one, by time; each file must be in time order."""
    return heapq.merge(*(read_log(p, i) for i, p in enumerate(paths)), key=lambda r: (r.t, r.seq))


def gateways_in(paths: list[Path]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in paths:
        for r in read_log(p):
            out.setdefault(r.gateway_id, r.estate_id)
    return out


def replay_logs(
    paths: list[Path],
    gws: Gateways,
    speed: float,
    tick: Callable[[int], None] | None = None,
) -> int:
    """Publish every event; speed 0 = as fast as possible, else recorded s per wall s."""
    n = 0
    t0: float | None = None
    wall0 = time.monotonic()
    for r in merged(paths):
        if t0 is None:
            t0 = r.t
        if speed > 0:
            while (wait := wall0 + (r.t - t0) / speed - time.monotonic()) > 0:
                gws.pump(min(wait, 0.5))
        gws.publish(r.gateway_id, event_topic(r.estate_id, r.gateway_id, r.kind), r.data)
        n += 1
        if tick and n % 500 == 0:
            tick(500)
    if tick:
        tick(n % 500)
    gws.drain()
    return n
