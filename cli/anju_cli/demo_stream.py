"""A small built-in event source for the demo, used when the simulator package is not
installed: the seeded gateways report door accesses, QR scans, face sightings and
heartbeats at a steady rate, through the same topics and models a real gateway uses."""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from pydantic import BaseModel

from anju_cli.demo_db import DEMO_CARD_KEY, DemoDoor, DemoEstate
from anju_common.cardhash import card_hash
from anju_common.events import (
    AccessEvent,
    CredentialType,
    DenyReason,
    Direction,
    FaceSighting,
    GatewayState,
    GatewayStatus,
    Heartbeat,
    QrPurpose,
    QrResult,
    QrScan,
    dump_event,
)
from anju_common.mqtt import make_client
from anju_common.topics import event_topic

VERSION = "demo-0.1"


def _client(url: str, protocol: int, client_id: str) -> mqtt.Client:
    client, target = make_client(url, client_id, protocol=protocol)
    client.connect(target.host, target.port, keepalive=30)
    return client


def make_event(estate: DemoEstate, door: DemoDoor, rng: random.Random) -> BaseModel:
    """One plausible event at this door: mostly card entries, some QR and face."""
    common = {
        "event_id": uuid.uuid4(),
        "time": datetime.now(UTC),
        "estate_id": estate.estate_id,
        "gateway_id": door.gateway_id,
    }
    i = rng.randrange(len(estate.persons))
    roll = rng.random()
    if roll < 0.6:
        granted = rng.random() > 0.05
        return AccessEvent(
            **common,
            device_id=door.device_id,
            door_id=door.door_id,
            direction=rng.choice([Direction.IN, Direction.OUT]),
            credential_type=CredentialType.CARD,
            credential_ref=card_hash(DEMO_CARD_KEY, estate.card_numbers[i]),
            granted=granted,
            reason=None if granted else DenyReason.EXPIRED,
        )
    if roll < 0.8:
        return QrScan(
            **common,
            device_id=door.scanner_id,
            purpose=QrPurpose.VISITOR_PASS,
            result=QrResult.VALID if rng.random() > 0.1 else QrResult.EXPIRED,
            pass_id=uuid.uuid4().hex[:16],
            unit_id=estate.units[i],
        )
    known = rng.random() > 0.2
    return FaceSighting(
        **common,
        device_id=door.camera_id,
        track_id=uuid.uuid4().hex[:12],
        person_id=estate.persons[i] if known else None,
        distance=round(rng.uniform(0.3, 0.5), 3) if known else None,
        quality=round(rng.uniform(0.5, 1.0), 3),
        direction=Direction.IN,
    )


class DemoStream:
    """Publishes `rate` events per second at QoS 1 from a background thread."""

    def __init__(self, url: str, protocol: int, estate: DemoEstate, rate: float = 20.0) -> None:
        self.url, self.protocol, self.estate, self.rate = url, protocol, estate, rate
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-stream", daemon=True)

    def start(self) -> DemoStream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        rng = random.Random()
        client = _client(self.url, self.protocol, f"anju-demo-{uuid.uuid4().hex[:8]}")
        client.loop_start()
        started = time.monotonic()
        try:
            for door in self.estate.doors:
                self._publish(client, self._status(door), retain=True)
            next_beat = 0.0
            while not self._stop.is_set():
                now = time.monotonic()
                if now >= next_beat:
                    for door in self.estate.doors:
                        self._publish(client, self._heartbeat(door, now - started))
                    next_beat = now + 10
                self._publish(client, make_event(self.estate, rng.choice(self.estate.doors), rng))
                self._stop.wait(1 / self.rate)
        finally:
            client.loop_stop()
            client.disconnect()

    def _publish(self, client: mqtt.Client, event: BaseModel, retain: bool = False) -> None:
        kind = str(getattr(event, "kind", ""))
        gateway = str(getattr(event, "gateway_id", ""))
        topic = event_topic(self.estate.estate_id, gateway, kind)
        client.publish(topic, dump_event(event), qos=1, retain=retain)
        self.sent += 1

    def _base(self, door: DemoDoor) -> dict[str, object]:
        return {
            "event_id": uuid.uuid4(),
            "time": datetime.now(UTC),
            "estate_id": self.estate.estate_id,
            "gateway_id": door.gateway_id,
            "device_id": door.gateway_id,
        }

    def _status(self, door: DemoDoor) -> GatewayStatus:
        return GatewayStatus(**self._base(door), state=GatewayState.ONLINE, version=VERSION)

    def _heartbeat(self, door: DemoDoor, uptime: float) -> Heartbeat:
        return Heartbeat(**self._base(door), version=VERSION, uptime_s=uptime, queue_depth=0)
