"""FastClient's one-pass PUBLISH parser over the buffered socket (no broker needed:
the packets are built by paho's own encoder's rules, byte for byte)."""

from __future__ import annotations

import struct
from typing import Any

from anju_common.mqttpub import encode_varint
from anju_ingest.receive import _BufferedSocket


def publish(topic: str, payload: bytes, mid: int, qos: int = 1, props: bytes = b"") -> bytes:
    t = topic.encode()
    body = struct.pack("!H", len(t)) + t
    if qos:
        body += struct.pack("!H", mid)
    body += encode_varint(len(props)) + props + payload
    return bytes([0x30 | (qos << 1)]) + encode_varint(len(body)) + body


class FakeSock:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def recv(self, n: int) -> bytes:
        if not self.chunks:
            raise BlockingIOError
        return self.chunks.pop(0)


def test_complete_publishes_are_taken_in_one_pass() -> None:
    big = b"x" * 300  # a two-byte remaining length
    props = b"\x01\x01"  # payload format indicator
    data = (
        publish("anju/v1/E1/g/events/access", b'{"a":1}', 1)
        + publish("anju/v1/E1/g/events/face", big, 2, props=props)
        + publish("t/q0", b"zero", 0, qos=0)
        + b"\xd0\x00"  # PINGRESP: paho's
        + publish("after/ping", b"later", 3)
    )
    cut = publish("partial", b"y" * 50, 4)
    sock = _BufferedSocket(FakeSock([data + cut[:20], cut[20:]]))
    got: list[tuple[Any, ...]] = []
    assert sock.recv(1) == data[:1]  # fills the buffer as paho's first read would
    sock._pos = 0  # rewind what "paho" read: the test drives the parser
    n = sock.take_publishes(True, lambda *a: got.append(a))
    assert n == 3
    assert got == [
        (b"anju/v1/E1/g/events/access", b'{"a":1}', 1, 1),
        (b"anju/v1/E1/g/events/face", big, 2, 1),
        (b"t/q0", b"zero", 0, 0),
    ]
    assert sock.recv(2) == b"\xd0\x00"  # left for paho, as is everything after it
    assert sock.take_publishes(True, lambda *a: got.append(a)) == 1
    assert got[-1] == (b"after/ping", b"later", 3, 1)
    assert sock.take_publishes(True, lambda *a: got.append(a)) == 0  # partial: paho's


def test_mqtt311_and_malformed() -> None:
    v3 = bytes([0x32]) + encode_varint(2 + 3 + 2 + 2) + b"\x00\x03a/b\x00\x07hi"
    sock = _BufferedSocket(FakeSock([v3]))
    sock.recv(1)
    sock._pos = 0
    got: list[tuple[Any, ...]] = []
    assert sock.take_publishes(False, lambda *a: got.append(a)) == 1
    assert got == [(b"a/b", b"hi", 7, 1)]
    bad = bytes([0x32, 4]) + b"\x00\x09abcd"  # topic longer than the packet
    sock = _BufferedSocket(FakeSock([bad]))
    sock.recv(1)
    sock._pos = 0
    assert sock.take_publishes(True, lambda *a: got.append(a)) == 0 and sock._pos == 0
