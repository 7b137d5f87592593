"""Overview: notifications that wait (what came while away is unread on the next visit,
serious alerts first and marked, mark-all-read), a gateway whose heartbeat is hours old
shows offline (page and API), flats and grids by name in the counts."""

from __future__ import annotations

import psycopg
from console_kit import login, say, seed_alert, shot, shot_language
from platform_live import Live
from playwright.sync_api import Page, expect


def test_notifications_wait_and_stale_gateways(page: Page, live: Live) -> None:
    with psycopg.connect(live.db) as conn:  # online, but last heard of three hours ago
        conn.execute(
            "INSERT INTO gateway_state (gateway_id, estate_id, state, heartbeat_time,"
            " state_time) VALUES ('GW1', 'E1', 'online', now() - interval '3 hours',"
            " now() - interval '1 day')"
        )
    with live.client("manager") as c:
        gw = c.get("/api/v1/overview/gateways", params={"estate_id": "E1"}).json()
    assert [(g["state"], g["stale"]) for g in gw] == [("offline", True)]
    page.goto("/")
    shot_language(page)
    login(page, "manager")
    page.goto("/#/overview")
    expect(page.get_by_test_id("stream-state")).to_have_text(say("stream.live"))
    row = page.locator("[data-gateway=GW1]")
    expect(row).to_have_attribute("data-state", "offline")
    expect(row).to_contain_text(say("gwstate.offline"))
    expect(row).to_contain_text("1栋2单元门口")
    expect(page.get_by_test_id("notes-empty")).to_be_visible()  # first visit: nothing waits
    # Leave; two alerts open while away (one serious), then come back.
    page.goto("/#/alerts")
    seed_alert(live.db, 201, "U1b", "G1b", "vacancy_warning", 0.4)
    seed_alert(live.db, 202, "U1", "G1", "elderly_not_seen", 0.9)
    page.goto("/#/overview")
    notes = page.locator("[data-testid=notifications] li")
    expect(notes).to_have_count(2)
    expect(page.get_by_test_id("unread-count")).to_contain_text("2")
    expect(notes.first).to_have_class("feed-item note unread serious")  # serious first
    expect(notes.first).to_contain_text(say("type.elderly_not_seen"))
    expect(notes.first).to_contain_text("1栋2单元0501")
    expect(notes.nth(1)).not_to_have_class("serious")
    expect(page.get_by_test_id("open-by-grid")).to_contain_text("第二网格")
    shot(page, "overview-unread")
    page.get_by_test_id("mark-read").click()
    expect(page.locator("[data-testid=notifications] li.unread")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("notes-empty")).to_be_visible()  # read: not shown again
    expect(page.locator("[data-testid=notifications] li")).to_have_count(0)
