"""Client-id takeover (issue 15 item 2) against the shipped broker configuration and a
real `anju ingest`: a gateway connecting with ingest's client id, or another gateway's,
must neither get that session nor kick its owner."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from anju_bench.servers import ingest_env, start_ingest, stop_process
from anju_common.events import dump_event
from anju_common.topics import event_topic
from tests.ingest.helpers import count_events, register_gateway, sample_events
from tests.waiting import wait_for

from .shipped_broker import make_auth, shipped_mosquitto


class Gateway:
    """A paho v5 client with a persistent session that notes its connects and drops."""

    def __init__(self, port: int, user: str, password: str, client_id: str) -> None:
        self.connects: list[tuple[int, bool]] = []  # (reason code, session_present)
        self.drops = 0
        self.ready = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        self.client.username_pw_set(user, password)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_a: setattr(self, "drops", self.drops + 1)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        self.client.connect("127.0.0.1", port, clean_start=False, properties=props)
        self.client.loop_start()
        assert self.ready.wait(5), "no CONNACK"

    def _on_connect(self, _c: object, _u: object, flags: object, rc: object, _p: object) -> None:
        present = bool(getattr(flags, "session_present", False))
        self.connects.append((getattr(rc, "value", -1), present))
        self.ready.set()

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_gateway_cannot_take_over_ingest_or_another_gateway(tmp_path: Path, pg_url: str) -> None:
    done = make_auth(tmp_path, "E1 GW1 pw-1\nE2 GW2 pw-2\n")
    assert done.returncode == 0, done.stderr
    register_gateway(pg_url, "E1", ("GW1",))
    register_gateway(pg_url, "E2", ("GW2",))
    with shipped_mosquitto(tmp_path) as broker:
        env = ingest_env(pg_url, f"mqtt://anju-ingest:ingest-pw@127.0.0.1:{broker.services_port}")
        del env["ANJU_INGEST_CLIENT_ID"]  # the default: a slot and this install's token
        proc = start_ingest(env, stderr=subprocess.PIPE)
        gw1 = Gateway(broker.port, "GW1", "pw-1", "gw1-box")
        try:

            def send(n: int) -> None:
                for e in sample_events(n, gateway="GW1"):
                    e = e.model_copy(update={"estate_id": "E1"})
                    gw1.publish(event_topic("E1", "GW1", e.kind), dump_event(e))

            def stored_one() -> bool:  # ingest subscribes asynchronously: send until heard
                send(1)
                time.sleep(0.3)
                return count_events(pg_url)[0] > 0

            wait_for(stored_one, 60, "ingest to store a gateway's event")
            with psycopg.connect(pg_url) as conn:
                row = conn.execute(
                    "SELECT value FROM anju_settings WHERE key = 'ingest_client_token'"
                ).fetchone()
            assert row is not None and len(row[0]) == 32
            ingest_id = f"anju-ingest-{env['ANJU_INGEST_GROUP']}-{row[0][:16]}-0"
            # The attacks: ingest's id (and the old predictable one), GW1's own id.
            thief = Gateway(broker.port, "GW2", "pw-2", ingest_id)
            assert thief.connects == [(0, False)], "the gateway got ingest's session"
            thief.close()
            old_id = f"anju-ingest-{env['ANJU_INGEST_GROUP']}-0"
            thief = Gateway(broker.port, "GW2", "pw-2", old_id)
            thief.close()
            kicker = Gateway(broker.port, "GW2", "pw-2", "GW1")
            time.sleep(1.0)
            assert gw1.drops == 0 and len(gw1.connects) == 1, "GW2 kicked GW1 off"
            kicker.close()
            # A gateway's password does not open the services' listener.
            refused = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
            refused.username_pw_set("GW2", "pw-2")
            codes: list[int] = []
            refused.on_connect = lambda _c, _u, _f, rc, _p: codes.append(rc.value)
            refused.connect("127.0.0.1", broker.services_port)
            refused.loop_start()
            assert wait_for(lambda: bool(codes), 5) and codes[0] in (134, 135)
            refused.loop_stop()
            before = count_events(pg_url)[0]
            send(30)  # ingest kept its session: everything after the attacks is stored
            assert wait_for(lambda: count_events(pg_url)[0] == before + 30, 30)
        finally:
            gw1.close()
            stop_process(proc)
        assert proc.stderr is not None
        log = proc.stderr.read().decode()
        assert "disconnected from broker" not in log, log
        assert log.count("connected to broker as") == 1
