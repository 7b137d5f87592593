"""Printable A4 posters with a QR code as inline SVG (segno, pure Python): one per
building for resident reports (/r/{code}), one per patrol checkpoint (/p/{code}).
Self-contained HTML: inline CSS, no scripts, nothing loaded from elsewhere."""

from __future__ import annotations

from html import escape

import segno
from fastapi import Request

from anju_platform.settings import PlatformSettings

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
@page {{ size: A4; margin: 15mm; }}
body {{ font-family: "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  margin: 0; color: #111; text-align: center; }}
.sheet {{ max-width: 180mm; margin: 0 auto; padding: 10mm 0; }}
h1 {{ font-size: 30pt; margin: 0 0 4mm; }}
h2 {{ font-size: 16pt; font-weight: normal; margin: 0 0 8mm; color: #333; }}
.qr svg {{ width: 110mm; height: 110mm; }}
.lead {{ font-size: 15pt; margin: 6mm 0 2mm; }}
.en {{ font-size: 11pt; color: #444; }}
.url {{ font-family: monospace; font-size: 8pt; word-break: break-all; color: #555;
  margin-top: 8mm; }}
ul {{ text-align: left; display: inline-block; font-size: 12pt; margin: 4mm 0; }}
</style></head>
<body><div class="sheet">
<h1>{heading}</h1>
<h2>{place}</h2>
<div class="qr">{svg}</div>
{text}
<div class="url">{url}</div>
</div></body></html>
"""


def public_url(settings: PlatformSettings, request: Request, path: str) -> str:
    base = settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + path


def qr_svg(url: str) -> str:
    """The QR code as an inline <svg> (error correction M: survives a scuffed print)."""
    qr = segno.make(url, error="m", micro=False)
    svg: str = qr.svg_inline(scale=4, border=4, omitsize=True, title=url)
    return svg


def report_poster(estate_name: str, building_name: str, url: str) -> str:
    text = (
        '<p class="lead">扫码举报转租、空置、群租等违规使用公租房</p>'
        "<ul><li>无需登录，可匿名</li><li>可填写房号，便于核查</li>"
        "<li>我们会安排网格员上门核实</li></ul>"
        '<p class="en">Scan to report subletting, empty flats or other misuse of this '
        "public rental housing. No login needed; you may stay anonymous.</p>"
    )
    return _PAGE.format(
        title=escape(f"居民举报 {estate_name} {building_name}"),
        heading="居民举报 · Resident report",
        place=escape(f"{estate_name} · {building_name} 栋"),
        svg=qr_svg(url),
        text=text,
        url=escape(url),
    )


def checkpoint_poster(estate_name: str, name: str, checkpoint_id: str, url: str) -> str:
    text = (
        '<p class="lead">巡查人员请扫码签到</p>'
        '<p class="en">Patrol checkpoint: inspectors scan this code on their round '
        "(log in to the console first).</p>"
    )
    return _PAGE.format(
        title=escape(f"巡查点 {name}"),
        heading="巡查点 · Patrol checkpoint",
        place=escape(f"{estate_name} · {name} ({checkpoint_id})"),
        svg=qr_svg(url),
        text=text,
        url=escape(url),
    )
