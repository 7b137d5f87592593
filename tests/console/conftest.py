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

from platform_live import Live, live_server
from playwright.sync_api import Browser, Page


@pytest.fixture
def live(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    """Background jobs off: a test that needs cases runs the case job itself."""
    with live_server(
        pg_url, tmp_path, jobs_enabled=False, snapshot_dir=tmp_path / "snapshots"
    ) as server:
        yield server


@pytest.fixture
def page(browser: Browser, live: Live) -> Iterator[Page]:
    ctx = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 860})
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # Anything the page's Content-Security-Policy blocked (an inline style, a foreign URL).
    pg.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        yield pg
    finally:
        ctx.close()
    assert not errors, f"JavaScript or CSP errors in the console: {errors}"
