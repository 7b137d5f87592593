"""Duplicate event ids. The unique key is (event_id, time) (on TimescaleDB uniqueness
must include the time column), so the database alone would store the same id twice
under two times, and silently drop the same id and time with other content. Here a
batch's rows are compared with what is stored under their ids nearby in time: the very
same event again is a redelivery (dropped, counted), anything else with that id is a
conflict (the first one kept, the newcomer dead-lettered as `duplicate_conflict`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from anju_common.topics import event_topic
from anju_ingest.decode import DeadLetter, Row, printable

# The columns that hold an event's content (decode.ROW_COLUMNS from kind to granted): the
# stored payload keeps only what they do not (anju_common.events.stored_payload).
CONTENT_COLUMNS = (
    "kind", "estate_id", "gateway_id", "device_id", "door_id", "direction",
    "credential_type", "credential_ref", "person_id", "granted",
)  # fmt: skip
# A stored event's content: its content columns as COPY text (None for NULL) and its
# payload (parsed jsonb).
Content = tuple[tuple[str | None, ...], Any]
# Stored events under the batch's ids: id -> [(time, content)].
Stored = dict[str, list[tuple[datetime, Content]]]


class Sorted(NamedTuple):
    rows: list[Row]  # to store
    redelivered: int
    dead: list[DeadLetter]  # conflicts
    cases: dict[str, int]  # conflicts by case: same_time, other_time


def event_id(row: Row) -> str:
    return row[0].split(" ", 1)[0]


def row_topic(row: Row) -> str:
    """The topic a row's event belongs on (decode.ROW_COLUMNS: kind, estate, gateway at 2-4)."""
    cols = row[1].split("\t", 5)
    try:
        return event_topic(cols[3], cols[4], cols[2])
    except (IndexError, ValueError):
        return "?"


def row_payload(row: Row) -> str:
    """The event's JSON as written in the row (its last column, COPY escaping undone)."""
    return _unescape(row[1].rsplit("\t", 1)[-1])


def row_content(row: Row) -> Content:
    """The row's content columns and payload, as `Stored` holds them."""
    cols = row[1].split("\t")[2 : 2 + len(CONTENT_COLUMNS)]
    return tuple(None if c == "\\N" else _unescape(c) for c in cols), orjson.loads(row_payload(row))


def same_content(row: Content, stored: Content) -> bool:
    """Events stored before the payload was trimmed keep the whole message (it has the
    event_id): the same event again then matches when the columns do and the newcomer's
    payload is a part of the old one."""
    if row[0] != stored[0]:
        return False
    old = stored[1]
    if isinstance(old, dict) and "event_id" in old and isinstance(row[1], dict):
        return all(k in old and old[k] == v for k, v in row[1].items())
    return bool(row[1] == old)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    plain = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(plain.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def conflict(row: Row, detail: str, keep_bytes: int) -> DeadLetter:
    data = row_payload(row).encode(errors="backslashreplace")
    return DeadLetter(
        printable(row_topic(row)),
        "duplicate_conflict",
        printable(detail[:1000]),
        data[:keep_bytes],
        len(data),
    )


def sort_rows(rows: Sequence[Row], stored: Stored, keep_bytes: int) -> Sorted:
    keep: list[Row] = []
    dead: list[DeadLetter] = []
    cases = {"same_time": 0, "other_time": 0}
    redelivered = 0
    for row in rows:
        eid = event_id(row)
        before = stored.get(eid)
        if not before:
            keep.append(row)
            continue
        same_time = [c for t, c in before if t == row[2]]
        content = row_content(row)
        if any(same_content(content, c) for c in same_time):
            redelivered += 1
            continue
        case = "same_time" if same_time else "other_time"
        cases[case] += 1
        first = min(t for t, _ in before).isoformat()
        what = "other content" if same_time else f"time {first}"
        dead.append(conflict(row, f"event {eid} is already stored with {what}", keep_bytes))
    return Sorted(keep, redelivered, dead, cases)
