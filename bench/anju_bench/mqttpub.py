"""A lean MQTT v5 QoS 1 publisher for load generation.

The benchmark measures ingest, not the load generator: paho's Python publisher costs
about 37 us of CPU per message (MEASURED.md), which on a 2-core box leaves too little
for the broker, ingest and PostgreSQL. This one writes pre-encoded PUBLISH packets to a
socket and counts PUBACKs, with a bounded in-flight window. Only what it needs: no
QoS 2, no subscriptions, no reconnect (a broken connection fails the run loudly).
"""

from __future__ import annotations

import select
import socket
import struct


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s: bytes) -> bytes:
    return struct.pack("!H", len(s)) + s


class PublishError(RuntimeError):
    pass


class LeanPublisher:
    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        username: str | None = None,
        password: str | None = None,
        window: int = 5000,
    ) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.window = window
        self.inflight = 0
        self.acked = 0
        self.failed = 0
        self._next_id = 0
        self._rbuf = b""
        self._out: list[bytes] = []
        self._connect(client_id.encode(), username, password)

    def _connect(self, client_id: bytes, username: str | None, password: str | None) -> None:
        flags = 0x02  # clean start: the load generator keeps no session
        payload = _str(client_id)
        if username is not None:
            flags |= 0x80
            payload += _str(username.encode())
        if password is not None:
            flags |= 0x40
            payload += _str(password.encode())
        var = _str(b"MQTT") + bytes([5, flags]) + struct.pack("!H", 60) + b"\x00"
        body = var + payload
        self.sock.sendall(b"\x10" + _varint(len(body)) + body)
        ptype, data = self._read_packet(block=True)
        if ptype != 0x20 or len(data) < 2 or data[1] != 0:
            raise PublishError(f"CONNACK refused: type {ptype:#x} data {data[:4]!r}")

    def _read_packet(self, block: bool) -> tuple[int, bytes]:
        while True:
            parsed = self._parse()
            if parsed is not None:
                return parsed
            if not block:
                return -1, b""
            chunk = self.sock.recv(65536)
            if not chunk:
                raise PublishError("broker closed the connection")
            self._rbuf += chunk

    def _parse(self) -> tuple[int, bytes] | None:
        buf = self._rbuf
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
        self._rbuf = buf[i + length :]
        return buf[0] & 0xF0, buf[i : i + length]

    def _drain_acks(self, block: bool) -> None:
        if block:
            self._flush()
        readable = True
        while readable:
            if not block:
                readable = bool(select.select([self.sock], [], [], 0)[0])
                if not readable:
                    break
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise PublishError("broker closed the connection")
            self._rbuf += chunk
            while (p := self._parse()) is not None:
                ptype, data = p
                if ptype == 0x40:  # PUBACK: reason code 0 or absent = success
                    self.inflight -= 1
                    if len(data) > 2 and data[2] >= 0x80:
                        self.failed += 1
                    else:
                        self.acked += 1
            block = False

    def _flush(self) -> None:
        if self._out:
            self.sock.sendall(b"".join(self._out))
            self._out.clear()

    def publish(self, topic: bytes, payload: bytes) -> None:
        """Queue one QoS 1 PUBLISH; blocks while the in-flight window is full."""
        while self.inflight >= self.window:
            self._drain_acks(block=True)
        self._next_id = self._next_id % 65535 + 1
        var = _str(topic) + struct.pack("!H", self._next_id) + b"\x00"
        self._out.append(b"\x32" + _varint(len(var) + len(payload)) + var + payload)
        self.inflight += 1
        if len(self._out) >= 64:
            self._flush()
            self._drain_acks(block=False)

    def flush(self) -> None:
        self._flush()
        self._drain_acks(block=False)

    def wait_all(self, timeout: float = 60.0) -> None:
        self._flush()
        self.sock.settimeout(timeout)
        while self.inflight > 0:
            self._drain_acks(block=True)
        self.sock.settimeout(None)

    def close(self) -> None:
        try:
            self.sock.sendall(b"\xe0\x00")  # DISCONNECT
        finally:
            self.sock.close()
