"""Inspection workflow in the browser: an inspector sees only their grid's cases, opens
one, records the visit; the authority decides; a manager may assign; my tasks on a phone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from console_kit import (
    case_of,
    login,
    say,
    seed_alert,
    shot,
    shot_language,
    sync_cases,
    watched_page,
)
from platform_live import Live
from playwright.sync_api import Browser, Page, expect


def _seed(live: Live) -> None:
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    seed_alert(live.db, 102, "U1b", "G1b", "overcrowding", 0.88)
    sync_cases(live)


def _visits(live: Live, case_id: int) -> list[tuple[str, str, str | None]]:
    with psycopg.connect(live.db) as conn:
        return [
            (r[0], r[1], r[2])
            for r in conn.execute(
                "SELECT inspector_id, outcome, notes FROM case_visits WHERE case_id = %s",
                (case_id,),
            )
        ]


def test_inspector_records_a_visit_outcome(page: Page, live: Live, faces_dir: Path) -> None:
    _seed(live)
    case = case_of(live, 101)
    login(page, "inspector")
    # Inspectors land on their task list: only the case of their grid.
    expect(page.locator("[data-testid=tasks] a")).to_have_count(1)
    expect(page.locator("[data-testid=tasks] a").first).to_have_attribute("data-case-id", str(case))
    page.get_by_test_id("nav-alerts").click()
    expect(page.locator("[data-testid=alert-table] tbody tr")).to_have_count(1)
    expect(page.locator("[data-alert-id='102']")).to_have_count(0)
    page.locator("[data-alert-id='101'] a").click()
    expect(page.get_by_test_id("detail-title")).to_contain_text("转租转借 · 1栋2单元0501")
    expect(page.get_by_test_id("detail-title")).to_contain_text("#101")
    expect(page.get_by_test_id("case-status")).to_have_text("待核查")
    expect(page.get_by_test_id("reasons")).to_contain_text("28 天内登记成员仅出现 2 天")
    expect(page.get_by_test_id("reasons")).to_contain_text("members seen on 2 of 28 days")
    expect(page.get_by_test_id("where")).to_contain_text("幸福路 8 号")  # where, floor, entrance
    expect(page.get_by_test_id("where")).to_contain_text("5 层")
    expect(page.get_by_test_id("household")).to_contain_text("王芳")
    expect(page.locator("[data-testid=evidence] li")).to_have_count(3)
    expect(page.locator("[data-testid=evidence]")).to_contain_text("陌生人出现")
    expect(page.locator("[data-testid=qr-scans] li")).to_have_count(1)
    expect(page.locator("[data-testid=qr-scans]")).to_contain_text("访客码 7731")
    # The role's actions only: no assignment, no decision, no face thumbnails.
    expect(page.get_by_test_id("assign-form")).to_have_count(0)
    expect(page.get_by_test_id("decision-form")).to_have_count(0)
    expect(page.get_by_test_id("thumb")).to_have_count(0)
    page.get_by_test_id("outcome-confirmed").check()
    page.get_by_test_id("visit-notes").fill("两名租客在场，承认转租 <b>")
    page.locator("[data-testid=visit-form] input[name=photo]").set_input_files(
        str(faces_dir / "obama" / "1.jpg")
    )
    page.get_by_role("button", name="保存核查结果").click()
    expect(page.get_by_test_id("case-status")).to_have_text("核查属实，待决定")
    expect(page.locator("[data-testid=visits] > li")).to_have_count(1)
    expect(page.locator("[data-testid=visits]")).to_contain_text("两名租客在场，承认转租 <b>")
    assert _visits(live, case) == [("inspector", "confirmed", "两名租客在场，承认转租 <b>")]
    # The visit photo was uploaded and is shown (fetched with the token).
    page.wait_for_function(
        "() => { const i = document.querySelector('.thumbs [data-testid=thumb]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    # An inspector cannot open another grid's case, even by its address.
    other = case_of(live, 102)
    page.goto(f"/#/case/{other}")
    expect(page.locator(".notice.error")).to_be_visible()
    page.goto(f"/#/case/{case}")
    shot_language(page)
    expect(page.get_by_test_id("case-status")).to_have_text(say("caseStatus.confirmed"))
    shot(page, "case-detail")


def test_authority_decides_and_manager_assigns(browser: Browser, page: Page, live: Live) -> None:
    _seed(live)
    case = case_of(live, 101)
    with live.client("inspector") as c:
        r = c.post(f"/api/v1/cases/{case}/visits", json={"outcome": "confirmed"})
        assert r.status_code == 200, r.text
    login(page, "manager")
    page.goto(f"/#/case/{case_of(live, 102)}")
    expect(page.get_by_test_id("assign-form")).to_be_visible()
    expect(page.get_by_test_id("decision-form")).to_have_count(0)
    page.get_by_test_id("logout").click()
    login(page, "authority")
    page.goto(f"/#/case/{case}")
    expect(page.get_by_test_id("visit-form")).to_have_count(0)
    form = page.get_by_test_id("decision-form")
    form.locator("select[name=decision]").select_option("warning")
    form.locator("textarea[name=note]").fill("首次违规，书面警告")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已决定")
    with page.expect_download() as dl:
        page.get_by_test_id("evidence-pack").click()
    assert dl.value.suggested_filename == f"case-{case}.html"
    pack = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "<html" in pack.lower() and "首次违规，书面警告" in pack
    with psycopg.connect(live.db) as conn:
        row = conn.execute(
            "SELECT decision, decided_by FROM case_decisions WHERE case_id = %s", (case,)
        ).fetchone()
    assert row == ("warning", "authority")


def test_my_tasks_on_a_phone(browser: Browser, live: Live) -> None:
    _seed(live)
    seed_alert(live.db, 103, "U1", "G1", "card_clone", 0.7)
    sync_cases(live)
    ctx = browser.new_context(
        base_url=live.url,
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = ctx.new_page()
    try:
        login(page, "inspector")
        cards = page.locator("[data-testid=tasks] a")
        expect(cards).to_have_count(2)
        # Nothing wider than the screen; big touch targets.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for i in range(2):
            box = cards.nth(i).bounding_box()
            assert box is not None
            assert box["width"] >= 320 and box["x"] >= 0 and box["x"] + box["width"] <= 375
            assert box["height"] >= 64
        shot_language(page)
        expect(cards).to_have_count(2)
        shot(page, "my-tasks-phone")
        cards.first.tap()
        expect(page.get_by_test_id("visit-form")).to_be_visible()
        choice = page.locator(".choice").first
        box = choice.bounding_box()
        assert box is not None and box["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.get_by_test_id("outcome-no_access").check()
        page.get_by_role("button", name=say("case.saveVisit")).tap()
        expect(page.locator("[data-testid=visits] > li")).to_have_count(1)
        expect(page.get_by_test_id("case-status")).to_have_text(
            say("caseStatus.open")
        )  # still open
    finally:
        ctx.close()


def test_face_thumbnails_only_for_roles_allowed(page: Page, live: Live, faces_dir: Path) -> None:
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    event_id = str(uuid.uuid4())
    with live.client("admin") as c:
        gw_token = c.post("/api/v1/gateways/GW1/token").json()["token"]
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Bearer {gw_token}"}, timeout=60
    ) as c:
        r = c.put(
            f"/api/v1/gateways/GW1/snapshots/{event_id}",
            params={"taken_at": "2026-01-05T08:00:00+08:00"},
            content=(faces_dir / "obama" / "1.jpg").read_bytes(),
            headers={"Content-Type": "image/jpeg"},
        )
        assert r.status_code == 201, r.text
    with psycopg.connect(live.db) as conn:
        conn.execute(
            "INSERT INTO alert_evidence (alert_id, key, at, day, kind, event_id, snapshot_ref,"
            " note) VALUES (101, 'face', now(), current_date, 'stranger_day', %s, 'snap-1',"
            " 'unregistered person seen (face)')",
            (event_id,),
        )
    sync_cases(live)
    login(page, "manager")
    page.goto("/#/alert/101")
    thumb = page.get_by_test_id("thumb")
    expect(thumb).to_have_count(1)
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=thumb]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    page.get_by_test_id("logout").click()
    login(page, "inspector")
    page.goto("/#/alert/101")
    expect(page.locator("[data-testid=evidence] li")).to_have_count(4)
    expect(page.get_by_test_id("thumb")).to_have_count(0)


def test_not_confirmed_shows_what_happens_next(page: Page, live: Live) -> None:
    _seed(live)
    case = case_of(live, 101)
    login(page, "inspector")
    page.goto(f"/#/case/{case}")
    page.get_by_test_id("outcome-not_confirmed").check()
    page.get_by_test_id("visit-reason").select_option("registered_caregiver")
    # a minute ago on the estate's clock (UTC+8), whatever the browser's time zone
    typed_at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    typed = (typed_at + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    page.locator("input[name=visited_at]").fill(typed)
    page.get_by_role("button", name="保存核查结果").click()
    expect(page.get_by_test_id("case-status")).to_have_text("核查不属实")
    expect(page.locator("[data-testid=visits]")).to_contain_text("已登记的护理人员")
    # the visit card shows the time as typed, on the estate's clock
    expect(page.locator("[data-testid=visits]")).to_contain_text(typed.replace("T", " "))
    with psycopg.connect(live.db) as conn:
        row = conn.execute(
            "SELECT outcome, reason, visited_at FROM case_visits WHERE case_id = %s", (case,)
        ).fetchone()
    assert row is not None and row[:2] == ("not_confirmed", "registered_caregiver")
    assert row[2] == typed_at  # stored in UTC
    expect(page.get_by_test_id("visit-form")).to_have_count(0)  # the case is done
    # From the inbox (dismissed alerts) the alert still leads to its finished case.
    page.goto("/#/alerts?status=dismissed")
    page.locator("[data-alert-id='101'] a").click()
    expect(page.get_by_test_id("case-status")).to_have_text("核查不属实")
    expect(page.locator("[data-testid=visits] > li")).to_have_count(1)


def test_inspector_phone_flow_with_photos(browser: Browser, live: Live, faces_dir: Path) -> None:
    """375 px: from the task list to a recorded visit with two photos, a third added later;
    where / who / what before the form; the tenant's phone only for the assignee (audited);
    the form's message in the page's language; the task card shows the visit was tried."""
    _seed(live)
    case = case_of(live, 101)
    with live.client("manager") as c:  # the register keeps a phone, never lists it
        r = c.patch("/api/v1/persons/P1", json={"phone": "138 0000 0001"})
        assert r.status_code == 200, r.text
        assert "phone" not in r.json() and "phone" not in c.get("/api/v1/persons/P1").json()
    photos = [str(next((faces_dir / w).glob("*.jpg"))) for w in ("biden", "kit_harington")]
    phone = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
    with watched_page(browser, live.url, **phone) as page:
        page.goto("/")
        shot_language(page)
        login(page, "inspector")
        page.locator("[data-testid=tasks] a").first.tap()
        expect(page.get_by_test_id("back")).to_have_text(f"← {say('tasks.title')}")
        # where, who and what come before the form
        tops = [
            page.get_by_test_id(t).bounding_box()["y"]  # type: ignore[index]
            for t in ("where", "household", "what", "evidence", "visit-form")
        ]
        assert tops == sorted(tops), tops
        expect(page.get_by_test_id("where")).to_contain_text("1栋2单元0501")
        expect(page.get_by_test_id("phone")).to_have_text("138 0000 0001")
        assert page.get_by_test_id("phone").get_attribute("href") == "tel:13800000001"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        shot(page, "case-phone")
        # no outcome chosen: the page says so in its own language (no browser bubble)
        page.get_by_role("button", name=say("case.saveVisit")).tap()
        expect(page.get_by_test_id("visit-form-message")).to_have_text(say("case.chooseOutcome"))
        page.get_by_test_id("outcome-no_access").check()
        page.get_by_test_id("visit-notes").fill("敲门无人应答，邻居说白天上班")
        page.get_by_test_id("visit-photos").set_input_files(photos)
        page.get_by_role("button", name=say("case.saveVisit")).tap()
        card = page.locator("[data-testid=visits] > li")
        expect(card).to_have_count(1)
        expect(card.get_by_test_id("thumb")).to_have_count(2)
        expect(page.get_by_test_id("case-status")).to_have_text(say("caseStatus.open"))
        # a third photo for the same visit, later
        card.get_by_test_id("more-photos").set_input_files(str(faces_dir / "obama" / "1.jpg"))
        card.get_by_role("button", name=say("case.upload")).tap()
        expect(page.locator("[data-testid=visits] > li").get_by_test_id("thumb")).to_have_count(3)
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=visits] img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.get_by_test_id("back").tap()
        tried = page.locator(f"[data-case-id='{case}'] [data-testid=task-tried]")
        expect(tried).to_contain_text(say("outcome.no_access"))
        shot(page, "my-tasks-tried-phone")
    with psycopg.connect(live.db) as conn:
        n = conn.execute(
            "SELECT count(*), count(DISTINCT visit_id) FROM case_photos WHERE case_id = %s",
            (case,),
        ).fetchone()
        reads = conn.execute(
            "SELECT actor_id, detail->'persons' FROM audit_log WHERE action = 'read_phone'"
        ).fetchall()
    assert n == (3, 1)
    assert reads and {r[0] for r in reads} == {"inspector"} and reads[0][1] == ["P1"]
    # Anyone else reading the case (here the manager) gets no phone number.
    with live.client("manager") as c:
        members = c.get(f"/api/v1/cases/{case}").json()["household"]["members"]
    assert members and all(m["phone"] is None for m in members)
