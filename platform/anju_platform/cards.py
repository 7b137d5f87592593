"""Card and PIN numbers become keyed hashes here, before anything is stored."""

from __future__ import annotations

from anju_common.cardhash import card_hash, estate_card_key


def hash_number(master: bytes, estate_id: str, number: str) -> str:
    return card_hash(estate_card_key(master, estate_id), number)
