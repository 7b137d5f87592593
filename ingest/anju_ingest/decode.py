"""Pure decoding: one MQTT message -> rows to store, or dead letters with a reason.

No I/O here, so every rejection path is unit-tested without a broker or database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import orjson
from pydantic import ValidationError

from anju_common.events import (
    BATCH_ADAPTER,
    EVENT_ADAPTER,
    MAX_BATCH,
    AccessEvent,
    AnyEvent,
    FaceSighting,
    QrScan,
    embedding_bytes,
    stored_payload,
)
from anju_common.topics import TopicInfo, parse_topic

ROW_COLUMNS = (
    "time, event_id, kind, estate_id, gateway_id, device_id, door_id, direction, "
    "credential_type, credential_ref, person_id, granted, payload"
)
# a face event's face data, beside the event (migration 0010)
FACE_COLUMNS = "event_id, time, estate_id, person_id, embedding, snapshot_ref, model"

# A row is one line of COPY text (columns in ROW_COLUMNS order), with its key
# "event_id time" for in-batch de-duplication, the event time, and for a face event with
# face data a line for event_faces (FACE_COLUMNS order), else None.
Row = tuple[str, str, datetime, str | None]

_NULL = "\\N"


def _esc(value: str | None) -> str:
    """COPY text escaping for free-form strings (identifiers cannot hold these)."""
    if value is None:
        return _NULL
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


@dataclass(frozen=True, slots=True)
class DeadLetter:
    topic: str
    reason: str  # stable names: see REASONS
    detail: str
    payload: bytes  # the first dead_letter_keep_bytes of it
    size: int  # the whole message's size


REASONS = (
    "oversize",
    "unknown_topic",
    "nul_character",
    "bad_json",
    "schema",
    "topic_mismatch",
    "unknown_gateway",
    "time_in_future",
    "too_old",
    "duplicate_conflict",  # set by the store: same event id, other content
    "store_error",  # set by the worker: the database refused this one row
)


def printable(text: str) -> str:
    """Text safe for a PostgreSQL text column: NUL is the one character it refuses."""
    return text.replace("\x00", "\\u0000") if "\x00" in text else text


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def nul_in(payload: bytes) -> bool:
    """Whether the JSON text holds a NUL in any string or key. PostgreSQL's text and
    jsonb refuse NUL, so such a message could never be stored. The byte search is the
    fast path; parsing tells an escaped backslash before "u0000" from a real NUL."""
    if b"\\u0000" not in payload:
        return False
    try:
        return _has_nul(orjson.loads(payload))
    except orjson.JSONDecodeError:
        return False  # not JSON: bad_json says more


class Decoded(NamedTuple):  # one per message: a tuple is cheaper than a frozen dataclass
    rows: list[Row]
    dead: list[DeadLetter]
    events: list[AnyEvent]  # only those that also update gateway state (status, heartbeat)


@dataclass(frozen=True, slots=True)
class Limits:
    max_payload_bytes: int
    keep_bytes: int
    max_future: timedelta
    oldest: timedelta


def to_row(e: AnyEvent) -> Row:
    """The event's COPY line: its columns, and as payload only what they do not hold
    (anju_common.events.stored_payload)."""
    door = direction = ctype = cref = person = face = None
    granted = _NULL
    t, eid = e.time.isoformat(), str(e.event_id)
    if isinstance(e, AccessEvent):
        door, direction, ctype = e.door_id, e.direction.value, e.credential_type.value
        cref, granted = e.credential_ref, ("t" if e.granted else "f")
        if ctype == "face":
            person = e.credential_ref
    elif isinstance(e, FaceSighting):
        direction, person = e.direction.value, e.person_id
        if e.embedding is not None or e.snapshot_ref is not None:  # stored beside the event
            emb = _NULL  # bytea hex input, its backslash escaped for COPY
            if e.embedding is not None:
                emb = "\\\\x" + embedding_bytes(e.embedding).hex()
            face = "\t".join(
                (eid, t, e.estate_id, person or _NULL, emb, _esc(e.snapshot_ref), _esc(e.model))
            )
    elif isinstance(e, QrScan):
        ctype, cref, granted = "qr", e.pass_id, ("t" if e.result.value == "valid" else "f")
    line = "\t".join(
        (
            t,
            eid,
            e.kind,
            e.estate_id,
            e.gateway_id,
            e.device_id,
            door or _NULL,
            direction or _NULL,
            ctype or _NULL,
            _esc(cref),
            person or _NULL,
            granted,
            _esc(stored_payload(e)),
        )
    )
    return f"{eid} {t}", line, e.time, face


def _schema_detail(err: ValidationError) -> str:
    parts = []
    for item in err.errors()[:5]:
        loc = ".".join(str(p) for p in item["loc"])
        parts.append(f"{loc}: {item['msg']}")
    return "; ".join(parts)


_NUL_DETAIL = "a string holds NUL (\\u0000), which the database cannot store"


class Decoder:
    """Turns messages into rows. `known_gateway(estate, gateway)` answers from the register."""

    def __init__(self, limits: Limits, known_gateway: Callable[[str, str], bool]) -> None:
        self.limits = limits
        self.known_gateway = known_gateway

    def _dead(self, topic: str, reason: str, detail: str, payload: bytes) -> DeadLetter:
        return DeadLetter(
            printable(topic),
            reason,
            printable(detail[:1000]),
            payload[: self.limits.keep_bytes],
            len(payload),
        )

    def decode(self, topic: str, payload: bytes, now: datetime) -> Decoded:
        if len(payload) > self.limits.max_payload_bytes:
            return Decoded(
                [], [self._dead(topic, "oversize", f"{len(payload)} bytes", payload)], []
            )
        info = parse_topic(topic)
        if info is None:
            return Decoded(
                [], [self._dead(topic, "unknown_topic", "not an anju/v1 topic", payload)], []
            )
        if info.kind == "batch":
            return self._decode_batch(topic, info, payload, now)
        if nul_in(payload):
            return Decoded([], [self._dead(topic, "nul_character", _NUL_DETAIL, payload)], [])
        try:
            event = EVENT_ADAPTER.validate_json(payload)
        except ValidationError as err:
            reason = "bad_json" if _is_json_error(err) else "schema"
            return Decoded([], [self._dead(topic, reason, _schema_detail(err), payload)], [])
        problem = self._check(info, event, now)
        if problem:
            return Decoded([], [self._dead(topic, problem[0], problem[1], payload)], [])
        return Decoded([to_row(event)], [], _stateful(event))

    def _check(self, info: TopicInfo, e: AnyEvent, now: datetime) -> tuple[str, str] | None:
        if e.estate_id != info.estate_id or e.gateway_id != info.gateway_id:
            return "topic_mismatch", (
                f"payload {e.estate_id}/{e.gateway_id} on topic {info.estate_id}/{info.gateway_id}"
            )
        if info.kind != "batch" and e.kind != info.kind:
            return "topic_mismatch", f"payload kind {e.kind} on a {info.kind} topic"
        if not self.known_gateway(e.estate_id, e.gateway_id):
            return "unknown_gateway", f"{e.estate_id}/{e.gateway_id} is not in the register"
        if e.time - now > self.limits.max_future:
            return (
                "time_in_future",
                f"event time {e.time.isoformat()} is ahead of {now.isoformat()}",
            )
        if now - e.time > self.limits.oldest:
            return "too_old", f"event time {e.time.isoformat()} is past the retention period"
        return None

    def _decode_batch(self, topic: str, info: TopicInfo, payload: bytes, now: datetime) -> Decoded:
        try:
            doc = orjson.loads(payload)
        except orjson.JSONDecodeError as err:
            return Decoded([], [self._dead(topic, "bad_json", str(err), payload)], [])
        envelope_ok = (
            isinstance(doc, dict)
            and doc.get("kind") == "batch"
            and doc.get("schema_version", 1) == 1
            and doc.get("estate_id") == info.estate_id
            and doc.get("gateway_id") == info.gateway_id
            and isinstance(doc.get("events"), list)
            and 0 < len(doc["events"]) <= MAX_BATCH
            and set(doc) <= {"kind", "schema_version", "estate_id", "gateway_id", "events"}
        )
        if not envelope_ok:
            return Decoded(
                [],
                [self._dead(topic, "schema", "not a valid batch envelope for this topic", payload)],
                [],
            )
        rows: list[Row] = []
        dead: list[DeadLetter] = []
        events: list[AnyEvent] = []
        items = doc["events"]
        try:  # the common case: one validation of the whole batch, in pydantic's core
            models = BATCH_ADAPTER.validate_json(payload).events
        except ValidationError:
            models = None
        # JSON carries a NUL only as the escape \u0000: without it in the message, no
        # event needs looking at (the common case: no per-event work on the hot path).
        may_nul = b"\\u0000" in payload
        for i, item in enumerate(items):
            if may_nul and _has_nul(item):
                detail = f"events[{i}]: {_NUL_DETAIL}"
                dead.append(self._dead(topic, "nul_character", detail, orjson.dumps(item)))
                continue
            if models is not None:
                event = models[i]
            else:  # find out which events are bad, and keep the good ones
                try:
                    event = EVENT_ADAPTER.validate_json(orjson.dumps(item))
                except ValidationError as err:
                    detail = f"events[{i}]: {_schema_detail(err)}"
                    dead.append(self._dead(topic, "schema", detail, orjson.dumps(item)))
                    continue
            problem = self._check(info, event, now)
            if problem:
                detail = f"events[{i}]: {problem[1]}"
                dead.append(self._dead(topic, problem[0], detail, orjson.dumps(item)))
                continue
            rows.append(to_row(event))
            if event.kind in _STATEFUL:
                events.append(event)
        return Decoded(rows, dead, events)


_STATEFUL = ("status", "heartbeat")


def _stateful(event: AnyEvent) -> list[AnyEvent]:
    return [event] if event.kind in _STATEFUL else []


def _is_json_error(err: ValidationError) -> bool:
    return any(item["type"] == "json_invalid" for item in err.errors())
