"""Charts page: Apache ECharts (vendored, no CSP error) draws open alerts over time by
type and by grid, entries per hour at each entrance and gateway uptime from real rows,
with names, not ids; Grafana links appear once the platform knows where Grafana is."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from console_kit import login, seed_alert, shot, shot_language
from platform_live import Live
from playwright.sync_api import Page, expect

OPTION = """async (id) => {
    const echarts = await import('/static/vendor/echarts/echarts.esm.min.js');
    const el = document.querySelector(`[data-testid=chart-${id}]`);
    const o = echarts.getInstanceByDom(el).getOption();
    return {series: o.series.map(s => ({name: s.name, data: s.data})),
            y: (o.yAxis[0] || {}).data || null, canvas: el.querySelectorAll('canvas').length};
}"""


def _events(live: Live) -> None:
    """Five entries at GW1's door an hour ago, and a heartbeat in each of the last 3 hours."""
    now = datetime.now(UTC)
    with psycopg.connect(live.db) as conn:
        rows = [(now - timedelta(hours=1), "access", "in", True)] * 5 + [
            (now - timedelta(hours=h, minutes=5), "heartbeat", None, None) for h in range(3)
        ]
        for at, kind, direction, granted in rows:
            conn.execute(
                "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
                " door_id, direction, granted, payload) VALUES (%s, %s, %s, 'E1', 'GW1', 'D1',"
                " 'main', %s, %s, '{}')",
                (at, uuid.uuid4(), kind, direction, granted),
            )


def test_charts(page: Page, live: Live) -> None:
    seed_alert(live.db, 101, "U1", "G1", "sublet", 0.91)
    seed_alert(live.db, 102, "U1b", "G1b", "vacancy", 0.8)
    with psycopg.connect(live.db) as conn:  # opened five local days ago, still open
        conn.execute("UPDATE alerts SET opened_day = (now() + interval '8 hours')::date - 5")
    _events(live)
    page.goto("/")
    shot_language(page)
    login(page, "manager")
    page.get_by_test_id("nav-charts").click()
    for chart in ("by-type", "by-grid", "entries", "uptime", "performance"):
        expect(page.get_by_test_id(f"chart-{chart}").locator("canvas")).to_have_count(1)
    by_type = page.evaluate(OPTION, "by-type")
    names = {s["name"]: s["data"] for s in by_type["series"]}
    assert set(names) == {"转租转借", "长期空置"} or set(names) == {"Sublet or lent", "Vacant"}
    assert all(d[-6:] == [1] * 6 and sum(d) == 6 for d in names.values())  # open 6 days
    grids = {s["name"] for s in page.evaluate(OPTION, "by-grid")["series"]}
    assert grids == {"第一网格", "第二网格"}
    entries = page.evaluate(OPTION, "entries")["series"]
    assert [s["name"] for s in entries] == ["2单元"] and sum(entries[0]["data"]) == 5
    uptime = page.evaluate(OPTION, "uptime")
    assert uptime["y"] == ["1栋2单元门口"]
    assert 0 < uptime["series"][0]["data"][0] <= 3 / 168 * 100 + 0.1
    expect(page.get_by_test_id("grafana-links")).to_have_count(0)  # no Grafana configured
    shot(page, "charts")
    live.settings.console.grafana_url = "https://grafana.example.org/"
    page.reload()
    link = page.get_by_test_id("grafana-links").locator("a").first
    expect(link).to_have_attribute(
        "href", "https://grafana.example.org/d/anju-estate-live?var-estate=E1"
    )
    # Inspectors: their grid's alerts only, no door or gateway figures.
    page.get_by_test_id("logout").click()
    login(page, "inspector")
    page.goto("/#/charts")
    expect(page.get_by_test_id("chart-by-type").locator("canvas")).to_have_count(1)
    assert {s["name"] for s in page.evaluate(OPTION, "by-grid")["series"]} == {"第一网格"}
    expect(page.get_by_test_id("chart-entries")).to_have_count(0)
