"""Duplicate event ids, pure part: redelivery vs conflict, and the row's payload back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from anju_common.events import dump_event, stored_payload
from anju_ingest.decode import to_row
from anju_ingest.dupes import event_id, row_content, row_payload, row_topic, same_content, sort_rows

from .helpers import sample_events

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_row_payload_undoes_copy_escaping() -> None:
    e = sample_events(1, start=NOW)[0].model_copy(update={"credential_ref": "tab\there \\ back"})
    row = to_row(e)
    assert row_payload(row) == stored_payload(e)
    assert row_content(row)[0][7] == "tab\there \\ back"  # credential_ref, unescaped
    assert row_topic(row) == "anju/v1/est1/gw1/events/access"


def test_redelivery_is_dropped_and_other_content_is_a_conflict() -> None:
    a, b, c = sample_events(3, start=NOW)
    rows = [to_row(x) for x in (a, b, c)]
    other = (row_content(rows[1])[0], {"other": 1})
    stored = {
        str(a.event_id): [(a.time, row_content(rows[0]))],  # the same: redelivery
        str(b.event_id): [(b.time, other)],  # same time, other content
        str(c.event_id): [(c.time + timedelta(minutes=1), row_content(rows[2]))],
    }
    got = sort_rows(rows, stored, keep_bytes=100)
    assert got.rows == [] and got.redelivered == 1
    assert got.cases == {"same_time": 1, "other_time": 1}
    assert [d.reason for d in got.dead] == ["duplicate_conflict"] * 2
    assert [event_id(r) for r in rows[1:]] == [str(b.event_id), str(c.event_id)]
    assert sort_rows(rows, {}, 100).rows == rows


def test_same_content_needs_the_columns_too() -> None:
    """The trimmed payload of a granted card swipe is {}: two swipes with one id but other
    cards differ only in their columns."""
    a = sample_events(1, start=NOW)[0]
    b = a.model_copy(update={"credential_ref": "someone-else"})
    assert same_content(row_content(to_row(a)), row_content(to_row(a)))
    assert not same_content(row_content(to_row(b)), row_content(to_row(a)))


def test_an_event_stored_before_the_trim_is_matched_by_its_whole_message() -> None:
    a = sample_events(1, start=NOW)[0]
    legacy = (row_content(to_row(a))[0], orjson.loads(dump_event(a)))
    assert same_content(row_content(to_row(a)), legacy)
