"""Fixtures of the platform tests: `live` is a running server with a seeded register."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from platform_live import Live, live_server


@pytest.fixture
def live(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    with live_server(pg_url, tmp_path) as server:
        yield server
