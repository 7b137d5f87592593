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


CARD_KEY_SCOPES = ("estate", "authority")


def scoped_card_key(master: bytes, estate_id: str, scope: str = "estate") -> bytes:
    """The card key of an estate under the configured scope (ANJU_CARD_KEY_SCOPE):
    'estate' (default) a key per estate; 'authority' one key for every estate of the
    housing authority, for cards issued city-wide: one card is then one hash at every
    estate, so its uses at two estates can be linked (a clone used at another estate)."""
    if scope == "authority":
        if not master:
            raise ValueError("a master secret is required to derive card keys")
        return hmac.new(master, b"anju-card-key-authority", hashlib.sha256).digest()
    if scope != "estate":
        raise ValueError(f"card key scope must be one of {', '.join(CARD_KEY_SCOPES)}")
    return estate_card_key(master, estate_id)


def card_key_hex(key: bytes) -> str:
    """The text form of an estate key, as given to a gateway (ANJU_EDGE_CARD_KEY)."""
    return key.hex()


def card_key_from_text(text: str) -> bytes:
    """Parse a gateway's estate key: the 64 hex characters of card_key_hex().

    Strict on purpose: a key typed any other way would hash every card differently
    from the platform, and no card would ever match the register."""
    text = text.strip()
    if not text:
        return b""
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError(
            "the estate card key must be 64 hex characters, as printed by "
            "`anju keys card --estate ESTATE`"
        )
    return key
