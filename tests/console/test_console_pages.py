"""Register, performance report, patrol landing and audit pages against the live API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
from console_kit import login, say, seed_alert, shot, shot_language, sync_cases
from platform_live import Live
from playwright.sync_api import Page, expect


def test_register_household_and_enrollment(page: Page, live: Live, faces_dir: Path) -> None:
    page.goto("/")
    shot_language(page)
    login(page, "manager")
    page.get_by_test_id("nav-register").click()
    page.locator("[data-household-id=H1] a").click()
    members = page.locator("[data-testid=members] tbody tr")
    expect(members).to_have_count(1)
    expect(members.first).to_contain_text("王芳")
    expect(members.first).to_contain_text(say("memberRole.lease_holder"))
    expect(page.get_by_test_id("credentials")).to_contain_text("C1")
    expect(page.get_by_text(say("register.noEnrollments"))).to_be_visible()
    form = page.get_by_test_id("enroll-form")
    form.locator("input[name=photo]").set_input_files(str(faces_dir / "obama" / "1.jpg"))
    form.locator("input[name=consent_ref]").fill("consent-2025-017")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=enrollments] tbody tr")).to_have_count(1, timeout=60_000)
    expect(page.get_by_test_id("enrollments")).to_contain_text("consent-2025-017")
    with psycopg.connect(live.db) as conn:
        row = conn.execute("SELECT person_id, consent_ref FROM face_enrollments").fetchone()
    assert row == ("P1", "consent-2025-017")
    shot(page, "register-household")
    # Without consent the form does not submit (the API would refuse with 400 too).
    form = page.get_by_test_id("enroll-form")
    form.locator("input[name=photo]").set_input_files(str(faces_dir / "obama" / "1.jpg"))
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=enrollments] tbody tr")).to_have_count(1)
    # Inspectors see the household of their grid, never credentials or enrollments.
    page.get_by_test_id("logout").click()
    login(page, "inspector")
    page.goto("/#/household/H1")
    expect(page.locator("[data-testid=members] tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("credentials")).to_have_count(0)
    expect(page.get_by_test_id("enroll-form")).to_have_count(0)


def test_performance_report_csv_and_print(page: Page, live: Live) -> None:
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    seed_alert(live.db, 102, "U1b", "G1b", "overcrowding", 0.88)
    sync_cases(live)
    with psycopg.connect(live.db) as conn:
        row = conn.execute("SELECT case_id FROM cases WHERE alert_id = 101").fetchone()
    assert row is not None
    with live.client("inspector") as c:
        r = c.post(f"/api/v1/cases/{row[0]}/visits", json={"outcome": "confirmed"})
        assert r.status_code == 200, r.text
    month = datetime.now(UTC).strftime("%Y-%m")
    page.goto("/")
    shot_language(page)
    login(page, "manager")
    page.goto(f"/#/performance?month={month}")
    table = page.get_by_test_id("perf-table")
    expect(table.locator("tbody tr")).to_have_count(3)  # G1, G1b, total
    g1 = table.locator("tbody tr", has_text="第一网格").first
    expect(g1.locator("td").nth(0)).to_have_text("1")  # alerts opened
    expect(g1.locator("td").nth(1)).to_have_text("1")  # handled
    total = table.locator("tr.total")
    expect(total.locator("td").nth(0)).to_have_text("2")
    with page.expect_download() as dl:
        page.get_by_test_id("perf-csv").click()
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    assert b"alerts_opened" in data.splitlines()[0]
    assert dl.value.suggested_filename == f"performance-E1-{month}.csv"
    expect(page.locator(".notice")).to_have_count(0)
    shot(page, "performance")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_test_id("perf-csv")).to_be_hidden()
    expect(table).to_be_visible()
    # Inspectors have no report.
    page.emulate_media(media="screen")
    page.get_by_test_id("logout").click()
    login(page, "inspector")
    expect(page.get_by_test_id("nav-performance")).to_have_count(0)


def test_patrol_poster_landing_records_a_scan_after_login(page: Page, live: Live) -> None:
    from anju_platform.workflow.patrols import checkpoint_code

    with live.client("admin") as c:
        r = c.post(
            "/api/v1/checkpoints",
            json={"checkpoint_id": "CP1", "estate_id": "E1", "grid_id": "G1", "name": "1栋 楼顶"},
        )
        assert r.status_code == 201, r.text
    code = checkpoint_code(live.settings.signing_key(), "CP1")
    page.goto(f"/p/{code}")  # what the poster's QR code opens
    expect(page.get_by_test_id("login-form")).to_be_visible()
    login(page, "inspector", path=f"/p/{code}")
    expect(page.get_by_test_id("patrol-result")).to_contain_text("已记录巡查：1栋 楼顶")
    page.reload()  # re-rendering the same landing does not scan again
    expect(page.get_by_test_id("patrol-result")).to_contain_text("本次扫码已记录")
    page.get_by_test_id("patrol-code").fill("not-a-code")
    page.get_by_role("button", name="打卡").click()
    expect(page.locator("[data-testid=patrol-result] .notice.error")).to_be_visible()
    with psycopg.connect(live.db) as conn:
        rows = conn.execute("SELECT checkpoint_id, user_id FROM patrol_scans").fetchall()
    assert rows == [("CP1", "inspector")]


def test_audit_view_for_admins(page: Page, live: Live) -> None:
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    with live.client("manager") as c:  # three views in a row: one row that opens
        for _ in range(3):
            assert c.get("/api/v1/alerts/101").status_code == 200
    login(page, "admin")
    page.get_by_test_id("nav-audit").click()
    grouped = page.locator("[data-testid=audit-table] tr[data-audit-group='3']")
    expect(grouped).to_contain_text("查看 3 次")
    expect(grouped).to_contain_text("预警")
    grouped.locator("summary").click()
    expect(grouped.locator("li")).to_have_count(3)
    page.get_by_test_id("nav-audit").click()
    rows = page.locator("[data-testid=audit-table] tbody tr")
    expect(rows.first).to_be_visible()
    page.get_by_test_id("audit-action").select_option("login")  # a list, translated
    page.get_by_role("button", name="筛选").click()
    expect(rows.first).to_contain_text("登录")
    actions = rows.locator("td[data-action]").evaluate_all(
        "tds => tds.map(td => td.dataset.action)"
    )
    assert actions and set(actions) == {"login"}
    assert set(rows.locator("td:nth-child(4)").all_text_contents()) == {"登录"}
    page.get_by_test_id("logout").click()
    login(page, "manager")
    expect(page.get_by_test_id("nav-audit")).to_have_count(0)


def test_reports_and_posters(page: Page, live: Live) -> None:
    with psycopg.connect(live.db) as conn:
        conn.execute(
            "INSERT INTO resident_reports (estate_id, building_id, unit_id, category, body,"
            " client_key) VALUES ('E1', 'B1', 'U1', 'sublet', %s, 'k')",
            ("<script>x</script> 楼上多人合租",),
        )
    login(page, "manager")
    page.get_by_test_id("nav-reports").click()
    row = page.locator("[data-testid=reports] tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("<script>x</script> 楼上多人合租")
    expect(row.first).to_contain_text("匿名")
    expect(row.first).to_contain_text("转租转借")
    with page.expect_download() as dl:
        page.locator("[data-building-id=B1] button").click()
    assert dl.value.suggested_filename == "report-poster-B1.html"
    poster = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "<svg" in poster and "/r/" in poster
    form = page.get_by_test_id("checkpoint-form")
    form.locator("input[name=checkpoint_id]").fill("CP9")
    form.locator("input[name=name]").fill("2栋 楼顶")
    form.locator("select[name=grid_id]").select_option("G1")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-checkpoint-id=CP9]")).to_contain_text("2栋 楼顶")
    with psycopg.connect(live.db) as conn:
        cp = conn.execute(
            "SELECT estate_id, grid_id, name FROM checkpoints WHERE checkpoint_id = 'CP9'"
        ).fetchone()
    assert cp == ("E1", "G1", "2栋 楼顶")
    with page.expect_download() as dl:
        page.locator("[data-checkpoint-id=CP9] button").click()
    assert "/p/" in Path(dl.value.path()).read_text(encoding="utf-8")
    # Inspectors have neither the reports (contacts are personal data) nor posters.
    page.get_by_test_id("logout").click()
    login(page, "inspector")
    expect(page.get_by_test_id("nav-reports")).to_have_count(0)


def test_erase_a_person_from_the_household_page(page: Page, live: Live) -> None:
    login(page, "manager")
    page.goto("/#/household/H1")
    form = page.get_by_test_id("erase-form")
    form.locator("select[name=reason]").select_option("request")
    form.locator("input[name=note]").fill("PIPL-2025-003")
    form.locator("button[type=submit]").click()  # not confirmed: the form does not submit
    with psycopg.connect(live.db) as conn:
        assert conn.execute("SELECT count(*) FROM erasures").fetchone() == (0,)
    page.get_by_test_id("erase-sure").check()
    page.get_by_test_id("erase-form").locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("P1")
    with psycopg.connect(live.db) as conn:
        row = conn.execute("SELECT person_id, reason, requested_by FROM erasures").fetchone()
        name = conn.execute("SELECT name FROM persons WHERE person_id = 'P1'").fetchone()
    assert row == ("P1", "request", "manager")
    assert name is not None and name[0] != "王芳"
    expect(page.locator("[data-testid=members]")).not_to_contain_text("王芳")
