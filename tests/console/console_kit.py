"""Helpers of the console's browser tests (fixtures are in conftest.py): log in, seed
alerts, run the case job, screenshots in the right language, the UI dictionaries.
A module of its own name: `from conftest import ...` would be ambiguous next to
tests/platform/conftest.py when both directories run in one session."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from anju_platform.console.dictionary import dictionary

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from platform_live import PASSWORD, Live
from playwright.sync_api import Browser, Page, expect

CHROMIUM = os.environ.get("ANJU_TEST_CHROMIUM", "/usr/bin/chromium")
# `make screenshots` writes them to docs/screenshots; a plain test run to a temp dir, so
# that running the tests does not leave the working tree changed.
SCREENSHOTS = Path(
    os.environ.get("ANJU_TEST_SCREENSHOTS") or Path(tempfile.gettempdir()) / "anju-screenshots"
)


def login(page: Page, user: str, password: str = PASSWORD, path: str = "/") -> None:
    page.goto(path)
    page.get_by_test_id("login-user").fill(user)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("logout")).to_be_visible()


# What the Chinese console may show in Latin letters: ids and codes staff copy (in
# `.id` / `code` elements, left out of the scan), the button that switches to English,
# and these names of things.
LATIN_ALLOWED = {
    "English",
    "SHA",
    "PDF",
    "CSV",
    "Grafana",
    "Webhook",
    "JSON",
    "HTML",
    "Anju",
    "SEC",
    "MQTT",
}
# Addresses (a receiver's URL as an example) and setting names an administrator types
# (ANJU_PLATFORM_PUBLIC_BASE_URL) are codes too.
_ADDRESS = re.compile(
    r"\b[a-z]+://\S+|[A-Za-z0-9_.-]+\.[A-Za-z]{2,}(?:/\S*)?|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"
)
_LATIN_RUN = re.compile(r"[A-Za-z]{3,}(?:[ '-]+[A-Za-z]{2,})*")
_BROKEN = re.compile(r"\b(?:null|undefined|NaN)\b|\[object Object\]")
_VISIBLE_TEXT = """() => {
    const root = document.body.cloneNode(true);
    root.querySelectorAll('.id, code, script, style, option:not(:checked), [hidden], #lang,'
        + ' details:not([open]) > :not(summary)').forEach((el) => el.remove());
    return root.innerText;
}"""


def text_problems(text: str, lang: str) -> list[str]:
    """What a person should never read: 'null', 'undefined', '[object Object]', and in
    the Chinese console English words (runs of Latin letters outside the allowed)."""
    found = [m.group(0) for m in _BROKEN.finditer(text)]
    if lang == "zh-CN":
        found += [
            m.group(0)
            for m in _LATIN_RUN.finditer(_ADDRESS.sub(" ", text))
            if not set(m.group(0).replace("-", " ").split()) <= LATIN_ALLOWED
        ]
    return list(dict.fromkeys(found))


def check_text(page: Page, lang: str) -> None:
    problems = text_problems(page.evaluate(_VISIBLE_TEXT), lang)
    assert not problems, f"{page.url} ({lang}) shows: {problems}"


def _settle(page: Page) -> None:
    """Wait until the page has rendered (the SSE stream never lets the network idle)."""
    page.wait_for_function("() => document.querySelector('main').children.length > 0")
    page.wait_for_timeout(400)


def shot(page: Page, name: str) -> None:
    """Screenshots of the page for docs/console.md, in Chinese (`name.png`) and English
    (`name-en.png`) when the console is in Chinese; each language's text is checked
    (check_text) before it is taken. The page ends in the language it was in."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lang = page.evaluate("document.documentElement.lang")
    _settle(page)
    check_text(page, lang)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    if lang != "zh-CN":
        return
    page.get_by_test_id("lang").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _settle(page)
    check_text(page, "en")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-en.png"), full_page=True)
    page.get_by_test_id("lang").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    _settle(page)


def seed_alert(
    db: str,
    alert_id: int,
    unit: str,
    grid: str,
    type_: str,
    score: float = 0.85,
    estate: str = "E1",
    status: str = "open",
) -> None:
    """An alert as detection would leave it, with a short evidence timeline."""
    with psycopg.connect(db) as conn:
        conn.execute(
            "INSERT INTO alerts (alert_id, estate_id, unit_id, grid_id, type, status, score,"
            " level, reason_en, reason_zh, first_day, last_day, opened_day, opened_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 1, %s, %s, current_date - 20, current_date,"
            " current_date, now())",
            (
                alert_id,
                estate,
                unit,
                grid,
                type_,
                status,
                score,
                f"Flat {unit}: members seen on 2 of 28 days, strangers on 14",
                f"{unit} 房屋：28 天内登记成员仅出现 2 天，陌生人出现 14 天",
            ),
        )
        # Like detection's day evidence: a stranger's face on two days and a visitor's QR
        # pass, each as a code with its values next to the English note.
        for d, kind, who, via, n, night in (
            (3, "stranger_day", "u-17aa0c3e5b", "face", 2, 0),
            (2, "stranger_day", "u-17aa0c3e5b", "face", 3, 1),
            (1, "visitor", "pass:7731", "qr", 1, 0),
        ):
            note = f"unregistered person seen: {who} ({via}, {n} passages, {night} at night)"
            params = {"who": who, "via": via, "n": n, "night": night}
            conn.execute(
                "INSERT INTO alert_evidence (alert_id, key, at, day, kind, note, code, params)"
                " VALUES (%s, %s, now() - make_interval(days => %s), current_date - %s, %s, %s,"
                " 'presence', %s)",
                (alert_id, f"{kind}:{d}", d, d, kind, note, Jsonb(params)),
            )


# The register as an estate office keeps it: names people say, not the fixture's ids.
NAMES = {
    "estates": [("E1", "幸福里小区"), ("E2", "和谐家园")],
    "buildings": [("B1", "1栋"), ("B2", "3栋")],
    "entrances": [("N1", "2单元"), ("N2", "1单元")],
    "grids": [("G1", "第一网格"), ("G1b", "第二网格"), ("G2", "东区网格"), ("G2b", "西区网格")],
    "persons": [("P1", "王芳"), ("K1", "李秀英"), ("P2", "赵强"), ("K2", "孙丽")],
    "gateways": [("GW1", "1栋2单元门口"), ("GW2", "3栋1单元门口")],
    "devices": [("D1", "1栋2单元 门禁"), ("D2", "3栋1单元 门禁")],
}
UNITS = [("U1", "0501", 5), ("U1b", "0602", 6), ("U2", "0101", 1), ("U2b", "0102", 1)]
ADDRESS = "襄阳市樊城区幸福路 8 号"
USERS = [("admin", "陈静"), ("authority", "刘洋"), ("manager", "周敏"), ("inspector", "吴磊")]


def chinese_names(db: str) -> None:
    """Give the test register the names an estate office uses (1栋2单元0501, 王芳)."""
    with psycopg.connect(db) as conn:
        for table, rows in NAMES.items():
            key = {"estates": "estate_id", "buildings": "building_id", "entrances": "entrance_id",
                   "grids": "grid_id", "persons": "person_id", "gateways": "gateway_id",
                   "devices": "device_id"}[table]  # fmt: skip
            for ident, name in rows:
                conn.execute(f"UPDATE {table} SET name = %s WHERE {key} = %s", (name, ident))
        for unit, number, floor in UNITS:
            conn.execute(
                "UPDATE units SET number = %s, floor = %s WHERE unit_id = %s", (number, floor, unit)
            )
        conn.execute("UPDATE estates SET address = %s WHERE estate_id = 'E1'", (ADDRESS,))
        for user, name in USERS:
            conn.execute("UPDATE users SET name = %s WHERE user_id = %s", (name, user))


def sync_cases(live: Live) -> None:
    """Run the case job once (alerts that are open get their inspection case)."""
    from anju_platform.services import cases

    with psycopg.connect(live.db, autocommit=True) as conn:
        cases.sync(conn, live.settings.cases.due_hours)


def case_of(live: Live, alert_id: int) -> int:
    with psycopg.connect(live.db) as conn:
        row = conn.execute("SELECT case_id FROM cases WHERE alert_id = %s", (alert_id,)).fetchone()
    assert row is not None, f"no case for alert {alert_id}"
    return int(row[0])


def _cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(out.stdout.strip())


# Screenshots in zh-CN (the console's default) where a CJK font is installed (CI installs
# one), else in English: Chinese without a font is only boxes.
SHOT_LANG = os.environ.get("ANJU_TEST_SHOT_LANG") or ("zh-CN" if _cjk_font() else "en")


def say(key: str) -> str:
    """A UI string in the screenshot language."""
    return dictionary(SHOT_LANG)[key]


def shot_language(page: Page) -> None:
    """Switch the console to the screenshot language (and reload)."""
    page.evaluate(f"localStorage.setItem('anju.lang', '{SHOT_LANG}')")
    page.reload()


@contextlib.contextmanager
def watched_page(browser: Browser, base_url: str, **context: object) -> Iterator[Page]:
    """A page in a context of its own; any JavaScript error, or anything the page's
    Content-Security-Policy blocked (an inline style, a foreign URL), fails the test."""
    ctx = browser.new_context(base_url=base_url, **context)  # type: ignore[arg-type]
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        yield pg
    finally:
        ctx.close()
    assert not errors, f"JavaScript or CSP errors in the console: {errors}"
