"""The wire contract: every message a gateway sends, as pydantic v2 models.

Version 1. A change that an old ingest cannot read gets a new `schema_version` and a
new topic prefix (see topics.py); additive optional fields do not.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

SCHEMA_VERSION = 1
_CARD_HASH = re.compile(r"[0-9a-f]{64}")

# Identifiers travel in topic paths, so they must be topic-safe and short.
Ident = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="Identifier: letters, digits, '_', '-', '.'; 1-64 chars; no '/', '+', '#'.",
    ),
]


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    UNKNOWN = "unknown"


class CredentialType(StrEnum):
    CARD = "card"
    FACE = "face"
    QR = "qr"
    PIN = "pin"


class DenyReason(StrEnum):
    UNKNOWN_CREDENTIAL = "unknown_credential"
    EXPIRED = "expired"
    NOT_PERMITTED = "not_permitted"
    BLOCKLISTED = "blocklisted"
    ANTI_PASSBACK = "anti_passback"
    INVALID = "invalid"
    OTHER = "other"


class QrPurpose(StrEnum):
    VISITOR_PASS = "visitor_pass"
    PATROL_CHECKPOINT = "patrol_checkpoint"
    RESIDENT_REPORT = "resident_report"
    TENANT_PASS = "tenant_pass"


class QrResult(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    FORGED = "forged"
    REPLAYED = "replayed"


class GatewayState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class _Event(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = Field(
        default=1, title="Schema version", description="Contract version of this payload."
    )
    event_id: uuid.UUID = Field(
        title="Event id",
        description="UUID chosen by the gateway when the event happens; the idempotency key. "
        "A resend must reuse it.",
    )
    time: AwareDatetime = Field(
        title="Device time", description="When it happened, ISO 8601 with a UTC offset."
    )
    estate_id: Ident = Field(title="Estate id", description="Must equal the topic's estate.")
    gateway_id: Ident = Field(title="Gateway id", description="Must equal the topic's gateway.")
    device_id: Ident = Field(
        title="Device id", description="Door controller, camera or scanner that saw it."
    )


class AccessEvent(_Event):
    """A door controller decided on an entry or exit attempt."""

    kind: Literal["access"] = "access"
    door_id: Ident = Field(title="Door", description="Door or gate id, as in the register.")
    direction: Direction = Field(title="Direction", description="in, out or unknown.")
    credential_type: CredentialType = Field(title="Credential type")
    credential_ref: str | None = Field(
        default=None,
        max_length=128,
        title="Credential reference",
        description="card: HMAC-SHA256 hex of the card number with the estate key; "
        "face: the matched person id; qr: the pass id; pin: omitted.",
    )
    granted: bool = Field(title="Granted", description="true if the door opened.")
    reason: DenyReason | None = Field(
        default=None, title="Deny reason", description="Why it was denied; null when granted."
    )

    @model_validator(mode="after")
    def _check(self) -> AccessEvent:
        if self.credential_type is CredentialType.CARD:
            ref = self.credential_ref
            if ref is None or not _CARD_HASH.fullmatch(ref):
                raise ValueError(
                    "card credential_ref must be the 64-char lowercase hex HMAC of the card "
                    "number, never the number"
                )
        if self.granted and self.reason is not None:
            raise ValueError("a granted access has no deny reason")
        return self


class FaceSighting(_Event):
    """A camera tracked a face past it: one event per track, not per frame."""

    kind: Literal["face"] = "face"
    track_id: str = Field(max_length=64, title="Track id", description="Local id of the track.")
    person_id: Ident | None = Field(
        default=None, title="Matched person", description="Enrolled person id, or null: unknown."
    )
    distance: float | None = Field(
        default=None,
        ge=0,
        le=4,
        title="Distance",
        description="Embedding distance to the nearest enrolled person (the match, if any).",
    )
    second_distance: float | None = Field(
        default=None,
        ge=0,
        le=4,
        title="Second distance",
        description="Distance to the nearest enrolled person other than the nearest one: "
        "a match needs a margin between the two. Omitted by older gateways.",
    )
    quality: float = Field(ge=0, le=1, title="Quality", description="0..1, best frame's quality.")
    direction: Direction = Field(default=Direction.UNKNOWN, title="Direction")
    embedding: list[float] | None = Field(
        default=None,
        min_length=128,
        max_length=128,
        title="Embedding",
        description="128-d face embedding (float32 values), of unknown faces so strangers "
        "can be clustered and of matched faces so the platform can re-decide the match "
        "with a newer calibration.",
    )
    snapshot_ref: str | None = Field(
        default=None,
        max_length=256,
        title="Snapshot reference",
        description="Gateway-local reference of a cropped face JPEG, only for unknown faces.",
    )
    model: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9._-]+$",
        title="Face model",
        description="Id of the recognition model the embedding and distances come from "
        "(absent: the bundled dlib_resnet_v1); embeddings of different models are never "
        "compared.",
    )


class QrScan(_Event):
    """A QR code was scanned and verified (offline) at the gateway."""

    kind: Literal["qr"] = "qr"
    purpose: QrPurpose = Field(title="Purpose")
    result: QrResult = Field(title="Verification result")
    pass_id: str | None = Field(
        default=None, max_length=64, title="Pass id", description="Nonce / id inside the token."
    )
    unit_id: Ident | None = Field(default=None, title="Unit", description="Flat named by a pass.")
    checkpoint_id: Ident | None = Field(default=None, title="Patrol checkpoint")
    token: str | None = Field(
        default=None,
        max_length=2048,
        title="Token",
        description="The scanned text, for audit; may be omitted.",
    )


class DeviceHealth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    device_id: Ident
    ok: bool
    detail: str | None = Field(default=None, max_length=256)
    fps: float | None = Field(default=None, ge=0)


class GatewayStatus(_Event):
    """Retained on the status topic; the last will publishes state=offline."""

    kind: Literal["status"] = "status"
    state: GatewayState = Field(title="State")
    version: str | None = Field(default=None, max_length=64, title="Agent version")


class Heartbeat(_Event):
    """Periodic health of the gateway and its devices."""

    kind: Literal["heartbeat"] = "heartbeat"
    version: str = Field(max_length=64, title="Agent version")
    uptime_s: float = Field(ge=0, title="Uptime, seconds")
    queue_depth: int = Field(ge=0, title="Buffered events not yet acknowledged")
    dropped: int = Field(default=0, ge=0, title="Events dropped oldest-first (buffer full)")
    devices: list[DeviceHealth] = Field(default_factory=list, max_length=256)


Event = Annotated[
    AccessEvent | FaceSighting | QrScan | GatewayStatus | Heartbeat,
    Field(discriminator="kind"),
]
EVENT_KINDS: tuple[str, ...] = ("access", "face", "qr", "status", "heartbeat")


def embedding_bytes(values: Sequence[float]) -> bytes:
    """An embedding as stored in events.embedding (migration 0009): little-endian float32."""
    return struct.pack(f"<{len(values)}f", *values)


# A face event's personal face data: stored beside the event (table event_faces), not
# in its payload, so that erasure and retention delete it without rewriting history.
FACE_DATA_KEYS = ("embedding", "snapshot_ref")

# What the columns of `events` (migration 0002) hold of each kind, as {field: column}.
# The stored payload leaves these out (issue 20: it repeated them, about half its bytes);
# event_from_stored puts them back. A QR scan's pass id is in credential_ref.
_COMMON_COLUMNS = {k: k for k in ("event_id", "time", "kind", "estate_id", "gateway_id")}
_COMMON_COLUMNS["device_id"] = "device_id"
STORED_COLUMNS: dict[str, dict[str, str]] = {
    "access": _COMMON_COLUMNS
    | {k: k for k in ("door_id", "direction", "credential_type", "credential_ref", "granted")},
    "face": _COMMON_COLUMNS | {"direction": "direction", "person_id": "person_id"},
    "qr": _COMMON_COLUMNS | {"pass_id": "credential_ref"},
    "status": _COMMON_COLUMNS,
    "heartbeat": _COMMON_COLUMNS,
}
_NOT_IN_PAYLOAD = {
    kind: {"schema_version", *cols, *(FACE_DATA_KEYS if kind == "face" else ())}
    for kind, cols in STORED_COLUMNS.items()
}


def stored_payload(event: AnyEvent) -> str:
    """What events.payload keeps of an event: the fields no column of `events` holds,
    without face data (event_faces) and without nulls; a granted card swipe keeps '{}'.
    event_from_stored() rebuilds the whole event. (Built from the fields, not by
    model_dump_json: a fifth of its cost per event, and this runs for every event.)"""
    import orjson

    doc: dict[str, Any] = {}
    for key in _KEPT[event.kind]:
        value = getattr(event, key)
        if value is not None:
            doc[key] = value
    return orjson.dumps(doc, default=_dump_model).decode()


def _dump_model(value: object) -> object:
    if isinstance(value, BaseModel):  # a heartbeat's devices
        return value.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"cannot store {type(value).__name__} in a payload")


def event_from_stored(
    row: Mapping[str, Any], payload: Mapping[str, Any], face: Mapping[str, Any] | None = None
) -> AnyEvent:
    """The whole event from its `events` row (columns by name, at least those of
    STORED_COLUMNS for its kind), its payload, and for a face event its event_faces row
    (embedding as float32 bytes, snapshot_ref), if still kept. Keys the payload holds
    win: events stored before the payload was trimmed keep their whole message, with
    its own UTC offset."""
    kind = row["kind"]
    doc: dict[str, Any] = {
        field: row[col]
        for field, col in STORED_COLUMNS[kind].items()
        if row.get(col) is not None and field not in payload
    }
    doc.update(payload)
    if kind == "face" and face:
        emb = face.get("embedding")
        if emb is not None and "embedding" not in doc:
            doc["embedding"] = list(struct.unpack(f"<{len(emb) // 4}f", emb))
        if face.get("snapshot_ref") is not None and "snapshot_ref" not in doc:
            doc["snapshot_ref"] = face["snapshot_ref"]
    return EVENT_ADAPTER.validate_python(doc)


MAX_BATCH = 1000


class EventBatch(BaseModel):
    """Several events in one message, for draining a gateway's backlog."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    kind: Literal["batch"] = "batch"
    estate_id: Ident
    gateway_id: Ident
    events: list[Event] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _same_gateway(self) -> EventBatch:
        for e in self.events:
            if e.estate_id != self.estate_id or e.gateway_id != self.gateway_id:
                raise ValueError(f"event {e.event_id} is not from this batch's gateway")
        return self


AnyEvent = AccessEvent | FaceSighting | QrScan | GatewayStatus | Heartbeat
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(Event)
BATCH_ADAPTER: TypeAdapter[EventBatch] = TypeAdapter(EventBatch)

MODELS: dict[str, type[BaseModel]] = {
    "access": AccessEvent,
    "face": FaceSighting,
    "qr": QrScan,
    "status": GatewayStatus,
    "heartbeat": Heartbeat,
    "batch": EventBatch,
}
# the fields events.payload keeps, per kind (stored_payload)
_KEPT = {
    kind: tuple(f for f in MODELS[kind].model_fields if f not in skip)
    for kind, skip in _NOT_IN_PAYLOAD.items()
}


def parse_event(raw: bytes | str) -> AnyEvent:
    """Validate one event from JSON; raises pydantic.ValidationError."""
    return EVENT_ADAPTER.validate_json(raw)


def dump_event(event: BaseModel) -> bytes:
    """Serialize for the wire (compact JSON, None fields left out)."""
    return event.model_dump_json(exclude_none=True).encode()


def new_event_id() -> uuid.UUID:
    return uuid.uuid4()


def utc_now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)
