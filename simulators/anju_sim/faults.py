"""Fault modes for streaming, at configurable rates, each one written down so tests
know what to expect: gateway outages (buffer, then burst), clock skew, duplicate
deliveries (same event_id twice) and malformed messages (bad JSON, schema violations).
Malformed messages are extra messages: the real events still arrive once."""

from __future__ import annotations

import random
from datetime import datetime

import orjson
from pydantic import BaseModel, ConfigDict, Field

from anju_sim.seeds import sub_seed
from anju_sim.wire import TimeFormatter, utc_iso


class FaultRates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outage: float = Field(default=0.0, ge=0, le=1, title="Outages per gateway and day")
    outage_minutes: tuple[int, int] = Field(default=(10, 240), title="Outage length, minutes")
    skew: float = Field(default=0.0, ge=0, le=1, title="Share of gateways with a skewed clock")
    skew_seconds: int = Field(default=600, ge=1, title="Largest clock skew, seconds (+/-)")
    duplicate: float = Field(default=0.0, ge=0, le=1, title="Share of events delivered twice")
    malformed: float = Field(
        default=0.0, ge=0, le=1, title="Malformed messages added per event published"
    )


class Fault(BaseModel):
    """One injected fault (faults.jsonl)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="outage | clock_skew | duplicate | malformed")
    gateway_id: str
    estate_id: str
    event_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    skew_s: int | None = None
    subtype: str | None = Field(default=None, description="malformed: bad_json | schema")
    topic: str | None = None


class FaultPlan:
    """Decides, deterministically from the seed, which faults hit which gateway."""

    def __init__(self, rates: FaultRates, seed: int) -> None:
        self.rates = rates
        self.seed = seed
        self.rng = random.Random(sub_seed(seed, "faults"))
        self._skew: dict[str, int] = {}
        self._outages: dict[tuple[str, int], tuple[int, int]] = {}

    def skew_of(self, gateway: str) -> int:
        if gateway not in self._skew:
            r = random.Random(sub_seed(self.seed, gateway, "skew"))
            s = 0
            if r.random() < self.rates.skew:
                s = r.choice((-1, 1)) * r.randint(30, self.rates.skew_seconds)
            self._skew[gateway] = s
        return self._skew[gateway]

    def outage(self, gateway: str, day_start: int) -> tuple[int, int] | None:
        """(start, end) epoch seconds of this gateway's outage on the day, if any."""
        key = (gateway, day_start)
        if key not in self._outages:
            r = random.Random(sub_seed(self.seed, gateway, day_start, "outage"))
            if r.random() < self.rates.outage:
                lo, hi = self.rates.outage_minutes
                s = day_start + r.randrange(6 * 3600, 22 * 3600)
                self._outages[key] = (s, s + 60 * r.randint(lo, hi))
            else:
                self._outages[key] = (0, 0)
        o = self._outages[key]
        return o if o[1] else None

    def duplicate(self) -> bool:
        return self.rates.duplicate > 0 and self.rng.random() < self.rates.duplicate

    def malformed(self, data: bytes) -> tuple[str, bytes] | None:
        if self.rates.malformed <= 0 or self.rng.random() >= self.rates.malformed:
            return None
        if self.rng.random() < 0.5:
            return "bad_json", data[: len(data) // 2]
        doc = orjson.loads(data)
        doc.pop("event_id", None)  # no idempotency key: must be rejected
        doc["time"] = "yesterday"
        return "schema", orjson.dumps(doc)


_fmt = TimeFormatter()


def skewed(data: bytes, t: int, skew_s: int) -> bytes:
    """The same event with the gateway's wrong clock in its time field."""
    doc = orjson.loads(data)
    doc["time"] = _fmt(t + skew_s)
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)


__all__ = ["Fault", "FaultPlan", "FaultRates", "skewed", "utc_iso"]
