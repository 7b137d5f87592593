"""The estates' worker processes come from a fork server, which keeps the environment
of the moment it started: a setting changed since (the card key scope a bench world
sets, a deployment's reload) must still reach the workers that run the pass."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

from anju_common import settings as common_settings
from anju_platform.detect import engine


def _scope_seen(environment: dict[str, str] | None) -> str:
    if environment is not None:
        engine._adopt_environment(environment)
    return common_settings.card_key_scope()


def test_workers_take_the_callers_settings_as_they_are_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANJU_CARD_KEY_SCOPE", "estate")
    context = engine._process_context()
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(_scope_seen, None).result() == "estate"  # the server is up now
    monkeypatch.setenv("ANJU_CARD_KEY_SCOPE", "authority")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        # what a worker of the old server sees on its own, and with the caller's settings
        stale = pool.submit(_scope_seen, None).result()
        fresh = pool.submit(_scope_seen, engine._anju_environment()).result()
    assert fresh == "authority"
    assert stale == "estate"  # the reason for _adopt_environment (fails if servers change)
