"""Drains the durable queue to MQTT (QoS 1) in order; deletes a row only on PUBACK.

paho keeps what it has sent but not yet had acknowledged and resends it itself after
a reconnect, so within one process the cursor only moves forward; after a restart the
queue is read from its start (a resend of an event id is harmless). The in-flight
window is capped well below paho's 65,535 limit and every publish rc is checked."""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt

from anju_common.events import GatewayState, GatewayStatus, dump_event, new_event_id, utc_now
from anju_common.mqtt import make_client
from anju_common.topics import status_topic
from anju_edge.buffer import EventQueue

NO_MATCHING_SUBSCRIBERS = 0x10  # MQTT v5 PUBACK reason code
RESEND_UNHEARD_S = 2.0

log = logging.getLogger("anju.edge.publisher")
_SENT = (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN)  # NO_CONN: paho queued it


class Publisher:
    def __init__(
        self,
        queue: EventQueue,
        *,
        url: str,
        estate_id: str,
        gateway_id: str,
        version: str,
        ca_file: str | None = None,
        inflight: int = 1000,
        keepalive_s: int = 30,
        protocol: int = 5,
    ) -> None:
        self.queue = queue
        self.estate_id = estate_id
        self.gateway_id = gateway_id
        self.version = version
        self.window = inflight
        self.keepalive_s = keepalive_s
        self.client, self.target = make_client(
            url,
            client_id=f"anju-edge-{estate_id}-{gateway_id}",
            ca_file=ca_file,
            protocol=protocol,
        )
        self.client.max_inflight_messages_set(inflight)
        self.client.reconnect_delay_set(1, 30)
        self._set_will()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        # (mid, refused), from paho's thread
        self._acked: collections.deque[tuple[int, bool]] = collections.deque()
        self._inflight: dict[int, int] = {}  # mid -> seq, drain thread only
        self._cursor = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.published = 0
        self.refused = 0  # PUBACKs with a failure reason (e.g. ACL): kept in the queue
        # PUBACK "no matching subscribers": nobody stored it (ingest down, or a broker
        # restart that forgot shared subscriptions). Keep the rows and send again later.
        self._unheard: collections.deque[int] = collections.deque()
        self._resend_at = 0.0
        self.unheard = 0

    def _status(self, state: GatewayState) -> bytes:
        return dump_event(
            GatewayStatus(
                event_id=new_event_id(),
                time=utc_now(),
                estate_id=self.estate_id,
                gateway_id=self.gateway_id,
                device_id=self.gateway_id,
                state=state,
                version=self.version,
            )
        )

    def _set_will(self) -> None:
        """Each connection gets its own will (own event id), so the platform, which
        ignores a repeated event id, records every time this gateway dropped off."""
        topic = status_topic(self.estate_id, self.gateway_id)
        self.client.will_set(topic, self._status(GatewayState.OFFLINE), 1, True)

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        if getattr(rc, "is_failure", False):
            log.warning("broker refused the connection: %s", rc)
            return
        log.info("connected to %s:%s", self.target.host, self.target.port)
        topic = status_topic(self.estate_id, self.gateway_id)
        client.publish(topic, self._status(GatewayState.ONLINE), 1, True)
        self._set_will()  # for the next connection
        self._wake.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        log.warning("disconnected from broker: %s", rc)

    def _on_publish(self, _c: mqtt.Client, _u: Any, mid: int, rc: Any, _p: Any) -> None:
        # Called under paho's message lock: only hand the mid over, no locks of ours.
        if getattr(rc, "value", 0) == NO_MATCHING_SUBSCRIBERS:
            self._unheard.append(mid)
        else:
            self._acked.append((mid, bool(getattr(rc, "is_failure", False))))
        self._wake.set()

    @property
    def connected(self) -> bool:
        return bool(self.client.is_connected())

    def start(self) -> None:
        self.client.connect_async(self.target.host, self.target.port, self.keepalive_s)
        self.client.loop_start()
        self._thread = threading.Thread(target=self._drain, daemon=True, name="publisher")
        self._thread.start()

    def notify(self) -> None:
        """A producer queued something."""
        self._wake.set()

    def publish_now(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False) -> bool:
        """For heartbeats: not buffered, useless when stale."""
        if not self.connected:
            return False
        return self.client.publish(topic, payload, qos, retain).rc == mqtt.MQTT_ERR_SUCCESS

    def _settle_acks(self) -> None:
        while self._unheard:
            if self._inflight.pop(self._unheard.popleft(), None) is not None:
                self.unheard += 1
                if not self._resend_at:
                    self._resend_at = time.monotonic() + RESEND_UNHEARD_S
        if self._resend_at and not self._inflight and time.monotonic() >= self._resend_at:
            # Everything outstanding is settled: start over from the oldest row kept.
            self._resend_at = 0.0
            self._cursor = 0
        seqs: list[int] = []
        while self._acked:
            mid, refused = self._acked.popleft()
            seq = self._inflight.pop(mid, None)
            if seq is None:
                continue
            if refused:
                # The broker will not take it with these credentials (ACL). Keep the row:
                # after the ACL or config is fixed, a restart sends it. No silent loss.
                self.refused += 1
                if self.refused in (1, 10, 100) or self.refused % 1000 == 0:
                    log.error(
                        "broker refused %d publish(es); check this gateway's ACL", self.refused
                    )
                continue
            seqs.append(seq)
        self.queue.ack(seqs)

    def _send_more(self) -> int:
        room = self.window - len(self._inflight)
        if room <= 0 or not self.connected or self._resend_at:
            return 0  # (paused while waiting to resend rows nobody heard)
        sent = 0
        for row in self.queue.after(self._cursor, min(room, 500)):
            info = self.client.publish(row.topic, row.payload, 1)
            if info.rc not in _SENT:
                log.warning("publish refused (rc %s); will retry", info.rc)
                break
            self._inflight[info.mid] = row.seq
            self._cursor = row.seq
            sent += 1
        self.published += sent
        return sent

    def _drain(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self._settle_acks()
            if self._send_more() == 0:
                self._wake.wait(0.2)
        self._settle_acks()

    def stop(self, wait_s: float = 2.0) -> None:
        """Give in-flight messages a moment, publish offline status, disconnect."""
        deadline = time.monotonic() + wait_s
        while self._inflight and self.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(2)
        if self.connected:
            topic = status_topic(self.estate_id, self.gateway_id)
            self.client.publish(
                topic, self._status(GatewayState.OFFLINE), 1, True
            ).wait_for_publish(1)
        self.client.disconnect()
        self.client.loop_stop()
