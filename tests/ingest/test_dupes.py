"""Duplicate event ids, pure part: redelivery vs conflict, and the row's payload back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from anju_common.events import dump_event
from anju_ingest.decode import to_row
from anju_ingest.dupes import event_id, row_payload, row_topic, sort_rows

from .helpers import sample_events

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_row_payload_undoes_copy_escaping() -> None:
    e = sample_events(1, start=NOW)[0]
    raw = dump_event(e).decode().replace('"door_id"', '"door_id"\t ')  # JSON whitespace
    text = '{"a": "tab\\there \\\\ back"}'
    for payload in (raw, text):
        assert row_payload(to_row(e, payload)) == payload
    assert row_topic(to_row(e, raw)) == "anju/v1/est1/gw1/events/access"


def test_redelivery_is_dropped_and_other_content_is_a_conflict() -> None:
    a, b, c = sample_events(3, start=NOW)
    rows = [to_row(x, dump_event(x).decode()) for x in (a, b, c)]
    stored = {
        str(a.event_id): [(a.time, orjson.loads(dump_event(a)))],  # the same: redelivery
        str(b.event_id): [(b.time, {"other": 1})],  # same time, other content
        str(c.event_id): [(c.time + timedelta(minutes=1), orjson.loads(dump_event(c)))],
    }
    got = sort_rows(rows, stored, keep_bytes=100)
    assert got.rows == [] and got.redelivered == 1
    assert got.cases == {"same_time": 1, "other_time": 1}
    assert [d.reason for d in got.dead] == ["duplicate_conflict"] * 2
    assert [event_id(r) for r in rows[1:]] == [str(b.event_id), str(c.event_id)]
    assert sort_rows(rows, {}, 100).rows == rows
