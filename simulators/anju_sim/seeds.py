"""Stable seeds for the simulator's random streams (a leaf module: anything may use it)."""

from __future__ import annotations

import hashlib


def sub_seed(*parts: object) -> int:
    """A stable 64-bit seed from parts (Python's hash() is salted per process)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")
