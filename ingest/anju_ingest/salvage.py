"""When the database refuses a batch because of one row: split the batch until the row
that fails is alone, store the rest, and dead-letter that row (`store_error`). Without
this one bad row would be retried forever and block everything behind it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import NamedTuple

import psycopg
import psycopg.errors

from anju_common.events import AnyEvent
from anju_ingest.decode import DeadLetter, Row, printable
from anju_ingest.dupes import Sorted, event_id, row_topic, sort_rows
from anju_ingest.store import Store

log = logging.getLogger("anju.ingest")

# Errors caused by the data of a row. Anything else (connection lost, server shutting
# down, a missing table) is an outage: retried whole, never dead-lettered.
_ROW_ERRORS = (
    UnicodeError,
    psycopg.DataError,
    psycopg.IntegrityError,
    psycopg.errors.ProgramLimitExceeded,
)


def is_row_error(err: BaseException) -> bool:
    return isinstance(err, _ROW_ERRORS)


def events_of(rows: Sequence[Row], events: Sequence[AnyEvent]) -> list[AnyEvent]:
    keys = {r[0] for r in rows}
    return [e for e in events if f"{e.event_id} {e.time.isoformat()}" in keys]


def _dead_row(row: Row, err: BaseException, keep_bytes: int) -> DeadLetter:
    first = str(err).splitlines()[0] if str(err) else type(err).__name__
    data = row[1].encode(errors="backslashreplace")
    detail = printable(f"event {row[0]}: {type(err).__name__}: {first}"[:1000])
    return DeadLetter(
        printable(row_topic(row)), "store_error", detail, data[:keep_bytes], len(data)
    )


def write_split(
    store: Store,
    rows: Sequence[Row],
    dead: Sequence[DeadLetter],
    events: Sequence[AnyEvent],
    keep_bytes: int,
) -> tuple[int, list[DeadLetter]]:
    """Store `rows` in halves, each its own transaction, down to single rows; returns
    (events stored, the dead letters of the rows refused). A non-row error propagates:
    the caller retries the whole batch (what is already stored is then a duplicate)."""
    new = 0
    refused: list[DeadLetter] = []
    parts: list[Sequence[Row]] = [rows]
    while parts:
        part = parts.pop()
        try:
            new += store.write(part, [], events_of(part, events))
        except Exception as err:
            if not is_row_error(err):
                raise
            if len(part) == 1:
                refused.append(_dead_row(part[0], err, keep_bytes))
            else:
                half = len(part) // 2
                parts += [part[half:], part[:half]]
    store.write([], [*dead, *refused], [])
    return new, refused


class Stored(NamedTuple):
    new: int  # events stored now
    offered: int  # events offered to the table (new + already there)
    dead: list[DeadLetter]  # every dead letter written: decoding's, conflicts, refused
    cases: dict[str, int]  # duplicate-id conflicts by case


def _sort_duplicates(store: Store, rows: Sequence[Row], window: timedelta, keep: int) -> Sorted:
    """Drop redeliveries and split off conflicts: see dupes.py."""
    if not rows:
        return Sorted(list(rows), 0, [], {})
    times = [r[2] for r in rows]
    near = store.stored_near([event_id(r) for r in rows], min(times) - window, max(times) + window)
    if not near:
        return Sorted(list(rows), 0, [], {})
    return sort_rows(rows, near, keep)


def store_batch(
    store: Store,
    rows: Sequence[Row],
    dead: Sequence[DeadLetter],
    events: Sequence[AnyEvent],
    keep_bytes: int,
    window: timedelta,
) -> Stored:
    """What a worker does with a batch: duplicates sorted out, then one transaction, or
    row by row if the database refuses a row. A connection error propagates (retry)."""
    sorted_ = _sort_duplicates(store, rows, window, keep_bytes)
    if sorted_.dead:
        rows, dead = sorted_.rows, [*dead, *sorted_.dead]
        events = events_of(rows, events)
    refused: list[DeadLetter] = []
    try:
        new = store.write(rows, dead, events)
    except Exception as err:
        if not is_row_error(err):
            raise
        log.warning("batch refused (%s); storing it row by row", err)
        new, refused = write_split(store, rows, dead, events, keep_bytes)
    return Stored(new, len(rows) - len(refused), [*dead, *refused], sorted_.cases)
