"""The platform (register import, API) and the gateways must hash a card the same way,
or no card event would ever match the register."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from anju_common.cardhash import card_hash, card_key_from_text, estate_card_key
from anju_platform.cards import hash_number


def test_gateway_key_from_cli_hashes_like_the_platform() -> None:
    env = dict(os.environ, ANJU_CARD_KEY_SECRET="master-secret-of-the-city")
    out = subprocess.run(
        [sys.executable, "-m", "anju_cli.main", "keys", "card", "--estate", "est-7"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    gateway_key = card_key_from_text(out)
    assert card_hash(gateway_key, "0012 3456") == hash_number(
        b"master-secret-of-the-city", "est-7", "123456"
    )
    other = estate_card_key(b"master-secret-of-the-city", "est-8")
    assert card_hash(other, "123456") != card_hash(gateway_key, "123456")


@pytest.mark.parametrize("text", ["secret", "ab" * 31, "zz" * 32, "ab" * 33])
def test_a_key_in_any_other_form_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="64 hex characters"):
        card_key_from_text(text)


def test_cli_without_secret_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANJU_CARD_KEY_SECRET"}
    r = subprocess.run(
        [sys.executable, "-m", "anju_cli.main", "keys", "card", "--estate", "e"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "ANJU_CARD_KEY_SECRET" in r.stderr
