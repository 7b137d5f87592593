"""The reports page says when poster QR codes would point at an address residents'
phones cannot open (issue 17 item 11): the live test server is on 127.0.0.1 with no
ANJU_PLATFORM_PUBLIC_BASE_URL."""

from __future__ import annotations

from console_kit import login
from platform_live import Live
from playwright.sync_api import Page, expect


def test_reports_page_warns_about_a_loopback_poster_address(page: Page, live: Live) -> None:
    login(page, "manager")
    page.get_by_test_id("nav-reports").click()
    posters = page.get_by_test_id("building-posters")
    expect(posters).to_be_visible()
    warning = page.locator(".notice.error")
    expect(warning).to_contain_text("ANJU_PLATFORM_PUBLIC_BASE_URL")
    expect(warning).to_contain_text("本机地址")
    expect(warning).to_contain_text(live.url)
