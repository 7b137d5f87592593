"""The console is served by the platform (no CDN, no build), logs in, shows only the
alerts a role may see, switches language, and keeps data out of the HTML parser."""

from __future__ import annotations

import hashlib
import re

from console_kit import dictionary, login, seed_alert, shot, shot_language
from platform_live import Live
from playwright.sync_api import Page, expect

from anju_platform.console.dictionary import vocabulary_terms

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def test_served_by_the_platform_with_a_strict_policy(live: Live) -> None:
    with live.client() as c:  # 60 s: the first /openapi.json is slow on a busy box
        index = c.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        csp = index.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "connect-src 'self'" in csp
        assert '<script type="module" src="/static/js/main.js">' in index.text
        js = c.get("/static/js/main.js")
        assert js.status_code == 200 and "javascript" in js.headers["content-type"]
        assert c.get("/p/CHECKPOINT-1").text == index.text  # patrol poster landing
        assert c.get("/static/../app.py").status_code == 404
        assert c.get("/static/js/nope.js").status_code == 404
        # Not part of the API schema.
        paths = c.get("/openapi.json").json()["paths"]
        assert "/" not in paths and not any(p.startswith("/static") for p in paths)


def test_no_external_assets(live: Live) -> None:
    """Every file the console ships refers only to its own origin."""
    from anju_platform.console.routes import STATIC

    vendor = STATIC / "vendor"
    for f in STATIC.rglob("*"):
        if f.is_relative_to(vendor):
            continue  # third-party files, checked against their recorded hash below
        if f.suffix in (".html", ".js", ".css"):
            # the SVG namespace is a name (createElementNS), never fetched
            text = f.read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
            assert not re.search(r"https?://", text), f"external URL in {f}"
            assert "innerHTML" not in text and "insertAdjacentHTML" not in text, f
            assert "@import" not in text and "@font-face" not in text, f
    # Vendored: exactly the file whose version, licence and hash are recorded next to it.
    for lib in vendor.iterdir():
        record = (lib / "VERSION").read_text(encoding="utf-8")
        assert (lib / "LICENSE").is_file()
        for digest, name in re.findall(r"^sha256 ([0-9a-f]{64})  (\S+)$", record, re.M):
            assert hashlib.sha256((lib / name).read_bytes()).hexdigest() == digest, name
        assert re.search(r"^sha256 ", record, re.M), lib


def test_dictionaries_and_sse_parser(page: Page, live: Live) -> None:
    page.goto("/")
    same = page.evaluate(
        """async () => {
        const zh = (await import('/static/js/i18n/zh-CN.js')).default;
        const en = (await import('/static/js/i18n/en.js')).default;
        const a = Object.keys(zh).sort(), b = Object.keys(en).sort();
        return {onlyZh: a.filter(k => !(k in en)), onlyEn: b.filter(k => !(k in zh)), n: a.length};
    }"""
    )
    assert same["onlyZh"] == [] and same["onlyEn"] == [] and same["n"] > 100
    # The tests' reader of the dictionaries (say()) sees every entry, and the terms the
    # console gets from the API (anju_common/vocabulary.py).
    terms = len(vocabulary_terms("zh-CN"))
    assert len(dictionary("zh-CN")) == len(dictionary("en")) == same["n"] + terms
    got = page.evaluate(
        """async () => {
        const { sseParser } = await import('/static/js/sse.js');
        const out = [];
        const p = sseParser((m) => out.push(m));
        // split mid-line and between \\r and \\n; comments and multi-line data
        const chunks = ['retry: 3000\\n\\n: heartbeat\\n\\nid: 7\\nevent: notif',
            'ication\\ndata: {"a":', '1}\\r', '\\n\\r\\ndata: x\\ndata: y\\n\\n',
            'event: event\\ndata:plain\\n\\n'];
        for (const c of chunks)
            p.feed(c);
        return {out, last: p.lastId};
    }"""
    )
    assert got["out"] == [
        {"event": "notification", "data": '{"a":1}', "id": "7"},
        {"event": "message", "data": "x\ny", "id": "7"},
        {"event": "event", "data": "plain", "id": "7"},
    ]
    assert got["last"] == "7"
    routes = page.evaluate(
        """async () => {
        const { parseHash, href } = await import('/static/js/router.js');
        return [parseHash('#/alerts?type=sublet&type=vacancy&grid_id=G%201'),
                parseHash('#/case/42'), parseHash(''),
                href('alerts', [], {type: ['a', 'b'], min_score: '', grid_id: 'G 1'})];
    }"""
    )
    assert routes[0] == {
        "name": "alerts",
        "params": [],
        "query": {"type": ["sublet", "vacancy"], "grid_id": "G 1"},
    }
    assert routes[1] == {"name": "case", "params": ["42"], "query": {}}
    assert routes[2] == {"name": "", "params": [], "query": {}}
    assert routes[3] == "#/alerts?type=a&type=b&grid_id=G+1"


def test_inspector_sees_only_their_grid(page: Page, live: Live) -> None:
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    seed_alert(live.db, 102, "U1b", "G1b", "overcrowding", 0.88)
    seed_alert(live.db, 103, "U2", "G2", "vacancy", 0.95, estate="E2")
    page.goto("/")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    login(page, "inspector")
    expect(page.get_by_test_id("who")).to_contain_text("网格核查员")  # role shown
    # Inspectors have no performance, audit pages.
    expect(page.get_by_test_id("nav-audit")).to_have_count(0)
    expect(page.get_by_test_id("nav-performance")).to_have_count(0)
    page.get_by_test_id("nav-alerts").click()
    rows = page.locator("[data-testid=alert-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-alert-id", "101")
    expect(rows.first).to_contain_text("转租转借")
    expect(page.locator("[data-alert-id='102']")).to_have_count(0)


def test_manager_filters_and_escaping(page: Page, live: Live) -> None:
    seed_alert(live.db, 201, "U1", "G1", "sublet", 0.91)
    seed_alert(live.db, 202, "U1b", "G1b", "overcrowding", 0.65)
    with live.client("admin") as c:  # a name with markup must show as text
        r = c.patch("/api/v1/grids/G1b", json={"name": "<img src=x onerror=alert(1)>"})
        assert r.status_code == 200, r.text
    login(page, "manager")
    page.goto("/#/alerts")
    expect(page.locator("[data-testid=alert-table] tbody tr")).to_have_count(2)
    expect(page.locator("[data-testid=filter-grid_id] option", has_text="<img")).to_have_count(1)
    assert page.locator("img[src=x]").count() == 0
    page.get_by_test_id("filter-min_score").fill("0.8")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("[data-testid=alert-table] tbody tr")).to_have_count(1)
    expect(page.locator("[data-alert-id='201']")).to_be_visible()
    page.goto("/#/alerts?grid_id=G1b")
    expect(page.locator("[data-testid=alert-table] tbody tr")).to_have_count(1)
    expect(page.locator("[data-alert-id='202']")).to_be_visible()
    page.goto("/#/alerts?type=card_clone")
    expect(page.get_by_test_id("alert-count")).to_contain_text("0")
    # Watch-level alerts (below the opening score) are in the status filter: 观察中.
    seed_alert(live.db, 203, "U1", "G1", "overcrowding", 0.3, status="watch")
    page.goto("/#/alerts")
    expect(page.locator("[data-alert-id='203']")).to_have_count(0)  # not by default
    page.get_by_test_id("filter-status").select_option(label="观察中")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("[data-testid=alert-table] tbody tr")).to_have_count(1)
    expect(page.locator("[data-alert-id='203']")).to_contain_text("观察中")
    # The search finds a flat by the name people use, and the lease holder.
    page.goto("/#/alerts?q=王芳")
    expect(page.locator("[data-alert-id='201']")).to_be_visible()
    expect(page.locator("[data-alert-id='202']")).to_have_count(0)
    expect(page.locator("[data-alert-id='201']")).to_contain_text("1栋2单元0501")
    with live.client("admin") as c:  # the markup name was the test, not for the pictures
        assert c.patch("/api/v1/grids/G1b", json={"name": "第二网格"}).status_code == 200
    page.goto("/#/alerts")
    shot_language(page)
    expect(page.locator("[data-testid=alert-table] tbody tr")).to_have_count(2)
    shot(page, "alerts-inbox")


def test_language_switch_persists(page: Page, live: Live) -> None:
    seed_alert(live.db, 301, "U1", "G1", "sublet", 0.91)
    page.goto("/")
    expect(page.locator("h1")).to_have_text("登录")  # zh-CN by default
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    login(page, "manager")
    page.goto("/#/alerts")
    expect(page.get_by_test_id("nav-alerts")).to_have_text("预警")
    expect(page.locator("[data-alert-id='301']")).to_contain_text("转租转借")
    expect(page.locator("[data-alert-id='301']")).to_contain_text("待处理")
    page.get_by_test_id("lang").click()
    expect(page.get_by_test_id("nav-alerts")).to_have_text("Alerts")
    expect(page.locator("[data-alert-id='301']")).to_contain_text("Sublet or lent")
    expect(page.locator("[data-alert-id='301']")).to_contain_text("Open")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.get_by_test_id("nav-alerts")).to_have_text("Alerts")
    expect(page.get_by_test_id("who")).to_contain_text("Estate manager")
    page.get_by_test_id("logout").click()
    expect(page.locator("h1")).to_have_text("Log in")
    login(page, "manager")
    page.get_by_test_id("lang").click()
    expect(page.get_by_test_id("nav-alerts")).to_have_text("预警")
    page.reload()
    expect(page.get_by_test_id("nav-alerts")).to_have_text("预警")


def test_logout_and_expired_token_return_to_login(page: Page, live: Live) -> None:
    login(page, "admin")
    page.goto("/#/audit")
    expect(page.locator("[data-testid=audit-table] tbody tr").first).to_be_visible()
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('anju.token')") is None
    # A revoked token (logout elsewhere): the next call answers 401 -> login page.
    login(page, "admin")
    with live.client() as c:
        tok = page.evaluate("sessionStorage.getItem('anju.token')")
        assert (
            c.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {tok}"}).status_code
            == 204
        )
    page.goto("/#/alerts")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    shot_language(page)
    expect(page.get_by_test_id("login-form")).to_be_visible()
    shot(page, "login")
