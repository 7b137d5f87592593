"""Store-and-forward against a real, private Mosquitto and a real edge process that is
SIGKILLed while offline: every buffered event arrives, each event id once, in order."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from anju_bench.servers import Mosquitto
from anju_common.events import parse_event
from anju_common.mqtt import make_client
from anju_common.topics import event_topic, status_topic
from tests.waiting import wait_for

TOPIC = event_topic("e1", "g1", "access")


def write_config(path: Path, data_dir: Path, url: str, *, doors: int) -> Path:
    text = f"""
[gateway]
estate_id = "e1"
gateway_id = "g1"
data_dir = "{data_dir}"
heartbeat_s = 1

[mqtt]
url = "{url}"
"""
    if doors:
        text += f"""
[[doors]]
kind = "simulated"
id = "sim-door"
door_id = "gate-1"
cards = ["00012345", "0099-8877"]
count = {doors}
interval_s = 0
"""
    path.write_text(text)
    return path


def start_edge(config: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        ANJU_EDGE_CARD_KEY="5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a",
    )
    env.pop("ANJU_EDGE_MQTT_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "anju_cli.main", "edge", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def queued_ids(db: Path) -> list[str]:
    try:
        with sqlite3.connect(db) as conn:
            return [r[0] for r in conn.execute("SELECT event_id FROM queue ORDER BY seq")]
    except sqlite3.OperationalError:  # the agent is still creating its schema
        return []


class Subscriber:
    """A persistent session: the broker keeps our messages while we are away."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.received: list[str] = []
        self.status: list[str] = []
        self.subscribed = threading.Event()
        self.client: mqtt.Client | None = None

    def connect(self) -> None:
        client, target = make_client(self.url, client_id="edge-test-subscriber")
        client.on_message = self._on_message
        client.on_subscribe = lambda *_a: self.subscribed.set()
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        client.connect(target.host, target.port, clean_start=False, properties=props)
        client.subscribe([(TOPIC, 1), (status_topic("e1", "g1"), 1)])
        client.loop_start()
        self.client = client

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        event = parse_event(msg.payload)
        if msg.topic == TOPIC:
            self.received.append(str(event.event_id))
        else:
            self.status.append(json.loads(msg.payload)["state"])

    def disconnect(self) -> None:
        assert self.client is not None
        self.client.disconnect()
        self.client.loop_stop()


@pytest.mark.slow
def test_thousand_events_survive_broker_outage_and_sigkill(
    broker: Mosquitto, tmp_path: Path
) -> None:
    sub = Subscriber(broker.url)
    sub.connect()
    assert sub.subscribed.wait(5)
    sub.disconnect()
    broker.stop()  # offline from here on

    data = tmp_path / "data"
    db = data / "queue.db"
    first = start_edge(write_config(tmp_path / "gw1.toml", data, broker.url, doors=1000))
    try:
        wait_for(lambda: db.exists() and len(queued_ids(db)) == 1000, 60, "1000 buffered")
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    buffered = queued_ids(db)
    assert len(buffered) == 1000 and len(set(buffered)) == 1000

    # Restart while still offline: nothing is lost, nothing is sent.
    second = start_edge(write_config(tmp_path / "gw2.toml", data, broker.url, doors=0))
    try:
        time.sleep(2)
        assert second.poll() is None
        assert queued_ids(db) == buffered

        broker.start()  # same port, persisted sessions
        sub.connect()
        wait_for(lambda: len(sub.received) >= 1000, 90, "1000 events at the subscriber")
        wait_for(lambda: not queued_ids(db), 30, "queue drained after PUBACKs")
        time.sleep(1.0)  # would catch late duplicates
        assert sub.received == buffered  # each id once, in the order they were queued
        wait_for(lambda: "online" in sub.status, 10, "retained online status")
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(10)
    # The last will tells the platform the gateway went away.
    wait_for(lambda: sub.status[-1:] == ["offline"], 60, "last will (offline)")
    sub.disconnect()


def test_sigterm_stops_cleanly_with_offline_status(broker: Mosquitto, tmp_path: Path) -> None:
    sub = Subscriber(broker.url)
    sub.connect()
    assert sub.subscribed.wait(5)
    proc = start_edge(write_config(tmp_path / "gw.toml", tmp_path / "data", broker.url, doors=3))
    try:
        wait_for(lambda: len(sub.received) == 3 and "online" in sub.status, 30, "events, online")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_for(lambda: sub.status[-1:] == ["offline"], 10, "offline status on a clean stop")
    assert not queued_ids(tmp_path / "data" / "queue.db")
    sub.disconnect()
