"""QR posters and the address they print (issue 17 item 11): without
ANJU_PLATFORM_PUBLIC_BASE_URL a poster downloaded from 127.0.0.1 or a private address
carries a QR code residents' phones cannot open; the poster page says so in print, the
API tells the console, and `anju platform serve` warns at start-up. Behind a reverse
proxy (X-Forwarded-Proto and Host from a trusted address) the poster prints the proxy's
public https address."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from platform_live import live_server

from anju_bench.servers import free_port
from anju_platform.public.posters import startup_warning, unreachable


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000", "loopback"),
        ("http://localhost:8000", "loopback"),
        ("http://[::1]:8000", "loopback"),
        ("http://192.168.1.20:8000", "private"),
        ("http://10.0.0.5", "private"),
        ("http://172.18.0.3:8000", "private"),
        ("http://169.254.10.1", "link-local"),
        ("http://0.0.0.0:8000", "unspecified"),
        ("http://platform:8000", "local-name"),
        ("https://anju.example.org", None),
        ("http://100.64.1.1", "private"),  # carrier-grade NAT
        ("http://198.51.100.7", "private"),  # documentation range
        ("https://8.8.8.8", None),
    ],
)
def test_addresses_a_phone_cannot_open(url: str, reason: str | None) -> None:
    assert unreachable(url) == reason


def test_startup_warning() -> None:
    assert startup_warning(None, "127.0.0.1", 8000) is not None
    assert startup_warning(None, "0.0.0.0", 8000) is not None  # a container's bind
    assert startup_warning("https://anju.example.org", "127.0.0.1", 8000) is None
    assert startup_warning(None, "8.8.8.8", 8000) is None


def _qr_url(html: str) -> str:
    found = re.search(r'<div class="url">([^<]+)</div>', html)
    assert found, html[:500]
    return found.group(1)


def test_poster_from_a_loopback_address_warns(pg_url: str, tmp_path: Path) -> None:
    with live_server(pg_url, tmp_path, jobs_enabled=False) as live, live.client("manager") as c:
        html = c.get("/api/v1/buildings/B1/report-poster").text
        assert _qr_url(html).startswith("http://127.0.0.1:")
        assert 'class="warn"' in html and "ANJU_PLATFORM_PUBLIC_BASE_URL" in html
        assert "居民手机无法打开" in html
        cp = c.post(
            "/api/v1/checkpoints",
            json={"checkpoint_id": "CPW", "estate_id": "E1", "grid_id": "G1", "name": "roof"},
        )
        assert cp.status_code == 201, cp.text
        assert 'class="warn"' in c.get("/api/v1/checkpoints/CPW/poster").text
        where = c.get("/api/v1/posters/address").json()
        assert where["unreachable"] == "loopback" and where["configured"] is False
        assert where["base_url"] == live.url


def test_poster_with_a_public_base_url_has_no_warning(pg_url: str, tmp_path: Path) -> None:
    public = "https://anju.example.org"
    with (
        live_server(pg_url, tmp_path, jobs_enabled=False, public_base_url=public) as live,
        live.client("manager") as c,
    ):
        html = c.get("/api/v1/buildings/B1/report-poster").text
        assert _qr_url(html).startswith(f"{public}/r/") and 'class="warn"' not in html
        where = c.get("/api/v1/posters/address").json()
        assert where == {"base_url": public, "configured": True, "unreachable": None}


def test_behind_an_https_proxy_the_poster_prints_the_public_address(
    pg_url: str, tmp_path: Path
) -> None:
    """What nginx sends (docs/deploy.md), from a trusted address (FORWARDED_ALLOW_IPS:
    uvicorn's default 127.0.0.1)."""
    proxy = {"Host": "anju.example.org", "X-Forwarded-Proto": "https",
             "X-Forwarded-For": "198.51.100.7"}  # fmt: skip
    with live_server(pg_url, tmp_path, jobs_enabled=False) as live, live.client("manager") as c:
        html = c.get("/api/v1/buildings/B1/report-poster", headers=proxy).text
        assert _qr_url(html).startswith("https://anju.example.org/r/")
        assert 'class="warn"' not in html


def test_serve_warns_at_start_up(pg_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANJU_", "DATABASE_"))}
    env |= {"DATABASE_URL": pg_url, "ANJU_PLATFORM_JOBS_ENABLED": "false"}
    port = free_port()
    argv = [sys.executable, "-m", "anju_cli.main", "platform", "serve", "--dev"]
    proc = subprocess.Popen(
        [*argv, "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    first = err.splitlines()[0]
    assert first.startswith("warning: ANJU_PLATFORM_PUBLIC_BASE_URL is unset"), err
    assert f"http://127.0.0.1:{port}" in first
