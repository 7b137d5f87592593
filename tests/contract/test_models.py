"""Every wire model survives JSON both ways, and the validators reject what they must."""

from __future__ import annotations

import json
import uuid

import pytest
from pydantic import BaseModel, ValidationError

from anju_common.events import (
    EVENT_ADAPTER,
    EVENT_KINDS,
    MAX_BATCH,
    MODELS,
    AccessEvent,
    EventBatch,
    dump_event,
    parse_event,
)

from .examples import examples


@pytest.mark.parametrize("kind", list(MODELS))
def test_every_model_round_trips_json(kind: str) -> None:
    model = examples()[kind]
    raw = dump_event(model)
    again = type(model).model_validate_json(raw)
    assert again == model
    assert dump_event(again) == raw
    assert json.loads(raw)["kind"] == kind


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_parse_event_picks_the_model_by_kind(kind: str) -> None:
    model = examples()[kind]
    parsed = parse_event(dump_event(model))
    assert type(parsed) is MODELS[kind]
    assert parsed == model


def test_every_kind_has_a_model_and_an_example() -> None:
    assert set(EVENT_KINDS) | {"batch"} == set(MODELS) == set(examples())


def _doc(kind: str) -> dict[str, object]:
    return dict(json.loads(dump_event(examples()[kind])))


def test_unknown_fields_are_rejected() -> None:
    doc = _doc("qr") | {"colour": "red"}
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_python(doc)


def test_time_without_offset_is_rejected() -> None:
    doc = _doc("access") | {"time": "2026-11-22T08:15:30"}
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_python(doc)


@pytest.mark.parametrize("bad", ["", "a/b", "+", "#", "-lead", "x" * 65, "gw 1"])
def test_identifiers_must_be_topic_safe(bad: str) -> None:
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_python(_doc("status") | {"gateway_id": bad})


def test_granted_access_has_no_deny_reason() -> None:
    doc = _doc("access") | {"granted": True}
    with pytest.raises(ValidationError, match="no deny reason"):
        AccessEvent.model_validate(doc)
    doc.pop("reason")
    assert AccessEvent.model_validate(doc).granted


def test_batch_rejects_foreign_events_and_size_limits() -> None:
    batch = examples()["batch"]
    assert isinstance(batch, EventBatch)
    doc = json.loads(dump_event(batch))
    with pytest.raises(ValidationError, match="not from this batch"):
        EventBatch.model_validate(doc | {"gateway_id": "gw-2"})
    with pytest.raises(ValidationError):
        EventBatch.model_validate(doc | {"events": []})
    one = doc["events"][3]
    many = [one | {"event_id": str(uuid.uuid4())} for _ in range(MAX_BATCH + 1)]
    with pytest.raises(ValidationError):
        EventBatch.model_validate(doc | {"events": many})
    assert len(EventBatch.model_validate(doc | {"events": many[:MAX_BATCH]}).events) == MAX_BATCH


def test_embedding_must_be_128_numbers() -> None:
    doc = _doc("face")
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_python(doc | {"embedding": [0.1] * 127})


def test_models_are_frozen() -> None:
    model: BaseModel = examples()["heartbeat"]
    with pytest.raises(ValidationError):
        model.queue_depth = 5  # type: ignore[attr-defined]
