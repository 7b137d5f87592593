"""Helpers for ingest tests: register a gateway, make events, run `anju ingest`."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from anju_common.cardhash import card_hash
from anju_common.events import (
    AccessEvent,
    AnyEvent,
    CredentialType,
    DeviceHealth,
    Direction,
    FaceSighting,
    GatewayState,
    GatewayStatus,
    Heartbeat,
    QrPurpose,
    QrResult,
    QrScan,
)

ESTATE = "est1"
GATEWAY = "gw1"


def register_gateway(
    url: str, estate: str = ESTATE, gateways: tuple[str, ...] = (GATEWAY,)
) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO estates (estate_id, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (estate, f"Estate {estate}"),
        )
        for gw in gateways:
            conn.execute(
                "INSERT INTO gateways (gateway_id, estate_id) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                (gw, estate),
            )


def sample_events(n: int, start: datetime | None = None, gateway: str = GATEWAY) -> list[AnyEvent]:
    """n events cycling through every kind, one second apart."""
    t0 = start or datetime.now(UTC) - timedelta(hours=1)
    out: list[AnyEvent] = []
    key = b"test-estate-key"
    for i in range(n):
        common = {
            "event_id": uuid.uuid4(),
            "time": t0 + timedelta(seconds=i),
            "estate_id": ESTATE,
            "gateway_id": gateway,
        }
        k = i % 5
        if k == 0:
            out.append(
                AccessEvent(
                    **common,
                    device_id="door-a",
                    door_id="b1-e1",
                    direction=Direction.IN,
                    credential_type=CredentialType.CARD,
                    credential_ref=card_hash(key, f"{1000 + i}"),
                    granted=True,
                )
            )
        elif k == 1:
            out.append(
                FaceSighting(
                    **common,
                    device_id="cam-1",
                    track_id=f"t{i}",
                    person_id=None,
                    distance=0.8,
                    quality=0.7,
                    embedding=[0.01 * (j % 7) for j in range(128)],
                    snapshot_ref=f"faces/t{i}.jpg",
                    # older gateways send no model id; others name theirs
                    model=None if i % 2 else "asian_resnet-0123456789ab",
                )
            )
        elif k == 2:
            out.append(
                QrScan(
                    **common,
                    device_id="qr-1",
                    purpose=QrPurpose.VISITOR_PASS,
                    result=QrResult.VALID,
                    pass_id=f"p{i}",
                    unit_id="u101",
                )
            )
        elif k == 3:
            out.append(
                Heartbeat(
                    **common,
                    device_id=gateway,
                    version="0.1.0",
                    uptime_s=float(i),
                    queue_depth=0,
                    devices=[DeviceHealth(device_id="cam-1", ok=True, fps=15.0)],
                )
            )
        else:
            out.append(
                GatewayStatus(
                    **common, device_id=gateway, state=GatewayState.ONLINE, version="0.1.0"
                )
            )
    return out


def count_events(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _acked(info: object) -> bool:
    try:
        return bool(info.is_published())  # type: ignore[attr-defined]
    except (RuntimeError, ValueError):  # published while disconnected: not sent
        return False


class ResendingPublisher:
    """A paho QoS 1 publisher that, like a gateway's store-and-forward, republishes
    (same event id) whatever the broker has not acknowledged, or acknowledged with
    "no matching subscribers" (nobody stored it)."""

    def __init__(self, url: str) -> None:
        from anju_common.mqtt import make_client

        self.client, target = make_client(url)
        self.client.reconnect_delay_set(1, 2)
        self.client.on_publish = self._on_publish
        self.unheard: set[int] = set()
        self.client.connect_async(target.host, target.port, keepalive=10)
        self.client.loop_start()
        self.sent: list[tuple[str, bytes, object]] = []

    def _on_publish(self, _c: object, _u: object, mid: int, rc: object, _p: object) -> None:
        if getattr(rc, "value", 0) == 0x10:
            self.unheard.add(mid)

    def publish(self, topic: str, payload: bytes) -> None:
        info = self.client.publish(topic, payload, qos=1)
        self.unheard.discard(info.mid)
        self.sent.append((topic, payload, info))

    def _done(self, info: object) -> bool:
        return _acked(info) and info.mid not in self.unheard  # type: ignore[attr-defined]

    def resend_until_acked(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self._done(s[2]) for s in self.sent):
                return
            time.sleep(1.0)  # give in-flight messages time for their PUBACK
            pending = [s for s in self.sent if not self._done(s[2])]
            if pending and self.client.is_connected():
                self.sent = [s for s in self.sent if self._done(s[2])]
                for topic, payload, _ in pending:
                    self.publish(topic, payload)
        raise AssertionError("broker never acknowledged every message")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
