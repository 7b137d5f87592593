"""Publish a portfolio's events over MQTT the way gateways do: topics from
anju_common.topics, QoS 1, one client per gateway, optional EventBatch backlog
messages, fault injection, simulated time as fast as possible or real time x speed."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from anju_common.events import (
    MAX_BATCH,
    DeviceHealth,
    GatewayState,
    GatewayStatus,
    Heartbeat,
    dump_event,
)
from anju_common.mqttpub import Gateways
from anju_common.topics import event_topic, status_topic
from anju_sim.faults import Fault, FaultPlan, FaultRates, skewed
from anju_sim.model import Portfolio
from anju_sim.portfolio import estate_day_events
from anju_sim.wire import SimEvent, day_start_utc

VERSION = "anju-sim-1"


@dataclass
class StreamStats:
    events: int = 0  # distinct generated events delivered (each at least once)
    messages: int = 0  # MQTT messages published (events, batches, duplicates, junk)
    duplicates: int = 0
    malformed: int = 0
    outages: int = 0
    heartbeats: int = 0
    skewed_gateways: int = 0
    event_ids: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)


def gateway_urls(pf: Portfolio, url: str, template: str | None) -> dict[str, str]:
    """Per-gateway broker URLs; a template may use {gateway_id} and {estate_id}."""
    out = {}
    for g in pf.register.gateways:
        out[g.gateway_id] = (
            template.format(gateway_id=g.gateway_id, estate_id=g.estate_id) if template else url
        )
    return out


def _iso(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


class Streamer:
    def __init__(
        self,
        pf: Portfolio,
        gateways: Gateways,
        rates: FaultRates | None = None,
        batch: int = 0,
        keep_ids: bool = False,
        status: bool = True,
        heartbeat_s: int = 0,
    ) -> None:
        self.pf = pf
        self.gw = gateways
        self.plan = FaultPlan(rates or FaultRates(), pf.params.seed)
        self.batch = min(batch, MAX_BATCH)
        self.keep_ids = keep_ids
        self.stats = StreamStats()
        self.estate_of = {g.gateway_id: g.estate_id for g in pf.register.gateways}
        self._held: dict[str, list[SimEvent]] = {}  # outage buffers
        self._pending: dict[str, list[bytes]] = {}  # batch buffers
        self.heartbeat_s = heartbeat_s
        self._next_hb: int | None = None
        self._started = 0
        self.status = status
        if status:
            now = datetime.now(UTC)
            for g in self.estate_of:
                self._status(g, GatewayState.ONLINE, now, time.time_ns())
        for g in self.estate_of:
            if self.plan.skew_of(g):
                self.stats.skewed_gateways += 1
                self.stats.faults.append(
                    Fault(
                        type="clock_skew",
                        gateway_id=g,
                        estate_id=self.estate_of[g],
                        skew_s=self.plan.skew_of(g),
                    )
                )

    def _status(self, g: str, state: GatewayState, at: datetime, key: int) -> None:
        """Retained gateway status: online at start and after an outage; offline when
        an outage begins (what the broker's last will would say)."""
        estate = self.estate_of[g]
        st = GatewayStatus(
            event_id=_uuid_for(g, f"status-{state}", key),
            time=at,
            estate_id=estate,
            gateway_id=g,
            device_id=g,
            state=state,
            version=VERSION,
        )
        self.gw.publish(g, status_topic(estate, g), dump_event(st), retain=True)
        self.stats.messages += 1

    # -- one event -----------------------------------------------------------------
    def heartbeats(self, t: int) -> None:
        """Heartbeats of every gateway that is up, each `heartbeat_s` simulated seconds."""
        if not self.heartbeat_s:
            return
        if self._next_hb is None:
            self._started = t
            self._next_hb = t - t % self.heartbeat_s + self.heartbeat_s
        while t >= self._next_hb:
            at = self._next_hb
            for g, estate in self.estate_of.items():
                if g in self._held:
                    continue  # an offline gateway sends nothing
                hb = Heartbeat(
                    event_id=_uuid_for(g, "hb", at),
                    time=datetime.fromtimestamp(at + self.plan.skew_of(g), UTC),
                    estate_id=estate,
                    gateway_id=g,
                    device_id=g,
                    version=VERSION,
                    uptime_s=float(at - self._started),
                    queue_depth=0,
                    devices=[
                        DeviceHealth(device_id=f"{g}-{d}", ok=True) for d in ("door", "cam", "qr")
                    ],
                )
                self.gw.publish(g, event_topic(estate, g, "heartbeat"), dump_event(hb))
                self.stats.messages += 1
                self.stats.heartbeats += 1
            self._next_hb += self.heartbeat_s

    def event(self, ev: SimEvent) -> None:
        self.heartbeats(ev.t)
        g = ev.gateway_id
        day0 = ev.t - (ev.t + 8 * 3600) % 86400
        out = self.plan.outage(g, day0)
        if out is not None and out[0] <= ev.t < out[1]:
            if g not in self._held:
                self._held[g] = []
                self.stats.outages += 1
                self.stats.faults.append(
                    Fault(
                        type="outage",
                        gateway_id=g,
                        estate_id=self.estate_of[g],
                        start=_iso(out[0]),
                        end=_iso(out[1]),
                    )
                )
                if self.status:
                    self._status(g, GatewayState.OFFLINE, _iso(out[0]), out[0])
            self._held[g].append(ev)
            return
        if g in self._held:  # back online: the backlog goes first, in order
            held = self._held.pop(g)
            if self.status:
                back = self.plan.outage(g, held[0].t - (held[0].t + 8 * 3600) % 86400)
                end = back[1] if back else ev.t
                self._status(g, GatewayState.ONLINE, _iso(end), end)
            for h in held:
                self._send(h)
            self.flush(g)
        self._send(ev)

    def _send(self, ev: SimEvent) -> None:
        g, estate = ev.gateway_id, self.estate_of[ev.gateway_id]
        data = ev.data
        skew = self.plan.skew_of(g)
        if skew:
            data = skewed(data, ev.t, skew)
        topic = event_topic(estate, g, ev.kind)
        if self.batch > 1:
            buf = self._pending.setdefault(g, [])
            buf.append(data)
            if len(buf) >= self.batch:
                self.flush(g)
        else:
            self.gw.publish(g, topic, data)
            self.stats.messages += 1
        self.stats.events += 1
        if self.keep_ids:
            self.stats.event_ids.append(ev.event_id)
        if self.plan.duplicate():
            self.gw.publish(g, topic, data)  # the same event_id again
            self.stats.messages += 1
            self.stats.duplicates += 1
            self.stats.faults.append(
                Fault(
                    type="duplicate",
                    gateway_id=g,
                    estate_id=estate,
                    event_id=ev.event_id,
                    topic=topic,
                )
            )
        bad = self.plan.malformed(data)
        if bad is not None:
            self.gw.publish(g, topic, bad[1])
            self.stats.messages += 1
            self.stats.malformed += 1
            self.stats.faults.append(
                Fault(type="malformed", gateway_id=g, estate_id=estate, subtype=bad[0], topic=topic)
            )

    def flush(self, g: str | None = None) -> None:
        """Send buffered batches (one gateway or all)."""
        for gw in [g] if g is not None else list(self._pending):
            buf = self._pending.pop(gw, [])
            if not buf:
                continue
            estate = self.estate_of[gw]
            payload = (
                b'{"schema_version":1,"kind":"batch","estate_id":"%s","gateway_id":"%s",'
                b'"events":[%s]}' % (estate.encode(), gw.encode(), b",".join(buf))
            )
            self.gw.publish(gw, event_topic(estate, gw, "batch"), payload)
            self.stats.messages += 1

    def finish(self) -> StreamStats:
        for g in list(self._held):
            for h in self._held.pop(g):
                self._send(h)
        self.flush()
        self.gw.drain()
        return self.stats


def _uuid_for(gateway: str, what: str, at: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"anju-sim:{what}:{gateway}:{at}")


def stream_portfolio(
    pf: Portfolio,
    streamer: Streamer,
    days: range,
    speed: float = 0.0,
    tick: Callable[[int], None] | None = None,
    live: bool = False,
    stop: threading.Event | None = None,
) -> StreamStats:
    """Publish the days in time order. speed 0: as fast as the broker takes it;
    otherwise simulated seconds per wall second (1 = real time). live: events already
    past go out at once (backfill), later ones when the wall clock reaches them."""
    wall0 = time.monotonic()
    sim0: int | None = None
    gws = streamer.gw
    for d in days:
        day: list[SimEvent] = []
        for e in range(len(pf.estates)):
            day.extend(estate_day_events(pf, e, d))
        day.sort(key=lambda ev: ev.t)
        if sim0 is None:
            sim0 = day_start_utc(pf.params.start, d)
        for i, ev in enumerate(day):
            if stop is not None and stop.is_set():
                return streamer.finish()
            if live and ev.t > time.time():
                streamer.flush()  # nothing waits in a batch while we sleep
                while (wait := ev.t - time.time()) > 0:
                    if stop is not None and stop.is_set():
                        return streamer.finish()
                    streamer.heartbeats(int(time.time()))  # alive while nothing happens
                    gws.pump(min(wait, 0.5))
            elif speed > 0:  # wait for the event's moment, reading acks meanwhile
                while (wait := wall0 + (ev.t - sim0) / speed - time.monotonic()) > 0:
                    streamer.heartbeats(int(sim0 + (time.monotonic() - wall0) * speed))
                    gws.pump(min(wait, 0.5))
            streamer.event(ev)
            if tick and i % 500 == 499:
                tick(500)
        if tick:
            tick(len(day) % 500)
        streamer.flush()
    return streamer.finish()


def write_faults(stats: StreamStats, path: Path) -> None:
    with path.open("wb") as f:
        for fault in stats.faults:
            f.write(fault.model_dump_json(exclude_none=True).encode() + b"\n")
