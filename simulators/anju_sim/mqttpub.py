"""Many virtual gateways publishing at QoS 1 from one thread.

One paho client per gateway (own client id, optionally own credentials), driven by the
manual loop: publish writes straight away, a select() over all sockets reads the
PUBACKs. The number of unacknowledged messages is capped well below paho's 65,535
(MEASURED.md: past it publish() returns rc 15 and the message is lost) and every
publish's rc is checked."""

from __future__ import annotations

import select
import time

import paho.mqtt.client as mqtt

from anju_common.mqtt import make_client

WINDOW = 10_000  # unacknowledged messages across all clients
PER_CLIENT_INFLIGHT = 1_000


class PublishError(RuntimeError):
    pass


class Gateways:
    def __init__(self, urls: dict[str, str], window: int = WINDOW) -> None:
        self.window = window
        self.inflight = 0
        self.acked = 0
        self.published = 0
        self.clients: dict[str, mqtt.Client] = {}
        self._connected: set[str] = set()
        self._since_pump = 0
        for gw, url in urls.items():
            c, target = make_client(url, client_id=f"anju-sim-{gw}")
            c.max_inflight_messages_set(PER_CLIENT_INFLIGHT)
            c.on_publish = self._on_publish
            c.on_connect = self._on_connect
            c.user_data_set(gw)
            c.connect(target.host, target.port, keepalive=60)
            self.clients[gw] = c
        deadline = time.monotonic() + 30
        while len(self._connected) < len(self.clients):
            if time.monotonic() > deadline:
                missing = sorted(set(self.clients) - self._connected)[:5]
                raise PublishError(f"gateways could not connect: {missing}")
            self.pump(0.05)

    def _on_connect(
        self, client: mqtt.Client, gw: str, flags: object, rc: object, props: object
    ) -> None:
        if not getattr(rc, "is_failure", False):
            self._connected.add(gw)

    def _on_publish(
        self, client: mqtt.Client, gw: str, mid: int, rc: object, props: object
    ) -> None:
        self.inflight -= 1
        self.acked += 1

    def pump(self, timeout: float = 0.0) -> None:
        """Read acknowledgements, flush pending writes, keep connections alive."""
        socks = {}
        want_write = []
        for c in self.clients.values():
            s = c.socket()
            if s is not None:
                socks[s] = c
                if c.want_write():
                    want_write.append(s)
        if not socks:
            return
        r, w, _ = select.select(list(socks), want_write, [], timeout)
        for s in r:
            socks[s].loop_read()
        for s in w:
            socks[s].loop_write()
        for c in self.clients.values():
            c.loop_misc()

    def publish(self, gw: str, topic: str, payload: bytes, retain: bool = False) -> None:
        while self.inflight >= self.window:
            self.pump(0.01)
        client = self.clients[gw]
        for _ in range(1000):
            info = client.publish(topic, payload, qos=1, retain=retain)
            if info.rc == mqtt.MQTT_ERR_SUCCESS:
                break
            if info.rc == mqtt.MQTT_ERR_QUEUE_SIZE:
                self.pump(0.01)
                continue
            if info.rc == mqtt.MQTT_ERR_NO_CONN:
                client.reconnect()
                self.pump(0.1)
                continue
            raise PublishError(f"publish to {topic} failed: rc={info.rc}")
        else:
            raise PublishError(f"publish to {topic} kept failing")
        self.inflight += 1
        self.published += 1
        self._since_pump += 1
        if self._since_pump >= 200:
            self._since_pump = 0
            self.pump(0)

    def drain(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.inflight > 0:
            if time.monotonic() > deadline:
                raise PublishError(f"{self.inflight} messages not acknowledged after {timeout}s")
            self.pump(0.05)

    def close(self) -> None:
        for c in self.clients.values():
            c.disconnect()
        for c in self.clients.values():
            c.loop_write()
