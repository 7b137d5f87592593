"""Door adapters through the agent: real HTTP webhook, a line reader on a file, and
the simulated controller. Card numbers leave the adapter only as the estate HMAC."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from anju_bench.servers import free_port
from anju_common.cardhash import card_hash, card_key_hex, estate_card_key
from anju_common.events import AccessEvent, DenyReason, Direction, parse_event
from anju_edge.agent import Agent
from anju_edge.config import GatewayConfig
from anju_edge.doors import WebhookDoors, parse_reader_line

MakeConfig = Callable[..., GatewayConfig]  # the gateway_config fixture

# As a gateway gets it: the hex of the platform's per-estate key.
KEY = card_key_hex(estate_card_key(b"platform-master-secret", "e1"))


def make_agent(gateway_config: MakeConfig, doors: str, monkeypatch: pytest.MonkeyPatch) -> Agent:
    monkeypatch.setenv("ANJU_EDGE_CARD_KEY", KEY)
    monkeypatch.setenv("ANJU_EDGE_WEBHOOK_TOKEN", "s3cret")
    return Agent(gateway_config(doors))


def queued(agent: Agent, n: int) -> list[AccessEvent]:
    deadline = time.monotonic() + 10
    while agent.queue.depth() < n and time.monotonic() < deadline:
        time.sleep(0.05)
    out = [parse_event(r.payload) for r in agent.queue.after(0, 100)]
    assert all(isinstance(e, AccessEvent) for e in out)
    return out  # type: ignore[return-value]


def post(port: int, body: object, token: str | None = "s3cret") -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/door-events",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"X-Anju-Token": token} if token else {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_webhook(gateway_config: MakeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    agent = make_agent(
        gateway_config,
        f'[[doors]]\nkind = "webhook"\nid = "ctrl-1"\nlisten = "127.0.0.1:{port}"\n'
        'token_env = "ANJU_EDGE_WEBHOOK_TOKEN"\n',
        monkeypatch,
    )
    agent.start()
    try:
        status, body = post(
            port,
            {"door_id": "b3-main", "direction": "in", "card_number": "0012345678", "granted": True},
        )
        assert status == 202
        denied = {"door_id": "b3-main", "card_number": "99", "granted": False, "reason": "expired"}
        assert post(port, denied)[0] == 202
        assert post(port, denied, token=None)[0] == 401
        assert post(port, {"door_id": "b3-main", "granted": True})[0] == 422  # no card number
        assert post(port, {**denied, "colour": "red"})[0] == 422  # unknown field
        events = queued(agent, 2)
    finally:
        agent.stop()
    assert len(events) == 2
    first, second = events
    assert str(first.event_id) == body["event_id"]
    assert first.credential_ref == card_hash(bytes.fromhex(KEY), "12345678")
    assert "12345678" not in first.model_dump_json()
    assert (first.granted, first.direction, first.device_id) == (True, Direction.IN, "ctrl-1")
    assert (second.granted, second.reason) == (False, DenyReason.EXPIRED)


def test_line_reader_and_simulator(
    tmp_path: Path, gateway_config: MakeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = tmp_path / "ttyUSB0"
    lines.write_text("00012345\n\n777 denied\n")
    agent = make_agent(
        gateway_config,
        f'[[doors]]\nkind = "lines"\nid = "reader-1"\ndoor_id = "b3-side"\npath = "{lines}"\n'
        '[[doors]]\nkind = "simulated"\nid = "sim-1"\ndoor_id = "gate"\ncards = ["1", "2"]\n'
        "count = 3\ninterval_s = 0\n",
        monkeypatch,
    )
    agent.start()
    try:
        events = queued(agent, 5)
    finally:
        agent.stop()
    by_device: dict[str, list[AccessEvent]] = {}
    for e in events:
        by_device.setdefault(e.device_id, []).append(e)
    reader = by_device["reader-1"]
    assert [(e.credential_ref, e.granted) for e in reader] == [
        (card_hash(bytes.fromhex(KEY), "12345"), True),
        (card_hash(bytes.fromhex(KEY), "777"), False),
    ]
    assert [e.credential_ref for e in by_device["sim-1"]] == [
        card_hash(bytes.fromhex(KEY), c) for c in ("1", "2", "1")
    ]


def test_doors_without_card_key_refuse_to_start(
    gateway_config: MakeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANJU_EDGE_CARD_KEY", "")
    cfg = gateway_config('[[doors]]\nkind = "lines"\nid = "r"\ndoor_id = "d"\npath = "-"\n')
    with pytest.raises(ValueError, match="ANJU_EDGE_CARD_KEY"):
        Agent(cfg)


def test_reader_line_parsing() -> None:
    assert parse_reader_line("  1234 \n", True) == ("1234", True)
    assert parse_reader_line("1234 denied", True) == ("1234", False)
    assert parse_reader_line("1234 granted", False) == ("1234", True)
    assert parse_reader_line("\n", True) is None


def test_webhook_to_signal_defaults_a_deny_reason() -> None:
    from anju_edge.doors import WebhookBody

    sig = WebhookDoors("c", "127.0.0.1:0", None).to_signal(
        WebhookBody(door_id="d", card_number="5", granted=False)
    )
    assert sig.reason is DenyReason.OTHER
