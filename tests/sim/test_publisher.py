"""The one load publisher (anju_common.mqttpub), used by the simulator's gateways and the
ingest bench, against a real Mosquitto: a refused login is one clear error, and a
connection that breaks with messages unacknowledged reconnects and resends them."""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from anju_bench.servers import Mosquitto, private_mosquitto
from anju_common.mqtt import make_client
from anju_common.mqttpub import Gateways, PublishError, encode_varint, parse_packet
from tests.waiting import wait_for


def _subscriber(url: str, got: list[bytes]) -> mqtt.Client:
    ready = threading.Event()
    sub, target = make_client(url)
    sub.on_connect = lambda c, u, f, rc, p: c.subscribe("t/#", qos=1)
    sub.on_subscribe = lambda *a: ready.set()
    sub.on_message = lambda c, u, m: got.append(m.payload)
    sub.connect(target.host, target.port)
    sub.loop_start()
    assert ready.wait(10)
    return sub


def test_codec_round_trip() -> None:
    assert encode_varint(0) == b"\x00" and encode_varint(321) == b"\xc1\x02"
    packet = b"\x40" + encode_varint(3) + b"\x00\x07\x00" + b"\xd0"
    assert parse_packet(packet) == (0x40, b"\x00\x07\x00", b"\xd0")
    assert parse_packet(b"\x40\x03\x00") is None  # not all there yet


def test_broken_connection_reconnects_and_resends_what_was_not_acknowledged(
    broker: Mosquitto,
) -> None:
    got: list[bytes] = []
    sub = _subscriber(broker.url, got)
    gws = Gateways({"g1": broker.url, "g2": broker.url})
    for i in range(200):
        gws.publish(f"g{i % 2 + 1}", f"t/{i % 2}", b"m%d" % i)
    conn = gws.conns["g1"]
    assert conn.unacked, "nothing in flight: the test would not exercise the resend"
    assert conn.sock is not None
    conn.sock.shutdown(socket.SHUT_RDWR)  # the network drops it, acks unread
    for i in range(200, 300):
        gws.publish(f"g{i % 2 + 1}", f"t/{i % 2}", b"m%d" % i)
    gws.drain(30)
    gws.close()
    wait_for(lambda: {b"m%d" % i for i in range(300)} <= set(got), 10, "all messages")
    sub.loop_stop()
    assert conn.reconnects == 1 and gws.conns["g2"].reconnects == 0
    assert gws.inflight == 0 and gws.acked == 300 and gws.failed == 0


def test_a_refused_login_is_one_clear_error(tmp_path: Path) -> None:
    passwd = tmp_path / "passwd"
    passwd.write_text("gw1:right\n")
    subprocess.run(["mosquitto_passwd", "-U", str(passwd)], check=True)
    with private_mosquitto(f"allow_anonymous false\npassword_file {passwd}\n") as b:
        url = f"mqtt://gw1:wrong@127.0.0.1:{b.port}"
        with pytest.raises(PublishError, match=r"gw1 at .*refused the connection: Not authorized"):
            Gateways({"gw1": url})
        ok = Gateways({"gw1": f"mqtt://gw1:right@127.0.0.1:{b.port}"})
        ok.publish("gw1", "t/1", b"x")
        ok.drain(10)
        assert ok.acked == 1
        ok.close()
