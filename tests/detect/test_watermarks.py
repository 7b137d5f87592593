"""Watermark scopes are the detect_state keys the dashboards' SQL reads ('day:' ||
estate_id) and earlier releases wrote: renaming one would silently restart a pass."""

from __future__ import annotations

import pytest

from anju_platform.detect.repo_state import Watermark


def test_scopes_are_the_stored_keys() -> None:
    assert Watermark.DAY.scope("e01") == "day:e01"
    assert Watermark.CLOCKS.scope("e01") == "clocks:e01"
    assert Watermark.REALTIME.scope() == "realtime"


def test_a_scope_with_the_wrong_estate_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="needs an estate"):
        Watermark.DAY.scope()
    with pytest.raises(ValueError, match="not per estate"):
        Watermark.REALTIME.scope("e01")
