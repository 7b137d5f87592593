"""Signed QR codes: visitor passes, patrol checkpoints, resident report codes.

Token (ASCII, fits a QR code):  anju1.<alg>.<claims>.<signature>
  alg        "hs256" (HMAC-SHA256 with a shared estate pass key) or "ed25519"
  claims     base64url (no padding) of the compact JSON of `PassClaims`
  signature  base64url of HMAC-SHA256 or Ed25519 over the ASCII "anju1.<alg>.<claims>"

The platform issues them (sign_pass); a gateway verifies them offline (verify_pass)
and keeps the single-use nonces it has seen, to report a replay. Pure functions; the
`cryptography` package is imported only when Ed25519 is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from anju_common.events import Ident, QrPurpose, QrResult

PREFIX = "anju1"
ALGS = ("hs256", "ed25519")


class PassClaims(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    purpose: QrPurpose = Field(title="What the code is for")
    pass_id: str = Field(
        min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", title="Pass id / nonce"
    )
    estate_id: Ident = Field(title="Estate the code is valid in")
    unit_id: Ident | None = Field(default=None, title="Flat (visitor and tenant passes)")
    checkpoint_id: Ident | None = Field(default=None, title="Patrol checkpoint")
    not_before: int = Field(title="Valid from, Unix seconds")
    expires: int | None = Field(default=None, title="Valid until, Unix seconds; null: no end")
    single_use: bool = Field(default=False, title="Reject a second scan of this pass id")


@dataclass(frozen=True, slots=True)
class PassCheck:
    """Signature and validity window; replay is the verifier's state, not the token's."""

    result: QrResult
    claims: PassClaims | None
    reason: str


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_pass(
    claims: PassClaims, *, hmac_key: bytes | None = None, ed25519_private: bytes | None = None
) -> str:
    """Issue a token. Give exactly one key: a shared HMAC key or a raw Ed25519 private key."""
    if (hmac_key is None) == (ed25519_private is None):
        raise ValueError("give exactly one of hmac_key or ed25519_private")
    body = _b64e(claims.model_dump_json(exclude_none=True).encode())
    if hmac_key is not None:
        signed = f"{PREFIX}.hs256.{body}"
        sig = hmac.new(hmac_key, signed.encode(), hashlib.sha256).digest()
    else:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        signed = f"{PREFIX}.ed25519.{body}"
        assert ed25519_private is not None
        sig = Ed25519PrivateKey.from_private_bytes(ed25519_private).sign(signed.encode())
    return f"{signed}.{_b64e(sig)}"


def _signature_ok(
    alg: str, signed: bytes, sig: bytes, hmac_key: bytes | None, ed25519_public: list[bytes]
) -> bool:
    if alg == "hs256":
        if not hmac_key:
            return False
        good = hmac.new(hmac_key, signed, hashlib.sha256).digest()
        return hmac.compare_digest(good, sig)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    for raw in ed25519_public:
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(sig, signed)
            return True
        except (InvalidSignature, ValueError):
            continue
    return False


def verify_pass(
    token: str,
    *,
    now: float,
    estate_id: str,
    hmac_key: bytes | None = None,
    ed25519_public: list[bytes] | None = None,
    skew_s: float = 120.0,
) -> PassCheck:
    """forged: not ours, bad signature or other estate; expired: outside its window."""
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] not in ALGS:
        return PassCheck(QrResult.FORGED, None, "not an Anju token")
    alg, body, sig_text = parts[1], parts[2], parts[3]
    try:
        sig = _b64d(sig_text)
        claims = PassClaims.model_validate_json(_b64d(body))
    except (ValueError, ValidationError):
        return PassCheck(QrResult.FORGED, None, "malformed token")
    signed = f"{PREFIX}.{alg}.{body}".encode()
    if not _signature_ok(alg, signed, sig, hmac_key, ed25519_public or []):
        return PassCheck(QrResult.FORGED, claims, "bad signature")
    if claims.estate_id != estate_id:
        return PassCheck(QrResult.FORGED, claims, f"issued for estate {claims.estate_id}")
    if now + skew_s < claims.not_before:
        return PassCheck(QrResult.EXPIRED, claims, "not valid yet")
    if claims.expires is not None and now - skew_s > claims.expires:
        return PassCheck(QrResult.EXPIRED, claims, "expired")
    return PassCheck(QrResult.VALID, claims, "ok")


def new_ed25519_keypair() -> tuple[bytes, bytes]:
    """(raw private key, raw public key), 32 bytes each."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    private = key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    return private, public
