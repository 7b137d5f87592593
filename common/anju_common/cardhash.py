"""Card numbers are personal data: the wire and the database carry only a keyed hash."""

from __future__ import annotations

import hashlib
import hmac


def normalize_card(number: str) -> str:
    """Readers differ in padding and case; hash the same card the same way everywhere."""
    s = number.strip().upper().replace(" ", "").replace("-", "")
    stripped = s.lstrip("0")
    return stripped or "0"


def card_hash(estate_key: bytes, number: str) -> str:
    """HMAC-SHA256 of the normalized card number with the estate's key, lowercase hex."""
    if not estate_key:
        raise ValueError("an estate card key is required to hash card numbers")
    return hmac.new(estate_key, normalize_card(number).encode(), hashlib.sha256).hexdigest()


def estate_card_key(master: bytes, estate_id: str) -> bytes:
    """Per-estate card key derived from a master secret: HMAC-SHA256(master, estate_id).

    One secret to keep, a different key per estate, so a hash leaked from one estate
    cannot be matched against another's."""
    if not master:
        raise ValueError("a master secret is required to derive estate card keys")
    return hmac.new(master, b"anju-card-key:" + estate_id.encode(), hashlib.sha256).digest()
