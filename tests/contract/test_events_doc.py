"""docs/events.md cannot rot: every example in it is validated against the models, every
mosquitto_pub example against the topic scheme, and every model field is documented."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import BaseModel

from anju_bench.servers import Mosquitto
from anju_common.cardhash import card_hash, normalize_card
from anju_common.events import MODELS, DeviceHealth
from anju_common.topics import parse_topic

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", TEXT, flags=re.S)


def _validate(payload: str) -> BaseModel:
    doc = json.loads(payload)
    return MODELS[doc["kind"]].model_validate_json(payload)


def _pub_commands() -> list[list[str]]:
    cmds = []
    for lang, body in BLOCKS:
        if lang == "sh" and "mosquitto_pub" in body:
            cmds.append(shlex.split(body.replace("\\\n", " ")))
    return cmds


def _opt(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def test_doc_has_an_example_of_every_kind() -> None:
    kinds = {json.loads(_opt(a, "-m") or "{}").get("kind") for a in _pub_commands()}
    assert kinds == set(MODELS)


@pytest.mark.parametrize("argv", _pub_commands(), ids=lambda a: _opt(a, "-t"))
def test_every_mosquitto_pub_example_is_valid_on_its_topic(argv: list[str]) -> None:
    topic, payload = _opt(argv, "-t"), _opt(argv, "-m")
    assert topic and payload
    model = _validate(payload)
    info = parse_topic(topic)
    assert info is not None, topic
    assert info.kind == model.kind
    assert (info.estate_id, info.gateway_id) == (
        model.estate_id,
        model.gateway_id,
    )
    # QoS 1 and MQTT v5 everywhere, and the client id is the gateway id.
    assert _opt(argv, "-q") == "1" and _opt(argv, "-V") == "mqttv5"
    assert _opt(argv, "-i") == info.gateway_id == _opt(argv, "-u")
    if info.kind == "status":
        assert "-r" in argv and "--will-retain" in argv
        assert _opt(argv, "--will-topic") == topic
        will = _validate(_opt(argv, "--will-payload") or "")
        assert will.state == "offline"
        assert will.time == model.time  # same T (see the doc)


def test_every_json_block_is_a_valid_message() -> None:
    blocks = [body for lang, body in BLOCKS if lang == "json"]
    assert blocks
    for body in blocks:
        _validate(body)


def test_every_model_field_is_documented() -> None:
    documented = set(re.findall(r"^\| `(\w+)` \|", TEXT, flags=re.M))
    models: list[type[BaseModel]] = [*MODELS.values(), DeviceHealth]
    missing = {f"{m.__name__}.{f}" for m in models for f in m.model_fields if f not in documented}
    assert not missing, f"fields missing from docs/events.md tables: {sorted(missing)}"


def test_worked_card_hash_example_is_right() -> None:
    m = re.search(r"card key `([^`]+)`, number read `([^`]+)`", TEXT)
    assert m
    key, number = m.group(1).encode(), m.group(2)
    normalized = re.search(r"- normalized: `([^`]+)`", TEXT)
    hashed = re.search(r"- hash: `([0-9a-f]{64})`", TEXT)
    assert normalized and hashed
    assert normalize_card(number) == normalized.group(1)
    assert card_hash(key, number) == hashed.group(1)
    # The snippet for integrators computes the same thing.
    snippet = next(body for lang, body in BLOCKS if lang == "python" and "assert card_hash" in body)
    exec(compile(snippet, "events.md", "exec"), {})


def test_doc_lists_every_dead_letter_reason() -> None:
    pytest.importorskip("anju_ingest.decode")
    from anju_ingest.decode import REASONS

    table = set(re.findall(r"^\| `(\w+)` \| ", TEXT.split("## Invalid messages")[1], flags=re.M))
    assert table == set(REASONS)


def test_documented_card_key_derivation_is_the_code() -> None:
    import hashlib
    import hmac

    from anju_common.cardhash import estate_card_key

    m = re.search(r'message = "([^"]+)" \+ estate_id', TEXT)
    assert m, "derivation of the estate card key is not documented"
    master = b"master-secret"
    documented = hmac.new(master, m.group(1).encode() + b"xy-01", hashlib.sha256).digest()
    assert documented == estate_card_key(master, "xy-01")


@pytest.mark.slow
def test_the_python_bridge_runs_against_a_real_broker(broker: Mosquitto, tmp_path: Path) -> None:
    """The doc's bridge program, run as written, delivers valid messages in order."""
    bridge = next(body for lang, body in BLOCKS if lang == "python" and "paho" in body)
    (tmp_path / "bridge.py").write_text(bridge)
    got: list[tuple[str, bytes, bool]] = []
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sub.on_message = lambda c, u, m: got.append((m.topic, m.payload, bool(m.retain)))
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("anju/v1/#", qos=1)
    sub.loop_start()
    time.sleep(0.3)
    env = dict(os.environ, BROKER_HOST="127.0.0.1", BROKER_PORT=str(broker.port))
    done = subprocess.run([sys.executable, "bridge.py"], cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 0
    deadline = time.monotonic() + 5
    while len(got) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    sub.loop_stop()
    sub.disconnect()
    assert [t for t, _, _ in got] == [
        "anju/v1/xy-01/gw-b1/status",
        "anju/v1/xy-01/gw-b1/events/access",
        "anju/v1/xy-01/gw-b1/status",
    ]
    models = [_validate(payload.decode()) for _, payload, _ in got]
    assert [getattr(m, "state", None) for m in models] == ["online", None, "offline"]
    hashed = re.search(r"- hash: `([0-9a-f]{64})`", TEXT)
    assert hashed and models[1].credential_ref == hashed.group(1)
