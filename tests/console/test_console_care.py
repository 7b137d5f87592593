"""Care checks in the console (issue 16 item 8): the inspector finds the welfare check
among their tasks, calls (nobody answers), visits and records what they found; a manager
enters an absence a family phoned in and confirms it. Both languages' text is checked
(no English in the Chinese console, no 'null')."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
from console_kit import login, say, seed_alert, shot, shot_language, watched_page
from platform_live import Live
from playwright.sync_api import Browser, Page, expect

from anju_platform.services import care as care_service
from anju_platform.workflow.reports import building_code


def _care_job(live: Live) -> None:
    with psycopg.connect(live.db, autocommit=True) as conn:
        care_service.sync_job(conn, live.settings)


def test_inspector_phones_then_visits_and_records_the_outcome(page: Page, live: Live) -> None:
    seed_alert(live.db, 301, "U1", "G1", "elderly_not_seen", 1.0)
    _care_job(live)
    with psycopg.connect(live.db) as conn:
        conn.execute("UPDATE persons SET phone = '13800000001' WHERE person_id = 'P1'")
    page.goto("/")
    shot_language(page)
    login(page, "inspector")
    mine = page.get_by_test_id("my-care")  # among the inspector's tasks
    expect(mine.locator("[data-task-id]")).to_have_count(1)
    page.get_by_test_id("nav-care").click()
    cards = page.locator("[data-testid=care-tasks] [data-task-id]")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(say("careStatus.call"))
    expect(cards.first).to_contain_text("0501")
    shot(page, "care-list")
    cards.first.click()
    expect(page.get_by_test_id("care-members")).to_contain_text("王芳")
    expect(page.locator("a[href='tel:13800000001']")).to_be_visible()
    form = page.get_by_test_id("contact-form")
    form.locator("select[name=result]").select_option("no_answer")
    form.locator("textarea[name=notes]").fill("打了两次，无人接听")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("care-detail-status")).to_contain_text(say("careStatus.visit"))
    form = page.get_by_test_id("contact-form")
    expect(form.locator("select[name=kind]")).to_have_value("visit")  # nobody answered: go
    form.locator("select[name=result]").select_option("needed_help")
    form.locator("textarea[name=notes]").fill("老人摔倒，已联系家属送医")
    form.locator("button[type=submit]").click()
    status = page.get_by_test_id("care-detail-status")
    expect(status).to_contain_text(say("careStatus.done"))
    expect(status).to_contain_text(say("careResult.needed_help"))
    rows = page.locator("[data-testid=care-contacts] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text(say("contactKind.visit"))
    expect(page.get_by_test_id("contact-form")).to_have_count(0)  # closed: nothing to record
    expect(page.locator("a[href^='tel:']")).to_have_count(0)  # and no number any more
    shot(page, "care-task")
    with psycopg.connect(live.db) as conn:
        row = conn.execute("SELECT status, result FROM care_tasks").fetchone()
    assert row == ("done", "needed_help")


def test_manager_enters_a_phoned_absence_and_confirms_it(page: Page, live: Live) -> None:
    page.goto("/")
    shot_language(page)
    login(page, "manager")
    page.get_by_test_id("nav-care").click()
    expect(page.get_by_test_id("care-count")).to_be_visible()
    form = page.get_by_test_id("absence-form")
    today = date.today()
    form.locator("select[name=unit_id]").select_option("U1")
    form.locator("input[name=starts_on]").fill(str(today))
    form.locator("input[name=ends_on]").fill(str(today + timedelta(days=14)))
    form.locator("input[name=note]").fill("去女儿家住两周")
    form.locator("input[name=contact]").fill("女儿 13900000002")
    form.locator("button[type=submit]").click()
    rows = page.locator("[data-testid=absences] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(say("care.source.phone"))
    shot(page, "care-absences")
    rows.first.get_by_test_id("absence-confirm").click()
    expect(page.locator("[data-testid=absences]")).to_have_count(0)  # nothing left to confirm
    with psycopg.connect(live.db) as conn:
        got = conn.execute(
            "SELECT a.starts_on, a.ends_on, a.approved_by FROM absence_reports r"
            " JOIN absences a USING (absence_id) WHERE r.status = 'confirmed'"
        ).fetchall()
    assert got == [(today, today + timedelta(days=14), "manager")]


def test_a_family_reports_an_absence_on_the_poster_form(browser: Browser, live: Live) -> None:
    """Phone-sized, no login: the QR poster's form with the 'away' choice."""
    code = building_code(live.settings.signing_key(), "E1", "B1")
    today = date.today()
    with watched_page(browser, live.url, viewport={"width": 375, "height": 740}) as page:
        page.goto(f"/r/{code}")
        expect(page.locator("#away")).to_be_hidden()
        page.locator("#category").select_option("away")
        expect(page.locator("#away")).to_be_visible()
        page.locator("#send").click()  # no flat, no dates: told so, nothing sent
        expect(page.locator("#msg")).to_contain_text("请填写房号")
        page.locator("#unit_number").fill("0501")
        page.locator("#away_from").fill(str(today))
        page.locator("#away_to").fill(str(today + timedelta(days=10)))
        page.locator("#contact").fill("儿子 13700000003")
        page.locator("#send").click()
        expect(page.locator("#done")).to_contain_text("外出报备", timeout=20_000)
    with psycopg.connect(live.db) as conn:
        rows = conn.execute(
            "SELECT unit_id, source, status, starts_on, ends_on, contact FROM absence_reports"
        ).fetchall()
        alerts = conn.execute("SELECT count(*) FROM alerts").fetchone()
    assert rows == [("U1", "resident", "pending", today, today + timedelta(days=10),
                     "儿子 13700000003")]  # fmt: skip
    assert alerts == (0,)  # an absence is not a complaint
