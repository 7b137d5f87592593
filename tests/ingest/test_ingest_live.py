"""Ingest against a real Mosquitto and a real PostgreSQL: round trip, idempotency,
and the faults it must survive without losing or duplicating anything."""

from __future__ import annotations

import random
import signal
import struct
import threading
import time
from datetime import UTC, datetime, timedelta

import orjson
import psycopg
import pytest

from anju_bench.servers import (
    Mosquitto,
    ingest_env,
    running_ingest,
    scratch_database,
    start_ingest,
    stop_process,
)
from anju_common.events import dump_event, event_from_stored
from anju_common.migrate import migrate
from anju_common.topics import event_topic
from tests.pgservers import private_postgres
from tests.waiting import wait_for

from .helpers import (
    ESTATE,
    GATEWAY,
    ResendingPublisher,
    count_events,
    register_gateway,
    sample_events,
)


def _topic(e) -> str:  # type: ignore[no-untyped-def]
    return event_topic(e.estate_id, e.gateway_id, e.kind)


def _warm_up(pub: ResendingPublisher, url: str) -> None:
    """Publish probes until ingest stores one (it subscribes asynchronously)."""
    probes = 0
    while count_events(url)[0] == 0:
        assert probes < 100, "ingest never started storing"
        e = sample_events(1)[0]
        pub.publish(_topic(e), dump_event(e))
        probes += 1
        time.sleep(0.3)
    pub.resend_until_acked()
    time.sleep(0.5)
    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE events")


def _stream(pub: ResendingPublisher, events, rate: float, during=None) -> None:  # type: ignore[no-untyped-def]
    """Publish at about `rate`/s; call `during()` once, halfway through, in a thread."""
    half = len(events) // 2
    fault = None
    for i, e in enumerate(events):
        if i == half and during is not None:
            fault = threading.Thread(target=during)
            fault.start()
        pub.publish(_topic(e), dump_event(e))
        time.sleep(1 / rate)
    if fault:
        fault.join()
    pub.resend_until_acked(timeout=90)


def _stored_ids(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [str(r[0]) for r in conn.execute("SELECT event_id FROM events")]


@pytest.mark.both_databases
def test_round_trip_of_every_kind(pg_url: str, broker: Mosquitto) -> None:
    register_gateway(pg_url)
    pub = ResendingPublisher(broker.url)
    with running_ingest(ingest_env(pg_url, broker.url)):
        _warm_up(pub, pg_url)
        events = sample_events(25)
        for e in events:
            pub.publish(_topic(e), dump_event(e))
        pub.resend_until_acked()
        wait_for(lambda: count_events(pg_url)[0] == 25, 20, interval=0.2)
    pub.close()
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT e.kind, e.payload, f.embedding, f.snapshot_ref, f.person_id, f.model,"
            " to_jsonb(e) - 'payload' FROM events e"
            " LEFT JOIN event_faces f USING (event_id, time)"
        ).fetchall()
        state = conn.execute("SELECT state, queue_depth FROM gateway_state").fetchone()
    by_id = {str(e.event_id): e for e in events}
    assert {r[0] for r in rows} == {"access", "face", "qr", "heartbeat", "status"}
    for _kind, payload, emb, ref, person, model, columns in rows:
        # the stored payload is what the columns do not hold, its face data (embedding,
        # snapshot_ref) stored once, beside it in event_faces (the embedding as float32)
        assert "embedding" not in payload and "snapshot_ref" not in payload
        assert "event_id" not in payload
        sent = by_id[columns["event_id"]]
        stored = event_from_stored(columns, payload).model_copy(
            update={k: getattr(sent, k) for k in ("embedding", "snapshot_ref") if hasattr(sent, k)}
        )
        assert stored == sent
        vec = getattr(sent, "embedding", None)
        assert emb == (struct.pack(f"<{len(vec)}f", *vec) if vec else None)
        assert ref == getattr(sent, "snapshot_ref", None)
        if emb or ref:  # the face model goes with the embedding
            assert (person, model) == (sent.person_id, sent.model)  # type: ignore[union-attr]
    assert any(r[2] for r in rows) and any(r[3] for r in rows) and any(r[5] for r in rows)
    assert state == ("online", 0)


@pytest.mark.both_databases
def test_redelivered_message_is_stored_once(pg_url: str, broker: Mosquitto) -> None:
    register_gateway(pg_url)
    pub = ResendingPublisher(broker.url)
    with running_ingest(ingest_env(pg_url, broker.url)):
        _warm_up(pub, pg_url)
        events = sample_events(20)
        for _ in range(3):  # a gateway resending after a lost PUBACK
            for e in events:
                pub.publish(_topic(e), dump_event(e))
            pub.resend_until_acked()
        batch = {
            "kind": "batch",
            "estate_id": ESTATE,
            "gateway_id": GATEWAY,
            "events": [orjson.loads(dump_event(e)) for e in events],
        }
        pub.publish(event_topic(ESTATE, GATEWAY, "batch"), orjson.dumps(batch))
        pub.resend_until_acked()
        time.sleep(1.5)
        wait_for(lambda: count_events(pg_url) == (20, 20), 10, interval=0.2)
    pub.close()


@pytest.mark.slow
@pytest.mark.parametrize("client_id", ["configured", "from a slot"])
def test_worker_killed_mid_stream_loses_and_duplicates_nothing(
    pg_url: str, broker: Mosquitto, client_id: str
) -> None:
    register_gateway(pg_url)
    env = ingest_env(pg_url, broker.url)
    if client_id == "from a slot":  # the replacement must find the dead worker's session
        del env["ANJU_INGEST_CLIENT_ID"]
    pub = ResendingPublisher(broker.url)
    procs = [start_ingest(env)]
    try:
        _warm_up(pub, pg_url)
        events = sample_events(3000)

        def kill_and_restart() -> None:
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()
            time.sleep(2.0)  # events keep coming while no worker runs
            procs.append(start_ingest(env))

        _stream(pub, events, rate=1500, during=kill_and_restart)
        wait_for(lambda: count_events(pg_url)[1] >= 3000, 60, interval=0.2)
        time.sleep(1.0)
        total, distinct = count_events(pg_url)
        assert (total, distinct) == (3000, 3000)
        assert set(_stored_ids(pg_url)) == {str(e.event_id) for e in events}
    finally:
        pub.close()
        for p in procs:
            stop_process(p)


@pytest.mark.slow
def test_broker_restart_mid_stream_loses_nothing(pg_url: str, broker: Mosquitto) -> None:
    register_gateway(pg_url)
    pub = ResendingPublisher(broker.url)
    with running_ingest(ingest_env(pg_url, broker.url)) as proc:
        _warm_up(pub, pg_url)
        events = sample_events(3000)
        _stream(pub, events, rate=1500, during=lambda: broker.restart(down_s=1.0))
        wait_for(lambda: count_events(pg_url)[1] >= 3000, 60, interval=0.2)
        assert count_events(pg_url) == (3000, 3000)
        assert proc.poll() is None, "ingest must survive a broker restart"
    pub.close()


@pytest.mark.slow
def test_database_restart_mid_stream_retries_and_loses_nothing(broker: Mosquitto) -> None:
    with private_postgres() as pg, scratch_database(pg.url, migrate=False) as url:
        with psycopg.connect(url) as conn:
            migrate(conn)
        register_gateway(url)
        pub = ResendingPublisher(broker.url)
        with running_ingest(ingest_env(url, broker.url)) as proc:
            _warm_up(pub, url)
            events = sample_events(3000)

            def bounce() -> None:
                pg.stop("fast")
                time.sleep(3.0)
                pg.start()

            _stream(pub, events, rate=1500, during=bounce)
            wait_for(lambda: count_events(url)[1] >= 3000, 60, interval=0.2)
            assert count_events(url) == (3000, 3000)
            assert proc.poll() is None, "ingest must survive a database restart"
        pub.close()


def _malformed(rnd: random.Random, good: bytes, i: int) -> tuple[str, bytes, str]:
    """(topic, payload, expected reason) of an assorted bad message."""
    doc = orjson.loads(good)
    topic = event_topic(ESTATE, GATEWAY, doc["kind"])
    kind = i % 8
    if kind == 0:
        return topic, good[: rnd.randrange(1, len(good) - 1)], "bad_json"
    if kind == 1:
        return topic, bytes(rnd.randrange(256) for _ in range(40)), "bad_json"
    if kind == 2:
        doc.pop("event_id")
        return topic, orjson.dumps(doc), "schema"
    if kind == 3:
        doc["time"] = "2026-13-45T99:00:00"  # not a time, and no UTC offset
        return topic, orjson.dumps(doc), "schema"
    if kind == 4:
        doc["gateway_id"] = "gw-impostor"
        return topic, orjson.dumps(doc), "topic_mismatch"
    if kind == 5:
        doc["unexpected"] = 1
        return topic, orjson.dumps(doc), "schema"
    if kind == 6:  # over ingest's limit (set to 64 KiB below), under the broker's
        return topic, b"x" * (70 * 1024), "oversize"
    doc["gateway_id"] = "gw-unregistered"
    return event_topic(ESTATE, "gw-unregistered", doc["kind"]), orjson.dumps(doc), "unknown_gateway"


@pytest.mark.slow
def test_thousand_malformed_messages_are_dead_lettered_and_valid_ones_stored(
    pg_url: str, broker: Mosquitto
) -> None:
    register_gateway(pg_url)
    rnd = random.Random(11)
    pub = ResendingPublisher(broker.url)
    env = ingest_env(pg_url, broker.url, ANJU_INGEST_MAX_PAYLOAD_BYTES="65536")
    with running_ingest(env) as proc:
        _warm_up(pub, pg_url)
        valid = sample_events(1000, start=datetime.now(UTC) - timedelta(hours=2))
        expected: dict[str, int] = {}
        for i, e in enumerate(valid):
            pub.publish(_topic(e), dump_event(e))
            topic, payload, reason = _malformed(rnd, dump_event(sample_events(1)[0]), i)
            pub.publish(topic, payload)
            expected[reason] = expected.get(reason, 0) + 1
            if i % 100 == 0:
                pub.resend_until_acked()
        pub.resend_until_acked()

        def dead_count() -> int:
            with psycopg.connect(pg_url) as conn:
                row = conn.execute("SELECT count(*) FROM dead_letters").fetchone()
            return int(row[0]) if row else 0

        wait_for(lambda: dead_count() >= 1000 and count_events(pg_url)[1] >= 1000, 60, interval=0.2)
        assert proc.poll() is None
        assert count_events(pg_url) == (1000, 1000)
        with psycopg.connect(pg_url) as conn:
            got = dict(
                conn.execute("SELECT reason, count(*) FROM dead_letters GROUP BY 1").fetchall()
            )
            blank = conn.execute(
                "SELECT count(*) FROM dead_letters WHERE detail = '' OR topic = ''"
            ).fetchone()
        assert got == expected
        assert blank == (0,)
    pub.close()


@pytest.mark.both_databases
def test_metrics_endpoint(pg_url: str, broker: Mosquitto) -> None:
    import httpx

    from anju_bench.servers import free_port

    register_gateway(pg_url)
    port = free_port()
    env = ingest_env(pg_url, broker.url, ANJU_INGEST_METRICS_PORT=str(port))
    pub = ResendingPublisher(broker.url)
    with running_ingest(env):
        _warm_up(pub, pg_url)
        pub.publish(event_topic(ESTATE, GATEWAY, "access"), b"{broken")
        pub.resend_until_acked()
        time.sleep(1.0)
        health = httpx.get(f"http://127.0.0.1:{port}/health")
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    pub.close()
    assert health.status_code == 200
    assert 'anju_ingest_dead_letters_total{worker="' in text and 'reason="bad_json"} 1' in text
    for name in ("events_stored_total", "batch_size_bucket", "lag_seconds", "events_per_second"):
        assert f"anju_ingest_{name}" in text
