"""Every page, for every role, reads in the page's language: no 'null' or 'undefined',
and no English words in the Chinese console (ids and codes staff copy are in `.id`
elements and allowed). Screenshots of each page in both languages for docs/."""

from __future__ import annotations

import psycopg
from console_kit import case_of, check_text, login, seed_alert, shot, sync_cases, text_problems
from platform_live import Live
from playwright.sync_api import Browser, Page, expect

PAGES = {
    "admin": ["overview", "charts", "alerts", "register", "reports", "performance", "audit",
              "webhooks", "users", "erasures", "users/manager", "calibration"],
    "authority": ["overview", "charts", "alerts", "register", "reports", "performance", "webhooks",
                  "calibration"],
    "manager": ["overview", "charts", "alerts", "alerts?status=watch", "register", "household/H1",
                "reports", "performance", "webhooks", "calibration"],
    "inspector": ["tasks", "overview", "charts", "alerts", "register", "household/H1", "patrol"],
}  # fmt: skip


def test_text_check_itself() -> None:
    assert text_problems("房屋 null 号", "zh-CN") == ["null"]
    assert text_problems("共 undefined 条", "en") == ["undefined"]
    assert text_problems("Person 1 住在这里", "zh-CN") == ["Person"]
    assert text_problems("unregistered person seen", "zh-CN") == ["unregistered person seen"]
    assert text_problems("1栋2单元0501 · U1 · 下载证据包（PDF）· English", "zh-CN") == []
    assert text_problems("Open alerts by type", "en") == []


def _world(live: Live) -> int:
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    seed_alert(live.db, 102, "U1b", "G1b", "vacancy", 0.8)
    seed_alert(live.db, 103, "U1", "G1", "overcrowding", 0.3, status="watch")
    sync_cases(live)
    case = case_of(live, 101)
    with live.client("inspector") as c:
        r = c.post(f"/api/v1/cases/{case}/visits", json={"outcome": "no_access"})
        assert r.status_code == 200, r.text
    with psycopg.connect(live.db) as conn:  # a gateway that reported once
        conn.execute(
            "INSERT INTO gateway_state (gateway_id, estate_id, state, heartbeat_time)"
            " VALUES ('GW1', 'E1', 'online', now())"
        )
    return case


def test_every_page_reads_in_its_language(page: Page, live: Live) -> None:
    case = _world(live)
    page.goto("/")
    page.evaluate("localStorage.setItem('anju.lang', 'zh-CN')")
    for role, pages in PAGES.items():
        login(page, role)
        for name in [*pages, f"case/{case}"]:
            page.goto(f"/#/{name}")
            expect(page.locator("main .notice.error")).to_have_count(0)
            page.wait_for_function("() => document.querySelector('main').innerText.length > 5")
            page.wait_for_timeout(300)
            check_text(page, "zh-CN")
        page.get_by_test_id("logout").click()
        expect(page.get_by_test_id("login-form")).to_be_visible()


def test_screenshots_of_each_page(browser: Browser, page: Page, live: Live) -> None:
    """One screenshot per page (shot() checks both languages' text as it takes them)."""
    case = _world(live)
    page.goto("/")
    page.evaluate("localStorage.setItem('anju.lang', 'zh-CN')")
    login(page, "manager")
    for name, address in (
        ("overview-manager", "overview"),
        ("alerts-watch", "alerts?status=watch"),
        ("register", "register"),
        ("household", "household/H1"),
        ("reports", "reports"),
    ):
        page.goto(f"/#/{address}")
        page.wait_for_function("() => document.querySelector('main').innerText.length > 5")
        shot(page, name)
    page.get_by_test_id("logout").click()
    login(page, "admin")
    page.goto("/#/audit")
    page.wait_for_function("() => document.querySelector('main').innerText.length > 5")
    shot(page, "audit")
    page.get_by_test_id("logout").click()
    phone = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
    from console_kit import watched_page

    with watched_page(browser, live.url, **phone) as mobile:
        mobile.goto("/")
        mobile.evaluate("localStorage.setItem('anju.lang', 'zh-CN')")
        login(mobile, "inspector")
        mobile.goto("/#/overview")
        mobile.wait_for_function("() => document.querySelector('main').innerText.length > 5")
        shot(mobile, "overview-inspector-phone")
        mobile.goto(f"/#/case/{case}")
        mobile.wait_for_function("() => document.querySelector('main').innerText.length > 5")
        shot(mobile, "case-inspector-phone")
