"""Card numbers never reach the wire: only the keyed hash passes the model."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from pydantic import ValidationError

from anju_common.cardhash import card_hash, normalize_card
from anju_common.events import AccessEvent, dump_event

from .examples import KEY, examples


@pytest.mark.parametrize(
    ("read", "normal"),
    [
        ("0012345678", "12345678"),
        (" 0012 3456-78 ", "12345678"),
        ("00ab-cd", "ABCD"),
        ("0000", "0"),
        ("12345678", "12345678"),
    ],
)
def test_normalize(read: str, normal: str) -> None:
    assert normalize_card(read) == normal


def test_hash_is_hmac_sha256_of_the_normalized_number() -> None:
    expected = hmac.new(KEY, b"12345678", hashlib.sha256).hexdigest()
    assert card_hash(KEY, "00 1234-5678") == expected == card_hash(KEY, "12345678")
    assert card_hash(b"other-key", "12345678") != expected
    assert card_hash(KEY, "12345679") != expected


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError):
        card_hash(b"", "12345678")


def _access(ref: str | None) -> dict[str, object]:
    doc = dict(json.loads(dump_event(examples()["access"])))
    doc["credential_ref"] = ref
    return doc


@pytest.mark.parametrize(
    "raw",
    [
        "0012345678",  # the number itself
        "12345678",
        "1" * 64 + "0",  # long digit strings
        "0x" + "a" * 62,
        card_hash(KEY, "1").upper(),  # a hash in capitals is not the canonical form
        card_hash(KEY, "1")[:63],
        "",
        None,
    ],
)
def test_card_access_refuses_anything_but_the_hash(raw: str | None) -> None:
    with pytest.raises(ValidationError, match="HMAC"):
        AccessEvent.model_validate(_access(raw))


def test_card_access_accepts_the_hash_and_the_wire_has_no_number() -> None:
    number = "0012345678"
    event = AccessEvent.model_validate(_access(card_hash(KEY, number)))
    wire = dump_event(event).decode()
    assert normalize_card(number) not in wire and number not in wire


def test_other_credential_types_carry_plain_references() -> None:
    doc = _access("p-000187") | {"credential_type": "face"}
    assert AccessEvent.model_validate(doc).credential_ref == "p-000187"


def test_estate_keys_differ_per_estate_and_need_a_master() -> None:
    from anju_common.cardhash import estate_card_key

    a, b = estate_card_key(b"m", "xy-01"), estate_card_key(b"m", "xy-02")
    assert a != b and len(a) == 32
    assert card_hash(a, "12345678") != card_hash(b, "12345678")
    assert estate_card_key(b"other", "xy-01") != a
    with pytest.raises(ValueError):
        estate_card_key(b"", "xy-01")
