"""Each virtual gateway logs in with its own credentials and may publish only under its
own topic prefix (a broker with a password file and a per-user ACL)."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from anju_bench.servers import private_mosquitto
from anju_common.cardhash import card_hash, estate_card_key
from anju_common.mqtt import make_client
from anju_common.mqttpub import Gateways
from anju_sim.params import small_params
from anju_sim.portfolio import generate, iter_day_events
from anju_sim.stream import Streamer, gateway_urls, stream_portfolio

TEMPLATE = "mqtt://{gateway_id}:pw-{gateway_id}@127.0.0.1:{port}"


def test_gateways_publish_with_their_own_credentials(tmp_path: Path) -> None:
    pf = generate(small_params(days=1))
    passwd = tmp_path / "passwd"
    users = [g.gateway_id for g in pf.register.gateways] + ["reader"]
    passwd.write_text("".join(f"{u}:pw-{u}\n" for u in users))
    subprocess.run(["mosquitto_passwd", "-U", str(passwd)], check=True)
    acl = tmp_path / "acl"
    acl.write_text("user reader\ntopic read anju/v1/#\n\npattern write anju/v1/+/%u/#\n")
    conf = f"allow_anonymous false\npassword_file {passwd}\nacl_file {acl}\n"
    with private_mosquitto(conf) as broker:
        got: list[bytes] = []
        ready = threading.Event()
        sub, target = make_client(f"mqtt://reader:pw-reader@127.0.0.1:{broker.port}")
        sub.on_connect = lambda c, u, f, rc, p: c.subscribe("anju/v1/+/+/events/+", qos=1)
        sub.on_subscribe = lambda *a: ready.set()
        sub.on_message = lambda c, u, m: got.append(m.payload)
        sub.connect(target.host, target.port)
        sub.loop_start()
        assert ready.wait(10)
        urls = gateway_urls(pf, "unused", TEMPLATE.replace("{port}", str(broker.port)))
        assert len(set(urls.values())) == len(urls)  # one login per gateway
        gws = Gateways(urls)
        stats = stream_portfolio(pf, Streamer(pf, gws, status=False), range(1))
        gws.close()
        deadline = time.monotonic() + 10
        while len(got) < stats.events and time.monotonic() < deadline:
            time.sleep(0.05)
        sub.loop_stop()
    expected = {ev.data for day in iter_day_events(pf) for ev in day}
    assert stats.events == len(expected) and set(got) == expected


def test_estate_card_keys_differ_per_estate() -> None:
    k1 = estate_card_key(b"master", "e01")
    assert k1 == estate_card_key(b"master", "e01") and len(k1) == 32
    assert k1 != estate_card_key(b"master", "e02") != estate_card_key(b"other", "e02")
    assert card_hash(k1, "0012345") == card_hash(k1, "12345")
    assert card_hash(k1, "12345") != card_hash(estate_card_key(b"master", "e02"), "12345")
