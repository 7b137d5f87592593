"""Face calibration page (人脸比对校准, issue 18 item 1) on a real calibration: real photos
enrolled through the API and recognised sightings stored as ingest stores them. The
admin recalibrates from the page and sees the numbers and the histogram; a manager
reads the same page without the button; an inspector has no such page."""

from __future__ import annotations

from pathlib import Path

from console_kit import login, say, shot, shot_language, watched_page
from platform_live import Live
from playwright.sync_api import Browser, Page, expect
from test_face_calibration import add_sightings, enroll_western


def _bars(page: Page, kind: str) -> int:
    return page.locator(f"[data-testid=calibration-histogram] rect.bar.{kind}").count()


def test_admin_recalibrates_and_a_manager_reads(
    page: Page, live: Live, browser: Browser, faces_dir: Path
) -> None:
    enroll_western(live, faces_dir)
    sightings = add_sightings(live, faces_dir)
    page.goto("/")
    shot_language(page)
    login(page, "admin")
    page.get_by_test_id("nav-calibration").click()
    expect(page.get_by_text(say("calibration.none"))).to_be_visible()
    expect(page.get_by_test_id("calibration-histogram")).to_have_count(0)
    page.get_by_test_id("calibration-recalibrate").click()
    expect(page.get_by_test_id("calibration-result")).to_contain_text(
        say("calibration.done").split("{")[0]
    )
    with live.client("admin") as c:
        cal = c.get("/api/v1/estates/E1/face-calibration").json()
    assert cal["calibrated"] is True
    # the page shows the stored calibration: threshold, miss rate, state
    expect(page.get_by_test_id("calibration-value")).to_have_text(f"{cal['threshold']:.4f}")
    expect(page.get_by_test_id("calibration-miss")).to_have_text("0.0%")
    expect(page.get_by_test_id("calibration-state")).to_have_text(say("calibration.calibrated"))
    # the histogram is drawn: one bar per non-empty bin of each distribution, the
    # threshold line, and the genuine bars hold every sighting
    hist = cal["report"]["histogram"]
    assert sum(hist["genuine"]) == sightings
    expect(page.locator("[data-testid=calibration-histogram] rect.bar.genuine")).to_have_count(
        sum(1 for n in hist["genuine"] if n)
    )
    assert _bars(page, "impostor") == sum(1 for n in hist["impostor"] if n) > 0
    expect(page.get_by_test_id("calibration-threshold-line")).to_contain_text(
        f"{cal['threshold']:.3f}"
    )
    box = page.get_by_test_id("calibration-histogram").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    heights = page.locator("[data-testid=calibration-histogram] rect.bar").evaluate_all(
        "(rects) => rects.map((r) => r.getBBox().height)"
    )
    assert heights and all(h > 0 for h in heights)
    shot(page, "calibration")

    with watched_page(browser, live.url) as manager:
        manager.goto("/")
        shot_language(manager)
        login(manager, "manager")
        manager.get_by_test_id("nav-calibration").click()
        expect(manager.get_by_test_id("calibration-histogram")).to_be_visible()
        expect(manager.get_by_test_id("calibration-value")).to_have_text(f"{cal['threshold']:.4f}")
        expect(manager.get_by_test_id("calibration-admin-only")).to_be_visible()
        expect(manager.get_by_test_id("calibration-recalibrate")).to_have_count(0)

    with watched_page(browser, live.url) as inspector:
        inspector.goto("/")
        shot_language(inspector)
        login(inspector, "inspector")
        expect(inspector.get_by_test_id("nav-tasks")).to_be_visible()
        expect(inspector.get_by_test_id("nav-calibration")).to_have_count(0)
        inspector.goto("/#/calibration")
        expect(inspector.get_by_text(say("app.notFound"))).to_be_visible()
        expect(inspector.get_by_test_id("calibration-histogram")).to_have_count(0)
