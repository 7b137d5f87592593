"""Unit tests of the pure decoder: every rejection reason, and rows for good events."""

from __future__ import annotations

import struct
import uuid
from datetime import UTC, datetime, timedelta

import orjson

from anju_common.events import dump_event
from anju_common.topics import event_topic
from anju_ingest.decode import Decoder, Limits

from .helpers import ESTATE, GATEWAY, sample_events

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def decoder(known: bool = True) -> Decoder:
    limits = Limits(
        max_payload_bytes=4096,
        keep_bytes=100,
        max_future=timedelta(hours=1),
        oldest=timedelta(days=30),
    )
    return Decoder(limits, lambda e, g: known)


def topic_for(e) -> str:  # type: ignore[no-untyped-def]
    return event_topic(e.estate_id, e.gateway_id, e.kind)


def test_every_kind_becomes_one_row() -> None:
    for e in sample_events(5, start=NOW - timedelta(minutes=5)):
        d = decoder().decode(topic_for(e), dump_event(e), NOW)
        assert not d.dead and len(d.rows) == 1
        key, line, when, face = d.rows[0]
        assert key == f"{e.event_id} {e.time.isoformat()}" and when == e.time
        cols = line.split("\t")
        assert cols[1] == str(e.event_id) and cols[2] == e.kind
        payload = orjson.loads(cols[-1])
        # only what no column holds (anju_common.events.stored_payload)
        assert "event_id" not in payload and "time" not in payload
        # face data goes beside the event, once: never in its payload
        assert "embedding" not in payload and "snapshot_ref" not in payload
        emb, ref = getattr(e, "embedding", None), getattr(e, "snapshot_ref", None)
        if emb is None and ref is None:
            assert face is None
            continue
        assert face is not None
        f = face.split("\t")  # event_faces: ..., embedding, ref, model
        assert f[:4] == [str(e.event_id), e.time.isoformat(), e.estate_id, e.person_id or "\\N"]
        # an embedding as float32 bytes, COPY-escaped
        assert f[4] == ("\\\\x" + struct.pack(f"<{len(emb)}f", *emb).hex() if emb else "\\N")
        assert f[5] == (ref or "\\N")
        assert f[6] == (e.model or "\\N")  # type: ignore[union-attr]


def test_rejections_have_stable_reasons() -> None:
    e = sample_events(1, start=NOW - timedelta(minutes=5))[0]
    good = dump_event(e)
    topic = topic_for(e)
    cases = {
        "oversize": (topic, b"{" + b" " * 5000 + b"}"),
        "unknown_topic": ("other/topic", good),
        "bad_json": (topic, b"{not json"),
        "schema": (topic, orjson.dumps({**orjson.loads(good), "granted": "maybe"})),
        "topic_mismatch": (event_topic(ESTATE, "gw-other", "access"), good),
    }
    for reason, (t, payload) in cases.items():
        d = decoder().decode(t, payload, NOW)
        assert not d.rows and [x.reason for x in d.dead] == [reason], reason
        assert len(d.dead[0].payload) <= 100 and d.dead[0].size == len(payload)
    assert decoder(known=False).decode(topic, good, NOW).dead[0].reason == "unknown_gateway"
    future = e.model_copy(update={"time": NOW + timedelta(hours=3)})
    assert decoder().decode(topic, dump_event(future), NOW).dead[0].reason == "time_in_future"
    old = e.model_copy(update={"time": NOW - timedelta(days=31)})
    assert decoder().decode(topic, dump_event(old), NOW).dead[0].reason == "too_old"


def test_kind_must_match_topic() -> None:
    e = sample_events(1, start=NOW - timedelta(minutes=5))[0]
    d = decoder().decode(event_topic(ESTATE, GATEWAY, "face"), dump_event(e), NOW)
    assert d.dead[0].reason == "topic_mismatch"


def test_raw_card_number_is_rejected() -> None:
    e = sample_events(1, start=NOW - timedelta(minutes=5))[0]
    doc = orjson.loads(dump_event(e))
    doc["credential_ref"] = "0012345678"
    d = decoder().decode(topic_for(e), orjson.dumps(doc), NOW)
    assert d.dead[0].reason == "schema" and "credential_ref" in d.dead[0].detail
    assert not d.rows


def test_batch_keeps_good_events_and_dead_letters_bad_ones() -> None:
    events = sample_events(10, start=NOW - timedelta(minutes=5))
    items = [orjson.loads(dump_event(e)) for e in events]
    items[3]["quality"] = 7  # out of range on a face sighting
    items[6]["gateway_id"] = "someone-else"
    batch = {"kind": "batch", "estate_id": ESTATE, "gateway_id": GATEWAY, "events": items}
    d = decoder().decode(event_topic(ESTATE, GATEWAY, "batch"), orjson.dumps(batch), NOW)
    assert len(d.rows) == 8
    assert sorted(x.reason for x in d.dead) == ["schema", "topic_mismatch"]
    assert all(x.detail.startswith("events[") for x in d.dead)


def test_batch_envelope_for_another_gateway_is_rejected() -> None:
    events = sample_events(2, start=NOW - timedelta(minutes=5))
    batch = {
        "kind": "batch",
        "estate_id": ESTATE,
        "gateway_id": "gw-x",
        "events": [orjson.loads(dump_event(e)) for e in events],
    }
    d = decoder().decode(event_topic(ESTATE, GATEWAY, "batch"), orjson.dumps(batch), NOW)
    assert not d.rows and d.dead[0].reason == "schema"


def test_copy_escaping_of_free_text() -> None:
    e = sample_events(3, start=NOW - timedelta(minutes=5))[2]  # a QR scan
    odd = e.model_copy(update={"pass_id": "a\tb\\c\nd", "event_id": uuid.uuid4()})
    d = decoder().decode(topic_for(odd), dump_event(odd), NOW)
    cols = d.rows[0][1].split("\t")
    assert len(cols) == 13 and cols[9] == "a\\tb\\\\c\\nd"


def test_nul_in_any_string_is_dead_lettered_without_the_nul() -> None:
    e = sample_events(1, start=NOW - timedelta(minutes=5))[0]
    doc = orjson.loads(dump_event(e))
    topic = topic_for(e)
    for bad in (doc | {"door_id": "b1\u0000"}, doc | {"x\u0000y": 1}):
        d = decoder().decode(topic, orjson.dumps(bad), NOW)
        assert not d.rows and [x.reason for x in d.dead] == ["nul_character"]
        assert "\x00" not in d.dead[0].detail
    # a backslash then "u0000" is text, not NUL: decoded as usual
    d = decoder().decode(topic, orjson.dumps(doc | {"door_id": "\\u0000"}), NOW)
    assert [x.reason for x in d.dead] == ["schema"] and "\x00" not in d.dead[0].detail
