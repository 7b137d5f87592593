"""A hostile gateway against a real Mosquitto, a real PostgreSQL and a real `anju
ingest` process: messages built to stop ingest or to be stored twice (issue 15)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import psycopg
import pytest

from anju_bench.servers import Mosquitto, free_port, ingest_env, running_ingest
from anju_common.events import dump_event
from anju_common.topics import event_topic
from tests.waiting import wait_for

from .helpers import (
    ESTATE,
    GATEWAY,
    ResendingPublisher,
    count_events,
    register_gateway,
    sample_events,
)


def _doc(kind_index: int) -> dict[str, object]:
    """A valid event as a dict; kind_index 0 access, 3 heartbeat (see sample_events)."""
    e = sample_events(kind_index + 1)[kind_index]
    return dict(orjson.loads(dump_event(e)))


def _dead(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT topic, reason, detail FROM dead_letters ORDER BY id")
        return [(r[0], r[1], r[2]) for r in rows]


def _publish_valid_after(pub: ResendingPublisher, n: int) -> set[str]:
    events = sample_events(n, start=datetime.now(UTC) - timedelta(minutes=30))
    for e in events:
        pub.publish(event_topic(e.estate_id, e.gateway_id, e.kind), dump_event(e))
    pub.resend_until_acked()
    return {str(e.event_id) for e in events}


def test_nul_anywhere_is_dead_lettered_and_never_blocks_ingest(
    pg_url: str, broker: Mosquitto
) -> None:
    register_gateway(pg_url)
    access, heartbeat = _doc(0), _doc(3)
    pin = access | {"credential_type": "pin", "credential_ref": "12\u000034"}
    unknown_key = access | {"x\u0000y": 1}  # invalid anyway: its detail would keep the NUL
    version = heartbeat | {"version": "1.0\u0000"}
    batch = {
        "kind": "batch",
        "estate_id": ESTATE,
        "gateway_id": GATEWAY,
        "events": [_doc(0) | {"credential_ref": "a\u0000"}, _doc(0)],
    }
    good_in_batch = str(batch["events"][1]["event_id"])  # type: ignore[index]
    access_topic = event_topic(ESTATE, GATEWAY, "access")
    pub = ResendingPublisher(broker.url)
    with running_ingest(ingest_env(pg_url, broker.url)) as proc:
        pub.publish(access_topic, orjson.dumps(pin))
        pub.publish(access_topic, orjson.dumps(unknown_key))
        pub.publish(event_topic(ESTATE, GATEWAY, "heartbeat"), orjson.dumps(version))
        pub.publish(event_topic(ESTATE, GATEWAY, "batch"), orjson.dumps(batch))
        # an escaped backslash before "u0000" is no NUL: stored
        literal = _doc(0) | {"credential_type": "pin", "credential_ref": "\\u0000"}
        pub.publish(access_topic, orjson.dumps(literal))
        pub.resend_until_acked()
        ids = _publish_valid_after(pub, 50) | {good_in_batch, str(literal["event_id"])}
        assert wait_for(lambda: count_events(pg_url)[0] >= 52, 30), "ingest stalled"
        assert proc.poll() is None
    pub.close()
    with psycopg.connect(pg_url) as conn:
        stored = {str(r[0]) for r in conn.execute("SELECT event_id FROM events")}
    assert stored == ids
    dead = _dead(pg_url)
    assert [d[1] for d in dead] == ["nul_character"] * 4
    assert dead[3][2].startswith("events[0]: ")
    assert all("\x00" not in d[0] + d[2] for d in dead)


def test_a_row_the_database_refuses_is_dead_lettered_alone(pg_url: str, broker: Mosquitto) -> None:
    """A heartbeat's queue_depth past PostgreSQL's integer passes the contract but not
    the database: the batch is split, the rest stored, that row dead-lettered."""
    register_gateway(pg_url)
    huge = _doc(3) | {"queue_depth": 2**31}
    events = sample_events(200, start=datetime.now(UTC) - timedelta(minutes=50))
    pub = ResendingPublisher(broker.url)
    with running_ingest(ingest_env(pg_url, broker.url)) as proc:
        for i, e in enumerate(events):  # one burst: the bad row lands inside a batch
            if i == 100:
                pub.publish(event_topic(ESTATE, GATEWAY, "heartbeat"), orjson.dumps(huge))
            pub.publish(event_topic(e.estate_id, e.gateway_id, e.kind), dump_event(e))
        pub.resend_until_acked()
        ids = {str(e.event_id) for e in events} | _publish_valid_after(pub, 20)
        assert wait_for(lambda: count_events(pg_url)[0] >= 220, 30), "ingest stalled"
        assert proc.poll() is None
    pub.close()
    with psycopg.connect(pg_url) as conn:
        assert {str(r[0]) for r in conn.execute("SELECT event_id FROM events")} == ids
    dead = _dead(pg_url)
    assert [(d[0], d[1]) for d in dead] == [
        (event_topic(ESTATE, GATEWAY, "heartbeat"), "store_error")
    ]
    assert str(huge["event_id"]) in dead[0][2]


def test_malformed_topics_are_dead_lettered(pg_url: str, broker: Mosquitto) -> None:
    register_gateway(pg_url)
    good = dump_event(sample_events(1)[0])
    bad_topics = [
        f"anju/v1/{ESTATE}/{GATEWAY}",
        f"anju/v1/{ESTATE}/{GATEWAY}/events/access/extra",
        f"anju/v1/{ESTATE}/{GATEWAY}/Events/Access",
        f"anju/v1/{ESTATE}/{GATEWAY}/events/unknown",
    ]
    pub = ResendingPublisher(broker.url)
    with running_ingest(ingest_env(pg_url, broker.url)):
        for topic in bad_topics:
            pub.publish(topic, good)
        pub.resend_until_acked()
        ids = _publish_valid_after(pub, 5)
        assert wait_for(lambda: count_events(pg_url)[0] >= 5 and len(_dead(pg_url)) >= 4, 30)
    pub.close()
    dead = _dead(pg_url)
    assert sorted(d[0] for d in dead) == sorted(bad_topics)
    assert {d[1] for d in dead} == {"unknown_topic"}
    with psycopg.connect(pg_url) as conn:
        assert {str(r[0]) for r in conn.execute("SELECT event_id FROM events")} == ids


@pytest.mark.both_databases
def test_duplicate_event_ids_keep_the_first(pg_url: str, broker: Mosquitto) -> None:
    register_gateway(pg_url)
    first = _doc(0)
    same_time_other_content = first | {"granted": not first["granted"]}
    later = datetime.fromisoformat(str(first["time"])) + timedelta(minutes=3)
    other_time = first | {"time": later.isoformat()}
    other_time_same_rest = dict(first) | {"time": (later + timedelta(seconds=1)).isoformat()}
    topic = event_topic(ESTATE, GATEWAY, "access")
    pub = ResendingPublisher(broker.url)
    port = free_port()
    with running_ingest(ingest_env(pg_url, broker.url, ANJU_INGEST_METRICS_PORT=str(port))):
        pub.publish(topic, orjson.dumps(first))
        pub.resend_until_acked()
        assert wait_for(lambda: count_events(pg_url)[0] == 1, 30)
        for doc in (first, same_time_other_content, other_time, other_time_same_rest):
            pub.publish(topic, orjson.dumps(doc))
            pub.resend_until_acked()
        ids = _publish_valid_after(pub, 5)
        assert wait_for(lambda: count_events(pg_url)[0] >= 6 and len(_dead(pg_url)) >= 3, 30)
        time.sleep(0.5)
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    pub.close()
    assert 'case="same_time"} 1' in metrics and 'case="other_time"} 2' in metrics
    assert re.search(r"anju_ingest_duplicates_total\{[^}]*\} 1\n", metrics)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT time, granted FROM events WHERE event_id = %s", (str(first["event_id"]),)
        ).fetchall()
        total = count_events(pg_url)
    assert len(rows) == 1 and rows[0][1] == first["granted"]
    assert total == (6, 6), ids
    assert [d[1] for d in _dead(pg_url)] == ["duplicate_conflict"] * 3
