"""Password hashing and bearer tokens.

Tokens are HMAC-signed, not stored: `user.version.expires.signature`. Integrity and
expiry are checked without touching the database; every request still loads the user
(role, scopes, active, token_version), so disabling a user or bumping token_version
(logout everywhere, password change) revokes all tokens at once without a token table.
Gateway tokens are random 32-byte secrets stored as SHA-256: they have full entropy,
so a slow hash would only cost time on every gallery fetch.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@lru_cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the user does not exist, so timing does not reveal user ids.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$DOJ63hi1JPRztdhiHSpeXQ$"
    "4lDjMBUyNypKfuV6XxnBx9ZK04Few3j8Kw2fZuF0J9U"
)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: str
    version: int
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def issue_token(
    key: bytes, user_id: str, version: int, ttl_s: int, now: float | None = None
) -> str:
    expires = int((time.time() if now is None else now) + ttl_s)
    body = f"{_b64(user_id.encode())}.{version}.{expires}"
    return f"{body}.{_sign(key, body)}"


def read_token(key: bytes, token: str, now: float | None = None) -> TokenClaims | None:
    """Claims of a well-signed, unexpired token; None otherwise."""
    parts = token.split(".")
    if len(parts) != 4:
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_sign(key, body), parts[3]):
        return None
    try:
        claims = TokenClaims(_unb64(parts[0]).decode(), int(parts[1]), int(parts[2]))
    except (ValueError, UnicodeDecodeError):
        return None
    if claims.expires <= (time.time() if now is None else now):
        return None
    return claims


GATEWAY_TOKEN_PREFIX = "gw_"


def new_gateway_token() -> str:
    return GATEWAY_TOKEN_PREFIX + secrets.token_urlsafe(32)


def gateway_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
