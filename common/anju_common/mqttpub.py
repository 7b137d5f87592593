"""One MQTT v5 QoS 1 publisher for load: the simulator's virtual gateways and the
ingest benchmark's load generator (both `Gateways`).

paho's Python publisher costs about 37 us of CPU per message (MEASURED.md), which on
a 2-core box leaves too little for the broker, ingest and PostgreSQL. This writes
pre-encoded PUBLISH packets to one socket per gateway (TLS for mqtts://, each gateway
with its own client id and credentials) and counts PUBACKs, with one bounded in-flight
window across all of them (well below MQTT's 65,535 packet ids). Only what load needs:
QoS 1, retain, keep-alive pings, and a reconnect that resends every unacknowledged
message marked DUP (at least once, as paho does; ingest drops the repeats). No
subscriptions, no QoS 2, no sessions kept by the broker."""

from __future__ import annotations

import select
import socket
import ssl
import struct
import time

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from anju_common.settings import parse_mqtt_url

WINDOW = 10_000  # unacknowledged messages across all connections
KEEPALIVE_S = 60
RECONNECT_S = 30.0  # how long a lost connection is retried before the run stops
CONNECT_TIMEOUT_S = 10.0
_FLUSH_EVERY = 64  # packets queued per connection before one write


class PublishError(RuntimeError):
    """The broker refused us or stayed unreachable: the run stops with this message."""


def encode_varint(n: int) -> bytes:
    """MQTT's variable byte integer (remaining lengths, property lengths)."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s: bytes) -> bytes:
    return struct.pack("!H", len(s)) + s


def connect_packet(
    client_id: bytes, username: str | None, password: str | None, keepalive: int
) -> bytes:
    flags = 0x02  # clean start: a load generator keeps no session
    payload = _str(client_id)
    if username is not None:
        flags |= 0x80
        payload += _str(username.encode())
    if password is not None:
        flags |= 0x40
        payload += _str(password.encode())
    body = _str(b"MQTT") + bytes([5, flags]) + struct.pack("!H", keepalive) + b"\x00" + payload
    return b"\x10" + encode_varint(len(body)) + body


def publish_packet(topic: bytes, payload: bytes, mid: int, retain: bool = False) -> bytes:
    """A QoS 1 PUBLISH with no properties."""
    var = _str(topic) + struct.pack("!H", mid) + b"\x00"
    return bytes([0x32 | retain]) + encode_varint(len(var) + len(payload)) + var + payload


def parse_packet(buf: bytes) -> tuple[int, bytes, bytes] | None:
    """(packet type, body, rest of buf) of the packet at the head of buf, or None if it
    is not all there yet."""
    if len(buf) < 2:
        return None
    mult, length, i = 1, 0, 1
    while True:
        if i >= len(buf):
            return None
        b = buf[i]
        length += (b & 0x7F) * mult
        mult *= 128
        i += 1
        if not b & 0x80:
            break
    if len(buf) < i + length:
        return None
    return buf[0] & 0xF0, buf[i : i + length], buf[i + length :]


class Connection:
    """One gateway's connection: publishes QoS 1, keeps what is not yet acknowledged."""

    def __init__(self, url: str, client_id: str, ca_file: str | None = None) -> None:
        self.target = parse_mqtt_url(url)
        self.client_id = client_id
        self.ca_file = ca_file
        self.unacked: dict[int, bytes] = {}  # packet id -> packet, in publish order
        self.acked = 0
        self.failed = 0  # PUBACK with a failure reason (e.g. 0x87 not authorized)
        self.reconnects = 0
        self.last_sent = 0.0
        self._next_id = 0
        self._out: list[bytes] = []
        self._rbuf = b""
        self.sock: socket.socket | None = None

    def where(self) -> str:
        return f"{self.client_id} at {self.target.host}:{self.target.port}"

    def start(self) -> None:
        """Open the socket and send CONNECT (the CONNACK is read by `finish`, so that
        many gateways connect in one round trip)."""
        t = self.target
        sock = socket.create_connection((t.host, t.port), timeout=CONNECT_TIMEOUT_S)
        if t.tls:
            ctx = ssl.create_default_context(cafile=self.ca_file)
            sock = ctx.wrap_socket(sock, server_hostname=t.host)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.sock, self._rbuf = sock, b""
        sock.sendall(connect_packet(self.client_id.encode(), t.username, t.password, KEEPALIVE_S))
        self.last_sent = time.monotonic()

    def finish(self) -> None:
        while (got := parse_packet(self._rbuf)) is None:
            if not self._recv():  # an OSError: reconnect() tries again
                raise ConnectionError(f"{self.where()}: the broker closed the connection")
        ptype, data, self._rbuf = got
        if ptype != 0x20 or len(data) < 2:
            raise PublishError(f"{self.where()}: no CONNACK (packet type {ptype:#x})")
        if data[1]:
            reason = ReasonCode(PacketTypes.CONNACK, identifier=data[1])
            raise PublishError(f"{self.where()}: the broker refused the connection: {reason}")
        assert self.sock is not None
        self.sock.settimeout(None)

    def _recv(self) -> bool:
        assert self.sock is not None
        chunk = self.sock.recv(1 << 20)
        # TLS: bytes already decrypted are invisible to select(), so take them now
        while chunk and isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            chunk += self.sock.recv(1 << 20)
        self._rbuf += chunk
        return bool(chunk)

    def publish(self, topic: bytes, payload: bytes, retain: bool, batch: bool) -> None:
        """batch: queue up to _FLUSH_EVERY packets before one write (a pump or drain
        sends the rest); else write now."""
        mid = self._next_id
        while True:  # the window keeps far fewer than 65,535 in flight
            mid = mid % 65535 + 1
            if mid not in self.unacked:
                break
        self._next_id = mid
        packet = publish_packet(topic, payload, mid, retain)
        self.unacked[mid] = packet
        self._out.append(packet)
        if not batch or len(self._out) >= _FLUSH_EVERY:
            self.flush()

    def flush(self, now: float = 0.0) -> None:
        """Send what is queued; a PINGREQ instead when idle for half the keep-alive."""
        now = now or time.monotonic()
        if not self._out and now - self.last_sent < KEEPALIVE_S / 2:
            return
        data = b"".join(self._out) if self._out else b"\xc0\x00"
        self._out.clear()
        try:
            assert self.sock is not None
            self.sock.sendall(data)
            self.last_sent = now
        except OSError:
            self.reconnect()  # resends everything unacknowledged, these included

    def read(self) -> int:
        """Take what arrived on the (readable) socket; returns the PUBACKs counted."""
        try:
            alive = self._recv()
        except OSError:
            alive = False
        if not alive:
            self.reconnect()
            return 0
        done = 0
        while (got := parse_packet(self._rbuf)) is not None:
            ptype, data, self._rbuf = got
            if ptype != 0x40 or len(data) < 2:
                continue  # PINGRESP; a DISCONNECT is followed by the socket closing
            if self.unacked.pop((data[0] << 8) | data[1], None) is None:
                continue
            done += 1
            if len(data) > 2 and data[2] >= 0x80:
                self.failed += 1
            else:
                self.acked += 1
        return done

    def reconnect(self) -> None:
        """The connection broke: connect again (retrying for RECONNECT_S) and resend,
        marked DUP, everything not acknowledged, in publish order."""
        if self.sock is not None:
            self.sock.close()
        self._out.clear()
        deadline, delay = time.monotonic() + RECONNECT_S, 0.25
        while True:
            try:
                self.start()
                self.finish()
                break
            except OSError as err:
                if time.monotonic() + delay > deadline:
                    raise PublishError(f"{self.where()}: connection lost: {err}") from None
                time.sleep(delay)
                delay = min(delay * 2, 4.0)
        self.reconnects += 1
        if self.unacked:
            assert self.sock is not None
            self.sock.sendall(b"".join(bytes([p[0] | 0x08]) + p[1:] for p in self.unacked.values()))

    def close(self) -> None:
        if self.sock is None:
            return
        try:
            self.flush()
            self.sock.sendall(b"\xe0\x00")  # DISCONNECT, normal
        except OSError:
            pass  # closing anyway
        finally:
            self.sock.close()
            self.sock = None


class Gateways:
    """Many gateways publishing from one thread: `publish` queues, `pump` sends and
    reads acknowledgements, `drain` waits for all of them."""

    def __init__(
        self,
        urls: dict[str, str],
        window: int = WINDOW,
        client_prefix: str = "anju-sim-",
        ca_file: str | None = None,
        batch_writes: bool = False,
    ) -> None:
        """batch_writes: a publish may wait in memory for up to 63 more on its
        connection (one write for many; the bench's rate); `pump` sends it."""
        self.window = window
        self.batch_writes = batch_writes
        self.inflight = 0
        self.published = 0
        self._since_pump = 0
        self.conns = {gw: Connection(url, client_prefix + gw, ca_file) for gw, url in urls.items()}
        for c in self.conns.values():
            c.start()
        for c in self.conns.values():
            c.finish()

    @property
    def acked(self) -> int:
        return sum(c.acked for c in self.conns.values())

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.conns.values())

    def publish(self, gw: str, topic: str | bytes, payload: bytes, retain: bool = False) -> None:
        while self.inflight >= self.window:
            self.pump(0.01)
        t = topic.encode() if isinstance(topic, str) else topic
        self.conns[gw].publish(t, payload, retain, self.batch_writes)
        self.inflight += 1
        self.published += 1
        self._since_pump += 1
        if self._since_pump >= _FLUSH_EVERY:
            self._since_pump = 0
            self.pump(0)

    def pump(self, timeout: float = 0.0) -> None:
        """Send what is queued (or a keep-alive ping), then read acknowledgements,
        waiting up to `timeout` for the first."""
        now = time.monotonic()
        socks = {}
        for c in self.conns.values():
            c.flush(now)
            if c.sock is not None:
                socks[c.sock] = c
        if not socks:
            return
        for s in select.select(list(socks), [], [], timeout)[0]:
            self.inflight -= socks[s].read()

    def drain(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.inflight > 0:
            if time.monotonic() > deadline:
                raise PublishError(f"{self.inflight} messages not acknowledged after {timeout}s")
            self.pump(0.05)

    def close(self) -> None:
        for c in self.conns.values():
            c.close()
