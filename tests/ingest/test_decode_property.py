"""Property (issue 15): whatever a gateway sends, every message is stored or
dead-lettered with a reason, and a valid event after it is always stored. Drives the
decoder with generated payloads and writes what it makes the way a worker does
(salvage.store_batch) into a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju_common.events import dump_event
from anju_common.topics import event_topic
from anju_ingest.decode import REASONS, Decoder, Limits
from anju_ingest.salvage import store_batch
from anju_ingest.store import Store

from .helpers import ESTATE, GATEWAY, register_gateway, sample_events

NOW = datetime.now(UTC)
LIMITS = Limits(
    max_payload_bytes=65536,
    keep_bytes=1024,
    max_future=timedelta(days=1),
    oldest=timedelta(days=30),
)
TOPICS = [
    *(event_topic(ESTATE, GATEWAY, k) for k in ("access", "face", "qr", "heartbeat", "status")),
    event_topic(ESTATE, GATEWAY, "batch"),
    f"anju/v1/{ESTATE}/{GATEWAY}",
    f"anju/v1/{ESTATE}/{GATEWAY}/events/access/extra",
    f"anju/v1/{ESTATE}/gw-other/events/access",
]
NASTY = ["\u0000", "\ud800", "\\u0000", "\t", "\n", "\\", '"', "é", "𝄞", "\u202e", "'; --"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(NASTY),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, bytes]:
    topic = draw(st.sampled_from(TOPICS))
    kind = draw(st.integers(0, 4))
    doc: dict[str, Any] = orjson.loads(
        dump_event(sample_events(kind + 1, NOW - timedelta(hours=1))[kind])
    )
    how = draw(st.integers(0, 5))
    if how == 0:
        return topic, draw(st.binary(max_size=200))
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from([*doc, "x", "x\u0000y", "time", "event_id"]))
        if how in (1, 2):
            doc[key] = draw(json_values)
        elif how == 3 and key in doc:
            del doc[key]
        elif how == 4:
            doc[key] = f"{doc.get(key, '')}{draw(st.sampled_from(NASTY))}"
    if how == 5 or topic.endswith("/batch"):
        doc = {"kind": "batch", "estate_id": ESTATE, "gateway_id": GATEWAY, "events": [doc]}
        if draw(st.booleans()):
            doc["events"].append(orjson.loads(dump_event(sample_events(1, NOW)[0])))
    # json, not orjson: big integers, and a lone surrogate as its escape or raw bytes
    raw = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # cut short
        raw = raw[: draw(st.integers(0, len(raw)))]
    return topic, raw


def _stored(conn: psycopg.Connection, eid: str) -> int:
    row = conn.execute("SELECT count(*) FROM events WHERE event_id = %s", (eid,)).fetchone()
    conn.commit()
    return int(row[0]) if row else 0


def test_every_message_is_stored_or_dead_lettered_and_the_next_valid_one_stored(
    pg_url: str,
) -> None:
    register_gateway(pg_url)
    decoder = Decoder(LIMITS, lambda e, g: (e, g) == (ESTATE, GATEWAY))
    store = Store(pg_url)
    check = psycopg.connect(pg_url)

    def write(topic: str, payload: bytes) -> list[str]:
        """Decode and store one message; the event ids it stored."""
        d = decoder.decode(topic, payload, datetime.now(UTC))
        assert d.rows or d.dead, "neither stored nor dead-lettered"
        done = store_batch(store, d.rows, d.dead, d.events, 1024, timedelta(days=1))
        assert {x.reason for x in done.dead} <= set(REASONS)
        assert all(x.detail and "\x00" not in x.detail + x.topic for x in done.dead)
        stored = []
        for row in d.rows:  # each row is in the table, or a dead letter names it
            eid = row[0].split(" ")[0]
            if _stored(check, eid):
                stored.append(eid)
            else:
                assert any(eid in x.detail for x in done.dead), row
        return stored

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payloads())
    def prop(message: tuple[str, bytes]) -> None:
        write(*message)
        valid = sample_events(1, NOW - timedelta(minutes=5))[0]
        topic = event_topic(ESTATE, GATEWAY, valid.kind)
        assert write(topic, dump_event(valid)) == [str(valid.event_id)]

    try:
        prop()
    finally:
        store.close()
        check.close()
