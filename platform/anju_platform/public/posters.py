"""Printable A4 posters with a QR code as inline SVG (segno, pure Python): one per
building for resident reports (/r/{code}), one per patrol checkpoint (/p/{code}).
Self-contained HTML: inline CSS, no scripts, nothing loaded from elsewhere."""

from __future__ import annotations

import ipaddress
from html import escape
from urllib.parse import urlsplit

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
.qr svg {{ width: 110mm; height: 110mm; shape-rendering: crispEdges; }}
.lead {{ font-size: 15pt; margin: 6mm 0 2mm; }}
.en {{ font-size: 11pt; color: #444; }}
.url {{ font-family: monospace; font-size: 8pt; word-break: break-all; color: #555;
  margin-top: 8mm; }}
ul {{ text-align: left; display: inline-block; font-size: 12pt; margin: 4mm 0; }}
.warn {{ border: 2mm solid #b00; color: #b00; padding: 4mm; margin-bottom: 6mm;
  font-size: 13pt; text-align: left; }}
</style></head>
<body><div class="sheet">
{warning}<h1>{heading}</h1>
<h2>{place}</h2>
<div class="qr">{svg}</div>
{text}
<div class="url">{url}</div>
</div></body></html>
"""


def public_url(settings: PlatformSettings, request: Request, path: str) -> str:
    base = settings.reports.public_base_url or str(request.base_url)
    return base.rstrip("/") + path


# Why a resident's phone (on the mobile network) cannot open an address.
UNREACHABLE = {
    "loopback": ("本机地址", "this computer's own address"),
    "private": ("内网地址", "a private network address"),
    "link-local": ("链路本地地址", "a link-local address"),
    "unspecified": ("未指定地址", "no address"),
    "local-name": ("无域名的主机名", "a host name without a domain"),
}


def unreachable(url: str) -> str | None:
    """A key of UNREACHABLE when a phone outside the operator's network cannot open the
    URL: loopback, private or link-local IPs, localhost, a name without a dot (a LAN or
    container name). None for a public IP or a domain name (its DNS is not checked)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "local-name" if "." not in host else None
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    return None if ip.is_global else "private"  # also shared (CGNAT) and reserved ranges


def poster_warning(settings: PlatformSettings, url: str) -> str | None:
    """The reason to warn on a poster: no public base URL set, and the address the
    request came in on (now in the QR code) is one a phone cannot open."""
    return None if settings.reports.public_base_url else unreachable(url)


def startup_warning(public_base_url: str | None, host: str, port: int) -> str | None:
    """One line for `anju platform serve` when posters would print an address residents'
    phones cannot open: no public base URL and a loopback, private or wildcard bind."""
    if public_base_url or unreachable(f"http://{host}") is None:
        return None
    return (
        "ANJU_PLATFORM_PUBLIC_BASE_URL is unset: QR posters will point at the address each "
        f"poster is downloaded from (here http://{host}:{port}), which residents' phones "
        "cannot open unless it is public; set it to the public URL (docs/deploy.md)"
    )


def _warning_block(reason: str | None, url: str) -> str:
    if reason is None:
        return ""
    zh, en = UNREACHABLE[reason]
    return (
        '<div class="warn" role="alert">'
        f"<p>此二维码指向 {escape(url)}（{zh}），居民手机无法打开，请勿张贴。"
        "请管理员设置 ANJU_PLATFORM_PUBLIC_BASE_URL 为公网地址后重新下载。</p>"
        f'<p lang="en">This QR code points to {escape(url)} ({en}): residents\' phones '
        "cannot open it, do not put it up. Set ANJU_PLATFORM_PUBLIC_BASE_URL to the public "
        "address and download the poster again.</p></div>\n"
    )


def qr_svg(url: str) -> str:
    """The QR code as an inline <svg> (error correction M: survives a scuffed print)."""
    qr = segno.make(url, error="m", micro=False)
    svg: str = qr.svg_inline(scale=4, border=4, omitsize=True, title=url)
    return svg


def report_poster(
    estate_name: str, building_name: str, url: str, warning: str | None = None
) -> str:
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
        warning=_warning_block(warning, url),
    )


def checkpoint_poster(
    estate_name: str, name: str, checkpoint_id: str, url: str, warning: str | None = None
) -> str:
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
        warning=_warning_block(warning, url),
    )
