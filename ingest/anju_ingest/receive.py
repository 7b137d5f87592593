"""The ingest's MQTT receive path: paho for connecting, sessions, keep-alive and
reconnects; a lean path of our own for QoS 0/1 PUBLISH packets and for acknowledging
them in bulk (about half of paho's per-message cost, docs/ingest.md).

The interface (the worker uses nothing else):
- `make_receiver(url, client_id, on_message, ...)`: a manual-ack paho client that hands
  every received PUBLISH to `on_message(topic, payload, mid, qos)`;
- `ack_many(client, mids)`: PUBACK many messages with one socket write.

paho internals this relies on (paho-mqtt 2.2; pinned in pyproject.toml and
checked by tests/ingest/test_paho_internals.py, which fails if any of them changes):
- `Client._handle_publish(self)`, `Client._packet_read(self)` (overridden) and the
  dict `Client._in_packet` with keys "command", "have_remaining", "packet";
- `Client._create_socket(self)` (overridden: wraps the socket) and `Client._sock`;
- paho's loop skipping select() while `sock.pending() > 0` (as for TLS sockets);
- `Client._protocol`, `Client._msgtime_mutex`, `Client._last_bytes_received` and the
  module clock `paho.mqtt.client.time_func` (keep-alive bookkeeping);
- `Client._packet_queue(command, packet, mid, qos)`, which sends any bytes queued;
- `MQTTMessage._topic`, the raw topic bytes (for the QoS 2 messages paho parses).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.exception import MalformedPacket

from anju_common.mqtt import make_client
from anju_common.settings import MqttTarget

_PUBACK = struct.Struct("!BBH")
RawHandler = Callable[[bytes, bytes, int, int], None]  # topic, payload, mid, qos


def _varint(buf: bytes | bytearray, pos: int, end: int) -> tuple[int, int] | None:
    """An MQTT variable byte integer at buf[pos:end]: (value, position after it), or None
    if it does not end within its 4 bytes and before `end`."""
    value, mult = 0, 1
    for i in range(pos, min(end, pos + 4)):
        b = buf[i]
        value += (b & 0x7F) * mult
        if not b & 0x80:
            return value, i + 1
        mult *= 128
    return None


class _BufferedSocket:
    """Reads the socket in large chunks. paho reads each packet with three or more
    recv() calls and a select() per packet; with `pending()` (which paho honours, as
    for TLS sockets) it drains buffered packets without waiting in select()."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._buf = b""
        self._pos = 0

    def recv(self, n: int) -> bytes:
        if self._pos >= len(self._buf):
            data = self._sock.recv(max(n, 262144))
            if not data:
                return b""
            self._buf, self._pos = data, 0
        chunk = self._buf[self._pos : self._pos + n]
        self._pos += len(chunk)
        return chunk

    def take_publishes(self, v5: bool, handler: RawHandler) -> int:
        """Hand every complete QoS 0/1 PUBLISH at the head of the buffer to `handler`,
        parsed here in one pass (paho would read each with several recv() calls and a
        dict per packet). Stops at anything else or a partial packet: paho reads those."""
        buf, pos, end, n = self._buf, self._pos, len(self._buf), 0
        while pos + 2 <= end:
            cmd = buf[pos]
            if cmd & 0xF0 != 0x30 or cmd & 0x06 == 0x04:  # not PUBLISH, or QoS 2
                break
            got = _varint(buf, pos + 1, end)
            if got is None:
                break  # the length itself is not all here (or is malformed: paho decides)
            rem, i = got
            if i + rem > end or rem < 2:
                break
            qos = (cmd & 0x06) >> 1
            last = i + rem
            tlen = (buf[i] << 8) | buf[i + 1]
            p = i + 2 + tlen
            mid = 0
            if qos and p + 2 <= last:
                mid = (buf[p] << 8) | buf[p + 1]
                p += 2
            if v5:
                props = _varint(buf, p, last)
                if props is None:
                    break
                p = props[1] + props[0]
            if p > last or (qos and not mid):
                break  # malformed: paho reads it again and reports it
            pos = last
            self._pos = pos  # before the handler: a raising handler must not see it twice
            handler(buf[i + 2 : i + 2 + tlen], buf[p:pos], mid, qos)
            n += 1
        return n

    def pending(self) -> int:
        inner = self._sock.pending() if hasattr(self._sock, "pending") else 0
        return len(self._buf) - self._pos + inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class FastClient(mqtt.Client):
    """paho Client for high-rate consumers: buffered socket reads, a read loop that
    handles every packet already buffered instead of one per select(), and, when
    `on_raw_message(topic, payload, mid, qos)` is set, a lean PUBLISH path for QoS 0/1
    that skips MQTTMessage, property objects and topic matching (about half of paho's
    per-message cost). We never enable topic aliases, so topics arrive in full."""

    on_raw_message: RawHandler | None = None

    def _handle_publish(self) -> mqtt.MQTTErrorCode:
        handler = self.on_raw_message
        qos = (self._in_packet["command"] & 0x06) >> 1
        if handler is None or qos == 2:
            return super()._handle_publish()
        packet = self._in_packet["packet"]
        tlen = (packet[0] << 8) | packet[1]
        topic = bytes(packet[2 : 2 + tlen])
        pos = 2 + tlen
        mid = 0
        if qos:
            mid = (packet[pos] << 8) | packet[pos + 1]
            pos += 2
        if self._protocol == mqtt.MQTTv5:  # skip the properties
            props = _varint(packet, pos, len(packet))
            if props is None:
                raise MalformedPacket("bad properties length")
            pos = props[1] + props[0]
        handler(topic, bytes(packet[pos:]), mid, qos)
        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    def _packet_read(self) -> mqtt.MQTTErrorCode:
        sock, handler, inp = self._sock, self.on_raw_message, self._in_packet
        if (
            handler is not None
            and isinstance(sock, _BufferedSocket)
            and not inp["command"]
            and not inp["have_remaining"]
            and sock.take_publishes(self._protocol == mqtt.MQTTv5, handler)
        ):
            with self._msgtime_mutex:
                self._last_bytes_received = mqtt.time_func()
            return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS
        return super()._packet_read()

    def _create_socket(self) -> Any:
        return _BufferedSocket(super()._create_socket())

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        rc = super().loop_read(max_packets)
        for _ in range(10000):
            sock = self._sock
            if rc != mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS or sock is None:
                break
            if not isinstance(sock, _BufferedSocket) or sock.pending() <= 0:
                break
            rc = super().loop_read(1)
        return rc


def make_receiver(
    url: str,
    client_id: str,
    on_message: RawHandler,
    *,
    ca_file: str | None = None,
    protocol: int = 5,
) -> tuple[mqtt.Client, MqttTarget]:
    """A manual-ack client: every PUBLISH (QoS 0/1 on the lean path, QoS 2 through
    paho's MQTTMessage) goes to on_message(topic bytes, payload, mid, qos)."""
    client, target = make_client(
        url,
        client_id,
        ca_file=ca_file,
        manual_ack=True,
        protocol=protocol,
        client_class=FastClient,
    )
    assert isinstance(client, FastClient)
    client.on_raw_message = on_message
    client.on_message = lambda _c, _u, msg: on_message(
        msg._topic, bytes(msg.payload), msg.mid, msg.qos
    )
    return client, target


def ack_many(client: mqtt.Client, mids: list[int]) -> None:
    """PUBACK many messages with one socket write. paho has only a per-message ack(),
    which costs a wake-up and a write each (~15 us); its packet queue takes any bytes."""
    if not mids:
        return
    packet = b"".join([_PUBACK.pack(0x40, 2, mid) for mid in mids])
    client._packet_queue(0x40, packet, 0, 1)
