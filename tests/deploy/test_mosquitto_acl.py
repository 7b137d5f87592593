"""The broker's per-gateway credentials and ACL, for real: make-passwd.sh generates the
files, a private Mosquitto loads them, and a gateway can publish under its own prefix
only. Needs mosquitto and mosquitto_passwd (installed by .ci/run)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from .shipped_broker import SCRIPT, ShippedBroker, make_auth, shipped_mosquitto

GATEWAYS = "e1 gw-a pass-a\ne1 gw-b pass-b\n# comment\n\ne2 gw-c pass-c\n"


def _generate(
    tmp: Path, gateways: str = GATEWAYS, sim_password: str = ""
) -> subprocess.CompletedProcess[str]:
    return make_auth(tmp, gateways, sim_password)


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[ShippedBroker]:
    done = _generate(tmp_path)
    assert done.returncode == 0, done.stderr
    with shipped_mosquitto(tmp_path) as broker:
        yield broker


def _client(
    broker: ShippedBroker, user: str | None, password: str | None, services: bool = False
) -> tuple[mqtt.Client, int]:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"{user}-{time.monotonic_ns()}", protocol=mqtt.MQTTv5
    )
    result: list[int] = []
    ready = threading.Event()

    def on_connect(c: mqtt.Client, u: object, f: object, rc: ReasonCode, p: object) -> None:
        result.append(rc.value)
        ready.set()

    client.on_connect = on_connect
    if user:
        client.username_pw_set(user, password)
    client.connect("127.0.0.1", broker.services_port if services else broker.port)
    client.loop_start()
    ready.wait(5)
    return client, result[0] if result else -1


def _subscriber(broker: ShippedBroker) -> tuple[mqtt.Client, list[str]]:
    got: list[str] = []
    sub, rc = _client(broker, "anju-ingest", "ingest-pw", services=True)
    assert rc == 0
    sub.on_message = lambda c, u, m: got.append(m.topic)
    sub.subscribe("$share/anju-ingest/anju/v1/#", qos=1)
    time.sleep(0.3)
    return sub, got


def _publish(client: mqtt.Client, topic: str) -> int:
    codes: list[int] = []
    client.on_publish = lambda c, u, mid, rc, p: codes.append(rc.value)
    info = client.publish(topic, b"{}", qos=1)
    info.wait_for_publish(5)
    deadline = time.monotonic() + 5
    while not codes and time.monotonic() < deadline:
        time.sleep(0.01)
    return codes[0] if codes else -1


@pytest.mark.slow
def test_gateway_publishes_under_its_own_prefix_only(secured: ShippedBroker) -> None:
    sub, got = _subscriber(secured)
    gw_a, rc = _client(secured, "gw-a", "pass-a")
    assert rc == 0
    own = "anju/v1/e1/gw-a/events/access"
    assert _publish(gw_a, own) == 0
    # Under gateway B's prefix, another estate's prefix, or outside the tree: refused.
    for foreign in (
        "anju/v1/e1/gw-b/events/access",
        "anju/v1/e2/gw-a/events/access",
        "anju/v1/e1/gw-a-x/status",
        "anju/v2/e1/gw-a/status",
    ):
        assert _publish(gw_a, foreign) == 135  # MQTT v5 PUBACK: not authorized
    time.sleep(1.0)
    assert got == [own]
    for c in (sub, gw_a):
        c.loop_stop()
        c.disconnect()


@pytest.mark.slow
def test_wrong_password_anonymous_and_ingest_publishing_are_refused(secured: ShippedBroker) -> None:
    sub, got = _subscriber(secured)
    _, rc = _client(secured, "gw-a", "pass-b")
    assert rc in (134, 135)  # bad user name or password / not authorized
    _, rc = _client(secured, None, None)
    assert rc in (134, 135)
    ingest, rc = _client(secured, "anju-ingest", "ingest-pw", services=True)
    assert rc == 0
    _publish(ingest, "anju/v1/e1/gw-a/events/access")  # ingest may only read
    gw_c, rc = _client(secured, "gw-c", "pass-c")
    assert rc == 0
    assert _publish(gw_c, "anju/v1/e2/gw-c/heartbeat") == 0
    time.sleep(1.0)
    assert got == ["anju/v1/e2/gw-c/heartbeat"]
    for c in (sub, ingest, gw_c):
        c.loop_stop()
        c.disconnect()


def test_make_passwd_writes_one_acl_entry_per_gateway(tmp_path: Path) -> None:
    done = _generate(tmp_path)
    assert done.returncode == 0, done.stderr
    acl = (tmp_path / "auth/acl").read_text()
    assert "user gw-a\ntopic write anju/v1/e1/gw-a/#" in acl
    assert "user gw-c\ntopic write anju/v1/e2/gw-c/#" in acl
    services_acl = (tmp_path / "auth/services.acl").read_text()
    assert "user anju-ingest\ntopic read anju/v1/#" in services_acl
    assert "anju-ingest" not in acl  # services log in on their own listener
    assert "anju-sim" not in services_acl  # only when its password is set
    users = [line.split(":")[0] for line in (tmp_path / "auth/passwd").read_text().splitlines()]
    assert users == ["gw-a", "gw-b", "gw-c"]
    services = (tmp_path / "auth/services.passwd").read_text().splitlines()
    assert [line.split(":")[0] for line in services] == ["anju-ingest"]
    assert "pass-a" not in (tmp_path / "auth/passwd").read_text()  # hashed
    assert (tmp_path / "auth/passwd").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "bad",
    [
        "e1 gw-a\n",
        "e1 gw/a pw\n",
        "e1 + pw\n",
        "e1 anju-ingest pw\n",
        "e1 anju-x pw\n",
        "e/1 gw pw\n",
    ],
)
def test_make_passwd_refuses_bad_lines(tmp_path: Path, bad: str) -> None:
    done = _generate(tmp_path, bad)
    assert done.returncode != 0
    assert not (tmp_path / "auth/acl").exists()


def test_make_passwd_adds_the_simulator_only_when_asked(tmp_path: Path) -> None:
    done = _generate(tmp_path, sim_password="sim-pw")
    assert done.returncode == 0, done.stderr
    assert "user anju-sim\ntopic write anju/v1/#" in (tmp_path / "auth/services.acl").read_text()
    services = (tmp_path / "auth/services.passwd").read_text().splitlines()
    assert [line.split(":")[0] for line in services] == ["anju-ingest", "anju-sim"]


def test_make_passwd_needs_the_ingest_password(tmp_path: Path) -> None:
    (tmp_path / "gateways.txt").write_text(GATEWAYS)
    env = {k: v for k, v in os.environ.items() if k != "ANJU_MQTT_INGEST_PASSWORD"}
    done = subprocess.run(
        ["sh", str(SCRIPT), str(tmp_path / "gateways.txt"), str(tmp_path / "auth")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "ANJU_MQTT_INGEST_PASSWORD" in done.stderr
