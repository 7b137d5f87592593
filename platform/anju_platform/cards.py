"""Card and PIN numbers become keyed hashes here, before anything is stored."""

from __future__ import annotations

from anju_common.cardhash import card_hash, scoped_card_key
from anju_common.settings import card_key_scope


def hash_number(master: bytes, estate_id: str, number: str) -> str:
    """Under the configured key scope (ANJU_CARD_KEY_SCOPE: estate or authority)."""
    return card_hash(scoped_card_key(master, estate_id, card_key_scope()), number)
