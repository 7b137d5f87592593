"""The commands as users run them: `anju simulate generate` and `anju simulate stream`."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anju_bench.servers import Mosquitto
from anju_cli.main import app
from anju_common.mqtt import make_client
from anju_sim.params import small_params
from anju_sim.portfolio import generate, iter_day_events


def test_generate_command_writes_the_documented_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["simulate", "generate", "--small", "--days", "3", "--out", str(out), "--seed", "9"]
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 9 and manifest["params"]["days"] == 3
    for rel in manifest["files"]["register_csv"] + manifest["files"]["events"]:
        assert (out / rel).stat().st_size > 0
    assert (out / "register" / "register.xlsx").exists()
    n = sum(len((out / rel).read_bytes().splitlines()) for rel in manifest["files"]["events"])
    assert n == manifest["counts"]["events"] > 0


def test_stream_command_publishes_every_event(broker: Mosquitto, tmp_path: Path) -> None:
    got: list[bytes] = []
    ready = threading.Event()
    client, target = make_client(broker.url)
    client.on_connect = lambda c, u, f, rc, p: c.subscribe("anju/v1/+/+/events/+", qos=1)
    client.on_subscribe = lambda *a: ready.set()
    client.on_message = lambda c, u, m: got.append(m.payload)
    client.connect(target.host, target.port)
    client.loop_start()
    assert ready.wait(10)
    faults = tmp_path / "faults.jsonl"
    res = CliRunner().invoke(
        app,
        ["simulate", "stream", "--small", "--days", "2", "--url", broker.url,
         "--duplicate", "0.02", "--faults-out", str(faults)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    dups = [json.loads(x) for x in faults.read_text().splitlines()]
    assert dups and all(d["type"] == "duplicate" for d in dups)
    expected = generate(small_params(seed=20260101, days=2))
    want = {ev.event_id for day in iter_day_events(expected) for ev in day}
    deadline = time.monotonic() + 15
    ids: list[str] = []
    while time.monotonic() < deadline:
        ids = [json.loads(p)["event_id"] for p in list(got)]
        if len(ids) >= len(want) + len(dups):
            break
        time.sleep(0.1)
    time.sleep(0.3)  # nothing more should come
    client.loop_stop()
    ids = [json.loads(p)["event_id"] for p in got]
    assert len(ids) == len(want) + len(dups)
    assert set(ids) == want
    assert {d["event_id"] for d in dups} <= set(ids)


def test_live_mode_sends_the_past_at_once_and_waits_for_the_future(broker: Mosquitto) -> None:
    from datetime import UTC, datetime, timedelta

    from anju_common.mqttpub import Gateways
    from anju_sim.stream import Streamer, gateway_urls, stream_portfolio

    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    pf = generate(small_params(days=2).model_copy(update={"start": today - timedelta(days=1)}))
    all_events = [ev for day in iter_day_events(pf) for ev in day]
    past = [ev for ev in all_events if ev.t <= time.time()]
    assert past  # yesterday at least; today's later events lie in the future
    gws = Gateways(gateway_urls(pf, broker.url, None))
    streamer = Streamer(pf, gws, status=False, keep_ids=True)
    stop = threading.Event()
    result: list[object] = []
    worker = threading.Thread(
        target=lambda: result.append(stream_portfolio(pf, streamer, range(2), live=True, stop=stop))
    )
    worker.start()
    time.sleep(3.0)
    stop.set()
    worker.join(20)
    gws.close()
    assert result and not worker.is_alive()
    sent = set(streamer.stats.event_ids)
    now = time.time()
    assert {ev.event_id for ev in past} <= sent
    assert not {ev.event_id for ev in all_events if ev.t > now + 1} & sent


def test_load_command_puts_the_same_register_in_the_database(pg_url: str) -> None:
    import psycopg

    res = CliRunner().invoke(
        app, ["simulate", "load", "--small", "--days", "3", "--seed", "4", "--database-url", pg_url]
    )
    assert res.exit_code == 0, res.output
    pf = generate(small_params(seed=4, days=3))
    with psycopg.connect(pg_url) as conn:
        gateways = {r[0] for r in conn.execute("SELECT gateway_id FROM gateways")}
        refs = {r[0] for r in conn.execute("SELECT ref FROM credentials WHERE type = 'card'")}
    assert gateways == {g.gateway_id for g in pf.register.gateways}
    assert refs == {c.ref for c in pf.register.credentials if c.type == "card"}


def test_card_key_secret_comes_from_the_environment_and_stays_out_of_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anju_sim.settings import get_sim_settings

    def cards(out: Path) -> set[str]:
        rows = (out / "register" / "credentials.csv").read_text().splitlines()
        return {r.split(",")[4] for r in rows[1:] if r.split(",")[3] == "card"}

    args = ["simulate", "generate", "--small", "--days", "1", "--out"]
    get_sim_settings.cache_clear()
    assert CliRunner().invoke(app, [*args, str(tmp_path / "a")]).exit_code == 0
    monkeypatch.setenv("ANJU_CARD_KEY_SECRET", "s3cret-for-test")
    get_sim_settings.cache_clear()
    try:
        assert CliRunner().invoke(app, [*args, str(tmp_path / "b")]).exit_code == 0
        in_process = generate(small_params(seed=20260101, days=1))  # same env, same keys
        assert {c.ref for c in in_process.register.credentials if c.type == "card"} == cards(
            tmp_path / "b"
        )
    finally:
        get_sim_settings.cache_clear()
    assert cards(tmp_path / "a") and not cards(tmp_path / "a") & cards(tmp_path / "b")
    for path in (tmp_path / "b").rglob("*"):
        if path.is_file():
            assert b"s3cret-for-test" not in path.read_bytes(), path
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["master_secret"] == "given (not written)"
