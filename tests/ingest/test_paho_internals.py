"""The paho internals anju_ingest.receive relies on (its docstring lists them) are all
still there, with the signatures and shapes it expects. A paho upgrade that changes
any of them fails here, by name, rather than as lost or unacknowledged messages."""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

import paho.mqtt.client as mqtt
from packaging.requirements import Requirement

from anju_ingest.receive import FastClient

ROOT = Path(__file__).resolve().parents[2]

# name -> its parameters after self (name, default) as receive.py calls or overrides it
METHODS = {
    "_handle_publish": [],
    "_packet_read": [],
    "_create_socket": [],
    "loop_read": [("max_packets", 1)],
    "_packet_queue": [
        ("command", inspect.Parameter.empty),
        ("packet", inspect.Parameter.empty),
        ("mid", inspect.Parameter.empty),
        ("qos", inspect.Parameter.empty),
        ("info", None),
    ],
}


def _paho_requirement() -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    return next(r for r in reqs if r.name == "paho-mqtt")


def test_installed_paho_is_in_the_pinned_range() -> None:
    req = _paho_requirement()
    assert req.specifier.contains(version("paho-mqtt")), (version("paho-mqtt"), req)
    # a range that stops below the next minor: internals may change in any release
    assert any(s.operator == "<" and s.version.count(".") == 1 for s in req.specifier), req


def test_overridden_and_called_methods_keep_their_signatures() -> None:
    for name, expected in METHODS.items():
        method = getattr(mqtt.Client, name, None)
        assert callable(method), f"paho.mqtt.client.Client.{name} is gone"
        params = list(inspect.signature(method).parameters.values())[1:]
        got = [(p.name, p.default) for p in params]
        assert got == expected, f"Client.{name}{inspect.signature(method)} changed"
    # and FastClient really overrides the ones it means to
    for name in ("_handle_publish", "_packet_read", "_create_socket", "loop_read"):
        assert name in vars(FastClient), name


def test_private_fields_exist_with_the_expected_shapes() -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    assert {"command", "have_remaining", "packet"} <= set(client._in_packet)
    assert client._in_packet["command"] == 0 and client._in_packet["have_remaining"] == 0
    assert isinstance(client._in_packet["packet"], bytearray)
    assert client._protocol == mqtt.MQTTv5
    assert client._sock is None  # before connect: the slot our wrapped socket goes in
    assert isinstance(client._last_bytes_received, float)
    with client._msgtime_mutex:  # a lock
        pass
    assert mqtt.time_func is not None and isinstance(mqtt.time_func(), float)
    assert mqtt.MQTTMessage(mid=1, topic=b"a/b")._topic == b"a/b"


def test_the_loop_still_skips_select_while_the_socket_has_bytes_pending() -> None:
    # Our buffered socket answers pending(); paho must keep asking it (as for TLS).
    assert "self._sock.pending()" in inspect.getsource(mqtt.Client._loop)
