"""Per-gateway credentials, broker ACL and TLS against a real private Mosquitto:
mqtts:// with a CA we make here, password file, topic ACL per gateway."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from anju_bench.servers import Mosquitto
from anju_common.events import parse_event
from anju_common.mqtt import make_client
from anju_edge.agent import Agent
from anju_edge.config import GatewayConfig
from tests.waiting import wait_for

MakeConfig = Callable[..., GatewayConfig]
SWIPES = '[[doors]]\nkind = "simulated"\nid = "sim"\ndoor_id = "gate"\ncards = ["1"]\n'
SWIPES += "count = 5\ninterval_s = 0\n"


def _cert(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )


def make_tls(d: Path) -> tuple[Path, Path, Path]:
    ca_key, srv_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "anju test CA")])
    ca = (
        _cert("anju test CA", ca_key, ca_name, ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    srv = _cert("127.0.0.1", srv_key, ca_name, ca_key).add_extension(san, False)
    srv_cert = srv.sign(ca_key, hashes.SHA256())
    paths = d / "ca.pem", d / "server.pem", d / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(srv_cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        srv_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[tuple[Mosquitto, Path]]:
    d = tmp_path / "mq"
    d.mkdir()
    ca, cert, key = make_tls(d)
    pw = d / "passwd"
    for i, (user, password) in enumerate([("gw-g1", "gpass"), ("reader", "rpass")]):
        flags = ["-b", "-c"] if i == 0 else ["-b"]
        subprocess.run(["mosquitto_passwd", *flags, str(pw), user, password], check=True)
    acl = d / "acl"
    acl.write_text("user gw-g1\ntopic write anju/v1/e1/g1/#\n\nuser reader\ntopic read anju/v1/#\n")
    conf = (
        f"allow_anonymous false\npassword_file {pw}\nacl_file {acl}\n"
        f"cafile {ca}\ncertfile {cert}\nkeyfile {key}\n"
    )
    broker = Mosquitto(d, extra_conf=conf).start()
    try:
        yield broker, ca
    finally:
        broker.stop()


def url(broker: Mosquitto, creds: str) -> str:
    return f"mqtts://{creds}@127.0.0.1:{broker.port}"


@pytest.mark.slow
def test_tls_credentials_and_acl(
    secure_broker: tuple[Mosquitto, Path],
    gateway_config: MakeConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker, ca = secure_broker
    monkeypatch.setenv(
        "ANJU_EDGE_CARD_KEY", "5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a5d0e1f3a"
    )
    got: list[str] = []
    lock = threading.Lock()
    sub, target = make_client(url(broker, "reader:rpass"), ca_file=str(ca))

    def on_message(_c: mqtt.Client, _u: object, m: mqtt.MQTTMessage) -> None:
        with lock:
            got.append(f"{parse_event(m.payload).gateway_id}/{m.topic.rsplit('/', 1)[1]}")

    sub.on_message = on_message
    sub.connect(target.host, target.port)
    sub.subscribe("anju/v1/#", 1)
    sub.loop_start()
    tls = f'ca_file = "{ca}"\n'
    good = Agent(gateway_config(SWIPES, url=url(broker, "gw-g1:gpass"), mqtt=tls))
    wrong_pw = Agent(gateway_config(SWIPES, url=url(broker, "gw-g1:nope"), mqtt=tls, data="d2"))
    # Right credentials, but publishing as another gateway: the ACL refuses it.
    other = Agent(
        gateway_config(SWIPES, url=url(broker, "gw-g1:gpass"), mqtt=tls, data="d3", gateway_id="g2")
    )
    agents = [good, wrong_pw, other]
    try:
        for a in agents:
            a.start()
        wait_for(lambda: got.count("g1/access") == 5, 20, f"5 events, got {got}")
        wait_for(lambda: good.queue.depth() == 0, 10, "the queue drained")
        wait_for(lambda: other.publisher.refused == 5, 20, "5 refused")
        time.sleep(1)
        assert "g1/status" in got
        assert not any(g.startswith("g2/") for g in got)
        assert not wrong_pw.publisher.connected
        assert wrong_pw.queue.depth() == 5  # kept for when the credentials are fixed
        assert other.queue.depth() == 5  # refused by the ACL: kept, not silently lost
    finally:
        for a in agents:
            a.stop()
        sub.loop_stop()
        sub.disconnect()
