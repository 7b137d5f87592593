"""End to end: a small simulated estate with labels -> MQTT (private Mosquitto) ->
`anju ingest` -> `anju detect` -> alerts API over real HTTP. Every labelled violation
is flagged with the right type, and no flat without that violation is."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from anju_bench.servers import Mosquitto
from anju_common.mqttpub import Gateways
from anju_sim.dbload import load_register
from anju_sim.params import small_params
from anju_sim.portfolio import generate
from anju_sim.stream import Streamer, gateway_urls, stream_portfolio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sim"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
from platform_live import live_server
from test_stream_ingest import ingest

from anju_bench.detect_score import SCORED  # label type -> alert type

DAYS = 40


def _scalar(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        got = conn.execute(sql).fetchone()
    return int(got[0]) if got else 0


def _count(url: str) -> int:
    return _scalar(url, "SELECT count(*) FROM events WHERE kind IN ('access', 'face', 'qr')")


@pytest.mark.slow
def test_labelled_violations_are_flagged(broker: Mosquitto, pg_url: str, tmp_path: Path) -> None:
    pf = generate(small_params(seed=5, days=DAYS))  # every type; several entrances
    with psycopg.connect(pg_url) as conn:
        load_register(conn, pf)
        # 40 days cannot show a 180-day vacancy: this estate's threshold is scaled down
        # (per-estate overrides are part of the product)
        conn.execute(
            "INSERT INTO detect_settings VALUES ('e01', "
            '\'{"vacancy_days": 25, "vacancy_warn_days": [15]}\')'
        )
    with ingest(pg_url, broker.url) as proc:
        gws = Gateways(gateway_urls(pf, broker.url, None))
        streamer = Streamer(pf, gws, keep_ids=False)  # publishes retained 'online' statuses
        n_gw, deadline = len(pf.register.gateways), time.monotonic() + 60
        while _scalar(pg_url, "SELECT count(*) FROM gateway_state") < n_gw:  # subscribed
            assert proc.poll() is None and time.monotonic() < deadline, "ingest not ready"
            time.sleep(0.25)
        stats = stream_portfolio(pf, streamer, range(DAYS))
        gws.close()
        deadline = time.monotonic() + 120
        while _count(pg_url) < stats.events and time.monotonic() < deadline:
            assert proc.poll() is None, "ingest died"
            time.sleep(0.3)
    assert _count(pg_url) == stats.events > 10_000

    env = dict(os.environ, DATABASE_URL=pg_url)
    run = subprocess.run(
        [sys.executable, "-m", "anju_cli.main", "detect", "--estate", "e01"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]

    last = pf.params.start + timedelta(days=DAYS - 1)
    want: dict[str, set[str]] = {}
    near: set[str] = set()
    for lab in pf.labels:
        begins = (lab.start + timedelta(hours=8)).date()
        if lab.type in SCORED and lab.violation and begins <= last:
            want.setdefault(SCORED[lab.type], set()).add(lab.unit_id)
        elif lab.type == "vacancy":
            near.add(lab.unit_id)  # a near miss may cross the scaled-down threshold
    assert len(want) == len(set(SCORED.values()))

    with live_server(pg_url, tmp_path) as live, live.client("authority") as c:
        r = c.get("/api/v1/alerts", params={"estate_id": "e01", "status": ["open", "closed"],
                                            "limit": 1000})  # fmt: skip
        assert r.status_code == 200, r.text
        got: dict[str, set[str]] = {}
        for a in r.json():
            superseded = (a["close_reason"] or "").startswith("superseded")
            if a["type"] != "vacancy_warning" and a["opened_day"] is not None and not superseded:
                got.setdefault(a["type"], set()).add(a["unit_id"])
        for typ, units in want.items():
            assert units <= got.get(typ, set()), f"{typ}: missed {units - got.get(typ, set())}"
        for typ, units in got.items():
            extra = units - want.get(typ, set()) - (near if typ == "vacancy" else set())
            assert not extra, f"{typ}: false alerts on {extra}"
        one = next(a for a in r.json() if a["type"] == "sublet")
        detail = c.get(f"/api/v1/alerts/{one['alert_id']}").json()
        assert detail["reason_en"] and detail["reason_zh"]
        assert detail["evidence"], detail
