"""GET /r/{code}: the resident report page (举报), phone first, zh-CN with an English
switch. One self-contained HTML file (inline CSS and JS under a per-response CSP
nonce, nothing loaded from elsewhere); the form token is embedded at render time."""

from __future__ import annotations

import secrets
import time
from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from anju_platform.repo import reports
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import reports as rules

router = APIRouter(include_in_schema=False)

_NOT_FOUND = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>二维码无效</title>
</head><body style="font-family:sans-serif;padding:24px;text-align:center">
<h1>二维码无效</h1><p>请扫描楼栋张贴的最新二维码。</p>
<p lang="en">This QR code is not valid. Please scan the poster in your building.</p>
</body></html>"""


@lru_cache
def _template() -> str:
    return (Path(__file__).parent / "report.html").read_text(encoding="utf-8")


def _headers(nonce: str) -> dict[str, str]:
    csp = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "Cache-Control": "no-store",  # the embedded form token is per visit
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def render(settings: PlatformSettings, code: str, estate: str, building: str, nonce: str) -> str:
    now = time.time()
    token = rules.issue_form_token(
        settings.signing_key(),
        code,
        now,
        settings.reports.min_fill_s,
        settings.reports.form_max_age_s,
    )
    values = {
        "__NONCE__": nonce,
        "__CODE__": escape(code),
        "__TOKEN__": escape(token),
        "__ISSUED__": str(int(now)),
        "__MIN_FILL__": str(settings.reports.min_fill_s),
        "__MAX_AGE__": str(settings.reports.form_max_age_s),
        "__BODY_MIN__": str(settings.reports.body_min_chars),
        "__BODY_MAX__": str(settings.reports.body_max_chars),
        "__ESTATE__": escape(estate),
        "__BUILDING__": escape(building),
    }
    page = _template()
    for k, v in values.items():
        page = page.replace(k, v)
    return page


@router.get("/r/{code}")
def report_page(code: str, request: Request) -> HTMLResponse:
    settings: PlatformSettings = request.app.state.settings
    place = rules.read_building_code(settings.signing_key(), code)
    nonce = secrets.token_urlsafe(16)
    if place is None:
        return HTMLResponse(_NOT_FOUND, status_code=404, headers=_headers(nonce))
    with request.app.state.pool.connection() as conn:
        b = reports.building(conn, *place)
    if b is None:
        return HTMLResponse(_NOT_FOUND, status_code=404, headers=_headers(nonce))
    page = render(settings, code, b["estate_name"], b["building_name"], nonce)
    return HTMLResponse(page, headers=_headers(nonce))
