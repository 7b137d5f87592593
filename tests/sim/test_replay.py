"""Replay republishes a recorded log in order with its timing; export writes stored
events back as wire JSONL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson
import psycopg

from anju_bench.servers import Mosquitto
from anju_common.events import parse_event
from anju_common.mqtt import make_client
from anju_common.mqttpub import Gateways
from anju_sim.dbload import iter_stored_events
from anju_sim.params import small_params
from anju_sim.portfolio import estate_day_events, generate
from anju_sim.replay import gateways_in, replay_logs


def _log(tmp_path: Path, n: int) -> tuple[Path, list[bytes]]:
    pf = generate(small_params(days=2))
    events = estate_day_events(pf, 0, 1)[:n]
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(e.data + b"\n" for e in events))
    return path, [e.data for e in events]


def _subscribe(url: str, got: list[tuple[float, bytes]], ready: threading.Event) -> object:
    client, target = make_client(url)
    client.on_connect = lambda c, u, f, rc, p: c.subscribe("anju/v1/#", qos=1)
    client.on_subscribe = lambda *a: ready.set()
    client.on_message = lambda c, u, m: got.append((time.monotonic(), m.payload))
    client.connect(target.host, target.port)
    client.loop_start()
    return client


def test_replay_keeps_order_and_relative_timing(broker: Mosquitto, tmp_path: Path) -> None:
    path, sent = _log(tmp_path, 400)
    span = (parse_event(sent[-1]).time - parse_event(sent[0]).time).total_seconds()
    speed = span / 2.0  # the whole log should take about two seconds
    got: list[tuple[float, bytes]] = []
    ready = threading.Event()
    sub = _subscribe(broker.url, got, ready)
    assert ready.wait(10)
    gws = Gateways({g: broker.url for g in gateways_in([path])})
    t0 = time.monotonic()
    n = replay_logs([path], gws, speed)
    took = time.monotonic() - t0
    gws.close()
    deadline = time.monotonic() + 10
    while len(got) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    sub.loop_stop()  # type: ignore[attr-defined]
    assert n == len(sent) and sorted(p for _, p in got) == sorted(sent)

    # MQTT keeps order per connection (one per gateway), not across them
    def per_gateway(msgs: list[bytes]) -> dict[str, list[bytes]]:
        out: dict[str, list[bytes]] = {}
        for m in msgs:
            out.setdefault(parse_event(m).gateway_id, []).append(m)
        return out

    assert per_gateway([p for _, p in got]) == per_gateway(sent)
    assert 1.7 < took < 4.0
    # an event at the middle of the log arrives about half-way through
    mid = len(sent) // 2
    frac = (parse_event(sent[mid]).time - parse_event(sent[0]).time).total_seconds() / span
    when = {p: t for t, p in got}
    arrived = (when[sent[mid]] - got[0][0]) / (got[-1][0] - got[0][0])
    assert abs(arrived - frac) < 0.2


def test_export_writes_stored_events_in_wire_form(pg_url: str, tmp_path: Path) -> None:
    _, sent = _log(tmp_path, 50)
    docs = [orjson.loads(d) for d in sent]
    with psycopg.connect(pg_url) as conn:
        conn.execute("SELECT anju_ensure_partitions('2026-01-01', '2026-01-10')")
        for d in docs:
            conn.execute(
                "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id, "
                "payload) VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)",
                (d["time"], d["event_id"], d["kind"], d["estate_id"], d["gateway_id"],
                 d["device_id"], orjson.dumps(d).decode()),
            )  # fmt: skip
        conn.commit()
        out = list(iter_stored_events(conn, estate="e01"))
        assert list(iter_stored_events(conn, estate="nope")) == []
    key = [(parse_event(x).time, str(parse_event(x).event_id)) for x in sent]
    expected = [x for _, x in sorted(zip(key, sent, strict=True))]
    assert out == expected


def test_export_then_replay_commands(pg_url: str, broker: Mosquitto, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from anju_cli.main import app

    _, sent = _log(tmp_path, 120)
    with psycopg.connect(pg_url) as conn:
        conn.execute("SELECT anju_ensure_partitions('2026-01-01', '2026-01-10')")
        for d in (orjson.loads(x) for x in sent):
            conn.execute(
                "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id, "
                "payload) VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)",
                (d["time"], d["event_id"], d["kind"], d["estate_id"], d["gateway_id"],
                 d["device_id"], orjson.dumps(d).decode()),
            )  # fmt: skip
        conn.commit()
    out = tmp_path / "export.jsonl"
    runner = CliRunner()
    res = runner.invoke(app, ["export", "events", "--out", str(out), "--database-url", pg_url,
                              "--since", "2026-01-05T00:00:00"])  # fmt: skip
    assert res.exit_code == 0, res.output
    exported = out.read_bytes().splitlines()
    assert sorted(exported) == sorted(sent)
    got: list[tuple[float, bytes]] = []
    ready = threading.Event()
    sub = _subscribe(broker.url, got, ready)
    assert ready.wait(10)
    res = runner.invoke(app, ["replay", str(out), "--speed", "0", "--url", broker.url])
    assert res.exit_code == 0, res.output
    deadline = time.monotonic() + 10
    while len(got) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    sub.loop_stop()  # type: ignore[attr-defined]
    assert sorted(p for _, p in got) == sorted(sent)
