"""The whole agent against a real private Mosquitto: a camera reading a frame folder,
the gallery from a local file, face events, heartbeat and retained status."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from anju_bench.edge import background, default_walkers, entrance_frames, write_folder
from anju_bench.servers import Mosquitto
from anju_common.events import FaceSighting, Heartbeat, parse_event
from anju_common.mqtt import make_client
from anju_edge.agent import Agent
from anju_edge.buffer import EventQueue
from anju_edge.config import GatewayConfig
from anju_edge.doors import SimulatedDoor
from anju_edge.enroll import enroll_folder


@pytest.mark.slow
def test_agent_camera_to_broker(
    broker: Mosquitto, faces_dir: Path, tmp_path: Path, gateway_config: Callable[..., GatewayConfig]
) -> None:
    gallery, _ = enroll_folder([faces_dir / "rose_leslie", faces_dir / "obama"])
    (tmp_path / "gallery.json").write_text(gallery.model_dump_json())
    walkers = [w for w in default_walkers(faces_dir) if w.label in ("rose_leslie", "")]
    write_folder(entrance_frames(background(), walkers, gap_frames=5, step_px=30), tmp_path / "f")
    cfg = gateway_config(
        f'[gallery]\npath = "{tmp_path / "gallery.json"}"\n[snapshots]\nenabled = true\n'
        f'[[cameras]]\nid = "cam-1"\nsource = "{tmp_path / "f"}"\n'
        'direction = "in"\n',
        url=broker.url,
        heartbeat_s=0.3,
    )
    got: list[tuple[str, bytes]] = []
    lock = threading.Lock()
    sub, target = make_client(broker.url)

    def on_message(_c: mqtt.Client, _u: object, m: mqtt.MQTTMessage) -> None:
        with lock:
            got.append((m.topic, m.payload))

    sub.on_message = on_message
    sub.connect(target.host, target.port)
    sub.subscribe("anju/v1/e1/g1/#", 1)
    sub.loop_start()
    agent = Agent(cfg)
    agent.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                faces = [parse_event(p) for t, p in got if t.endswith("/events/face")]
                beats = [parse_event(p) for t, p in got if t.endswith("/heartbeat")]
            if len(faces) >= 2 and beats:
                break
            time.sleep(0.1)
    finally:
        agent.stop()
        time.sleep(0.3)
        sub.loop_stop()
        sub.disconnect()
    assert all(isinstance(f, FaceSighting) for f in faces)
    assert [f.person_id for f in faces] == ["rose_leslie", None]  # type: ignore[union-attr]
    stranger = faces[1]
    assert isinstance(stranger, FaceSighting)
    assert stranger.snapshot_ref and (tmp_path / "data" / stranger.snapshot_ref).exists()
    assert stranger.direction == "in" and stranger.device_id == "cam-1"
    beat = beats[-1]
    assert isinstance(beat, Heartbeat)
    assert [d.device_id for d in beat.devices] == ["cam-1"]
    states = [json.loads(p)["state"] for t, p in got if t.endswith("/status")]
    assert states[0] == "online" and states[-1] == "offline"


def test_heartbeat_counts_queue_and_drops_while_offline(
    gateway_config: Callable[..., GatewayConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "ANJU_EDGE_CARD_KEY", "5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a"
    )
    cfg = gateway_config(
        '[buffer]\nmax_events = 10\n[[doors]]\nkind = "simulated"\nid = "sim"\n'
        'door_id = "gate"\ncards = ["1", "2"]\ncount = 25\ninterval_s = 0\n'
    )
    agent = Agent(cfg)
    agent.start()
    try:
        door = agent.doors[0]
        assert isinstance(door, SimulatedDoor)
        assert door.done.wait(10)
        beat = agent.heartbeat()
    finally:
        agent.stop()
    assert (beat.queue_depth, beat.dropped) == (10, 15)
    assert [(d.device_id, d.ok) for d in beat.devices] == [("sim", True)]
    again = EventQueue(cfg.gateway.data_dir / "queue.db", 10)  # after a restart
    assert (again.depth(), again.dropped()) == (10, 15)
    again.close()
