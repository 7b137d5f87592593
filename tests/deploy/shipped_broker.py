"""Mosquitto with the repo's own deploy/mosquitto/mosquitto.conf (both listeners, the
ACLs, use_username_as_clientid), moved to free ports and a temp directory."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from anju_bench.servers import free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy/mosquitto/mosquitto.conf"
SCRIPT = ROOT / "deploy/mosquitto/make-passwd.sh"


@dataclass
class ShippedBroker:
    port: int  # gateways' listener (1883 in the shipped file)
    services_port: int  # ingest's and the simulator's (1884)


def make_auth(tmp: Path, gateways: str, sim_password: str = "") -> subprocess.CompletedProcess[str]:
    """Run make-passwd.sh into tmp/auth; the ingest user's password is ingest-pw."""
    (tmp / "gateways.txt").write_text(gateways)
    env = dict(
        os.environ, ANJU_MQTT_INGEST_PASSWORD="ingest-pw", ANJU_MQTT_SIM_PASSWORD=sim_password
    )
    return subprocess.run(
        ["sh", str(SCRIPT), str(tmp / "gateways.txt"), str(tmp / "auth")],
        env=env,
        capture_output=True,
        text=True,
    )


@contextlib.contextmanager
def shipped_mosquitto(tmp: Path) -> Iterator[ShippedBroker]:
    """Start the shipped configuration with the files make_auth wrote into tmp/auth."""
    broker = ShippedBroker(free_port(), free_port())
    data = tmp / "data"
    data.mkdir()
    text = CONF.read_text()
    for old, new in (
        ("listener 1883 0.0.0.0", f"listener {broker.port} 127.0.0.1"),
        ("listener 1884 0.0.0.0", f"listener {broker.services_port} 127.0.0.1"),
        ("/mosquitto/auth/", f"{tmp}/auth/"),
        ("/mosquitto/data/", f"{data}/"),
        ("log_dest stdout", f"log_dest file {tmp}/mosquitto.log"),
    ):
        assert old in text, f"the shipped mosquitto.conf has no {old!r}"
        text = text.replace(old, new)
    if os.geteuid() == 0:
        text += "user root\n"
    conf = tmp / "mosquitto.conf"
    conf.write_text(text)
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    proc = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.PIPE)
    try:
        wait_port("127.0.0.1", broker.port)
        wait_port("127.0.0.1", broker.services_port)
        yield broker
    finally:
        proc.terminate()
        proc.wait(10)
