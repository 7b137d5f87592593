"""Webhooks page (通知推送) and the erasures list against the live API, with a real HTTP
receiver on loopback (the test server allows 127.0.0.0/8 as a receiver network)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from console_kit import dictionary, login, say, seed_alert, shot, shot_language, watched_page
from http_receiver import Receiver, running_receiver
from platform_live import Live
from playwright.sync_api import Browser, Page, expect


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as rec:
        yield rec


def hooks_in_db(live: Live) -> list[tuple[str | None, str, list[str], bool]]:
    with psycopg.connect(live.db) as conn:
        rows = conn.execute("SELECT estate_id, format, kinds, active FROM webhooks").fetchall()
    return [(r[0], r[1], list(r[2]), r[3]) for r in rows]


def test_manager_adds_tests_pauses_and_deletes_a_wecom_webhook(
    page: Page, live: Live, receiver: Receiver
) -> None:
    from anju_platform.delivery import deliver_job

    page.goto("/")
    shot_language(page)
    login(page, "manager")
    page.get_by_test_id("nav-webhooks").click()
    expect(page.get_by_text(say("webhooks.none"))).to_be_visible()
    form = page.get_by_test_id("webhook-form")
    # A private address is refused by the API (422); the page says why.
    form.locator("input[name=name]").fill("物业服务群")
    form.locator("select[name=format]").select_option("wecom")
    form.locator("input[name=url]").fill("http://10.9.8.7/cgi-bin/webhook/send?key=k")
    form.locator("button[type=submit]").click()
    expect(form.locator(".notice.error")).to_contain_text("receiver refused")
    expect(form.locator(".notice.error")).to_contain_text("not a public address")
    assert hooks_in_db(live) == []

    url = f"{receiver.url}/cgi-bin/webhook/send?key=robot-key-123"
    form.locator("input[name=url]").fill(url)
    form.locator("input[name=kinds][value='alert.opened']").check()
    form.locator("input[name=kinds][value='case.assigned']").check()
    form.locator("button[type=submit]").click()
    card = page.locator("[data-webhook-id]")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("webhook-url")).to_contain_text("key=***")
    expect(card).not_to_contain_text("robot-key-123")
    expect(card).to_contain_text(say("webhookFormat.wecom"))
    expect(card).to_contain_text(say("notification.case.assigned"))
    expect(form.locator(".notice.ok")).to_be_visible()
    assert hooks_in_db(live) == [("E1", "wecom", ["alert.opened", "case.assigned"], True)]

    card.get_by_test_id("webhook-test").click()
    expect(card.locator("[data-testid=webhook-result] .notice.ok")).to_be_visible()
    got = receiver.on("/cgi-bin/webhook/send")
    assert len(got) == 1 and got[0].query == {"key": ["robot-key-123"]}
    msg = got[0].json()
    assert msg["msgtype"] == "markdown" and "测试消息" in msg["markdown"]["content"]

    # A new alert goes out through the delivery job and shows in the delivery log.
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    with psycopg.connect(live.db, autocommit=True) as conn:
        assert deliver_job(conn, live.settings) == 1
    assert len(receiver.on("/cgi-bin/webhook/send")) == 2
    card.get_by_test_id("webhook-deliveries").click()
    row = card.locator("[data-testid=deliveries] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(say("notification.alert.opened"))
    expect(row).to_contain_text(say("delivery.delivered"))
    expect(row.locator("td").nth(3)).to_have_text("200")
    shot(page, "webhooks")

    card.get_by_test_id("webhook-toggle").click()
    expect(card.get_by_test_id("webhook-active")).to_have_text(say("webhooks.inactive"))
    assert hooks_in_db(live)[0][3] is False
    expect(card.get_by_test_id("webhook-toggle")).to_have_text(say("webhooks.activate"))

    page.once("dialog", lambda d: d.dismiss())
    card.get_by_test_id("webhook-delete").click()
    expect(card).to_have_count(1)
    assert len(hooks_in_db(live)) == 1
    page.once("dialog", lambda d: d.accept())
    card.get_by_test_id("webhook-delete").click()
    expect(page.get_by_text(say("webhooks.none"))).to_be_visible()
    assert hooks_in_db(live) == []


def test_authority_reads_inspector_has_none_admin_sees_erasures(page: Page, live: Live) -> None:
    with live.client("manager") as c:
        r = c.post(
            "/api/v1/webhooks",
            json={
                "name": "值班群",
                "estate_id": "E1",
                "url": "http://127.0.0.1:9/x?key=s",
                "format": "dingtalk",
                "secret": "SECabc",
            },
        )
        assert r.status_code == 201, r.text
        r = c.post("/api/v1/persons/P1/erase", json={"reason": "request", "note": "PIPL-7"})
        assert r.status_code == 200, r.text
    login(page, "authority")
    page.get_by_test_id("nav-webhooks").click()
    card = page.locator("[data-webhook-id]")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("值班群")
    expect(card).to_contain_text("钉钉群机器人")
    expect(card).to_contain_text("已设置")  # has_secret, never the secret itself
    expect(card).not_to_contain_text("SECabc")
    for control in ("webhook-test", "webhook-toggle", "webhook-delete", "webhook-form"):
        expect(page.get_by_test_id(control)).to_have_count(0)
    card.get_by_test_id("webhook-deliveries").click()
    expect(card.get_by_text("还没有发送过通知")).to_be_visible()
    expect(page.get_by_test_id("nav-erasures")).to_have_count(0)

    page.get_by_test_id("logout").click()
    login(page, "inspector")
    expect(page.get_by_test_id("nav-webhooks")).to_have_count(0)
    expect(page.get_by_test_id("nav-erasures")).to_have_count(0)

    page.get_by_test_id("logout").click()
    login(page, "manager")
    expect(page.get_by_test_id("nav-webhooks")).to_be_visible()
    expect(page.get_by_test_id("nav-erasures")).to_have_count(0)

    page.get_by_test_id("logout").click()
    login(page, "admin")
    page.get_by_test_id("nav-webhooks").click()
    expect(page.locator("[data-webhook-id]")).to_have_count(1)
    expect(page.locator("input[name=all]")).to_have_count(1)  # admins: every estate
    page.get_by_test_id("nav-erasures").click()
    rows = page.locator("[data-testid=erasures] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("P1")
    expect(rows).to_contain_text("manager")
    expect(rows).to_contain_text(dictionary("zh-CN")["eraseReason.request"])
    with psycopg.connect(live.db) as conn:
        counts = conn.execute("SELECT counts FROM erasures").fetchone()
    assert counts is not None and counts[0]["person"] == 1
    expect(rows.locator("td").nth(4)).to_contain_text("人员档案已匿名化 1")


def test_webhooks_page_on_a_phone(browser: Browser, live: Live) -> None:
    from anju_platform.delivery import deliver_job

    with live.client("manager") as c:
        for name in ("物业服务群", "夜间值班群"):
            r = c.post(
                "/api/v1/webhooks",
                json={
                    "name": name,
                    "estate_id": "E1",
                    "format": "wecom",
                    "url": "http://127.0.0.1:9/" + "a" * 150 + "?key=k",
                },
            )
            assert r.status_code == 201, r.text
    # Nothing listens on port 9: a failed attempt with its error makes a wide log table.
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    with psycopg.connect(live.db, autocommit=True) as conn:
        assert deliver_job(conn, live.settings) == 2
    phone = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
    with watched_page(browser, live.url, **phone) as page:
        login(page, "manager")
        page.goto("/#/webhooks")
        expect(page.locator("[data-webhook-id]")).to_have_count(2)
        page.locator("[data-webhook-id]").first.get_by_test_id("webhook-deliveries").click()
        row = page.locator("[data-testid=deliveries] tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("等待发送")  # retried later
        assert row.locator("td").nth(4).inner_text().strip()  # the connection error
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.get_by_test_id("webhook-form")).to_be_visible()
