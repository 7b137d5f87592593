"""Browser tests of the console: Debian's chromium driven by Playwright (sync API;
nothing downloaded) against the live platform server of tests/platform/platform_live.py.
Helpers are in console_kit.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from console_kit import chinese_names, watched_page
from platform_live import Live, live_server
from playwright.sync_api import Browser, Page


@pytest.fixture
def live(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    """Background jobs off: a test that needs cases runs the case job itself. The
    register has the names an estate office uses (1栋2单元0501, 王芳)."""
    with live_server(
        pg_url, tmp_path, jobs_enabled=False, snapshot_dir=tmp_path / "snapshots"
    ) as server:
        chinese_names(server.db)
        yield server


@pytest.fixture
def page(browser: Browser, live: Live) -> Iterator[Page]:
    with watched_page(browser, live.url, viewport={"width": 1280, "height": 860}) as pg:
        yield pg
