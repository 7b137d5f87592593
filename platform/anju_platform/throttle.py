"""Login throttling as a pure decision over the recent failures: an account from one
address gets a few tries, then waits, longer after each further failure (doubling up to
a ceiling); an address that fails for many accounts waits too. Nothing locks an account
for every address: an attacker elsewhere cannot keep an admin out, and every wait ends
(at most `lockout_max_s` after the attacker's last try)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Limits:
    account_failures: int  # per (account, address) before the first wait
    address_failures: int  # per address, any account
    lockout_s: float  # first wait; doubles with each failure beyond the limit
    lockout_max_s: float


def wait_seconds(
    limits: Limits,
    account_failures: int,
    address_failures: int,
    last_account: datetime | None,
    last_address: datetime | None,
    now: datetime,
) -> float:
    """Seconds until this (account, address) may try again; 0 when it may now."""
    waits = [0.0]
    for count, limit, last in (
        (account_failures, limits.account_failures, last_account),
        (address_failures, limits.address_failures, last_address),
    ):
        if count >= limit and last is not None:
            lock = min(limits.lockout_s * 2 ** (count - limit), limits.lockout_max_s)
            waits.append(lock - (now - last).total_seconds())
    return max(waits)
