"""Short signed codes for printed QR posters and public forms (pure functions).

A code is `<base64url(text)>.<base64url(HMAC-SHA256 truncated to 12 bytes)>`: the text
(e.g. "E1/B1") is readable, but nobody can make a valid code for another building or
checkpoint without the platform's key, so codes cannot be guessed or enumerated. Each
use has its own purpose label, so a code of one kind never verifies as another."""

from __future__ import annotations

import base64
import hashlib
import hmac

SIG_BYTES = 12  # 96 bits: unguessable, and short enough for a small QR code


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sig(key: bytes, purpose: str, body: str) -> bytes:
    return hmac.new(key, f"anju:{purpose}:{body}".encode(), hashlib.sha256).digest()[:SIG_BYTES]


def sign(key: bytes, purpose: str, text: str) -> str:
    body = b64e(text.encode())
    return f"{body}.{b64e(_sig(key, purpose, body))}"


def verify(key: bytes, purpose: str, code: str) -> str | None:
    """The signed text, or None when the code is malformed or not ours."""
    if len(code) > 512 or code.count(".") != 1:
        return None
    body, sig = code.split(".")
    try:
        given = b64d(sig)
        text = b64d(body).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(given, _sig(key, purpose, body)):
        return None
    return text
