"""Accounts page (admins): create an inspector with a grid picked from a list, change the
role and scope, reset the password, disable and enable again; each change reaches the
database, takes effect on login, and shows in the account's audit trail."""

from __future__ import annotations

import psycopg
from console_kit import login, say, shot, shot_language
from platform_live import Live
from playwright.sync_api import Browser, Page, expect


def _scopes(live: Live, user: str) -> list[tuple[str, str]]:
    with psycopg.connect(live.db) as conn:
        rows = conn.execute(
            "SELECT kind, ref_id FROM user_scopes WHERE user_id = %s ORDER BY kind, ref_id",
            (user,),
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def test_admin_manages_an_account(page: Page, live: Live, browser: Browser) -> None:
    page.goto("/")
    shot_language(page)
    login(page, "admin")
    page.get_by_test_id("nav-users").click()
    expect(page.locator("[data-testid=users] tbody tr")).to_have_count(4)
    form = page.get_by_test_id("user-create")
    form.get_by_test_id("user-id").fill("zhang.wei")
    form.get_by_test_id("user-name").fill("张伟")
    form.get_by_test_id("user-role").select_option("inspector")
    expect(form.get_by_test_id("pick-estates")).to_be_hidden()  # only the role's picker
    grids = form.get_by_test_id("pick-grids")
    expect(grids).to_contain_text("第一网格")
    grids.get_by_label("第一网格", exact=False).check()
    form.get_by_role("button", name=say("users.generate")).click()
    password = form.get_by_test_id("user-password").input_value()
    assert len(password) == 14
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("user-title")).to_contain_text("张伟")
    expect(page.get_by_test_id("user-result")).to_contain_text(say("users.created"))
    assert _scopes(live, "zhang.wei") == [("grid", "G1")]
    assert live.login("zhang.wei", password).status_code == 200
    # The audit trail of the account, translated.
    trail = page.get_by_test_id("user-trail")
    expect(trail).to_contain_text(say("auditAction.create"))
    expect(trail).to_contain_text(say("role.inspector"))
    # A taken login is refused in the page's language.
    page.goto("/#/users")
    form = page.get_by_test_id("user-create")
    form.get_by_test_id("user-id").fill("zhang.wei")
    form.get_by_test_id("user-name").fill("另一人")
    form.get_by_test_id("user-password").fill("x" * 12)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("user-create-result")).to_contain_text(say("users.exists"))
    shot(page, "users")
    # Make them manager of the first estate.
    page.locator("[data-user-id='zhang.wei'] a").click()
    edit = page.get_by_test_id("user-edit")
    edit.get_by_test_id("user-role").select_option("manager")
    edit.get_by_test_id("pick-estates").get_by_label("幸福里小区", exact=False).check()
    edit.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text(say("users.saved"))
    assert _scopes(live, "zhang.wei") == [("estate", "E1")]
    with psycopg.connect(live.db) as conn:
        assert conn.execute("SELECT role FROM users WHERE user_id = 'zhang.wei'").fetchone() == (
            "manager",
        )
    # Reset the password: the old one stops working, the new one works.
    reset = page.get_by_test_id("user-reset")
    reset.get_by_test_id("reset-password").fill("new password 2026")
    reset.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text(say("users.passwordReset"))
    assert live.login("zhang.wei", password).status_code == 401
    r = live.login("zhang.wei", "new password 2026")
    assert r.status_code == 200
    token = r.json()["access_token"]
    # Disable (after a confirm): the open session ends, login is refused.
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("user-toggle").click()
    expect(page.get_by_test_id("user-state")).to_have_text(say("users.disabled"))
    with live.client() as c:
        me = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    assert live.login("zhang.wei", "new password 2026").status_code == 401
    trail = page.get_by_test_id("user-trail")
    for action in ("create", "update", "login", "login_failed"):  # newest first, all there
        expect(trail.locator(f"td[data-action={action}]").first).to_be_visible()
    expect(trail).to_contain_text(say("auditField.active"))  # what changed, as a field
    shot(page, "user-account")
    page.get_by_test_id("user-toggle").click()
    expect(page.get_by_test_id("user-state")).to_have_text(say("users.active"))
    assert live.login("zhang.wei", "new password 2026").status_code == 200
    # The last active admin cannot step down: refused in the page's language (409).
    page.goto("/#/users/admin")
    edit = page.get_by_test_id("user-edit")
    edit.get_by_test_id("user-role").select_option("manager")
    edit.locator("button[type=submit]").click()
    expect(page.get_by_test_id("user-result")).to_contain_text(say("users.last_admin"))
    # Managers have no accounts page.
    page.get_by_test_id("logout").click()
    login(page, "manager")
    expect(page.get_by_test_id("nav-users")).to_have_count(0)
    page.goto("/#/users")
    expect(page.locator(".notice.error")).to_be_visible()
