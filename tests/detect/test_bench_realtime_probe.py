"""The bench's real-time probe clones a current member's card: when the latest granted
card use of a run is a card no flat holds (a carer's, a former tenant's), the probe
used to copy that one, no card_clone alert could come, and `realtime_s` was null."""

from __future__ import annotations

import uuid
from datetime import timedelta

import psycopg
from psycopg.types.json import Jsonb

from anju_bench.detect import _realtime_latency
from anju_bench.detect_load import load_events
from anju_sim.dbload import load_register
from anju_sim.params import small_params
from anju_sim.portfolio import generate


def test_probe_skips_a_latest_card_use_that_no_flat_holds(pg_url: str) -> None:
    pf = generate(small_params(seed=5, days=2))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        load_register(conn, pf)
        load_events(conn, pf)
        t, estate, gw, device, payload = conn.execute(
            "SELECT time, estate_id, gateway_id, device_id, payload FROM events WHERE kind ="
            " 'access' AND credential_type = 'card' AND granted ORDER BY time DESC LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        eid = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
            " direction, credential_type, credential_ref, granted, payload) VALUES"
            " (%s, %s, 'access', %s, %s, %s, 'in', 'card', 'no-flat-holds-this', true, %s)",
            (t + timedelta(minutes=1), eid, estate, gw, device, Jsonb(payload)),
        )
        latest = conn.execute(
            "SELECT credential_ref FROM events WHERE kind = 'access' AND credential_type ="
            " 'card' AND granted ORDER BY time DESC LIMIT 1"
        ).fetchone()
        assert latest == ("no-flat-holds-this",)  # what the probe used to copy
        latency = _realtime_latency(conn, pg_url)
    assert latency is not None and latency < 10
