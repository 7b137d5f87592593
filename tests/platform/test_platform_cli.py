"""`anju platform serve` refuses to start without a secret key (unless --dev) and serves
real HTTP; `anju platform create-user` bootstraps an account that can log in."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import psycopg

from anju_bench.servers import free_port, wait_port

ANJU = [sys.executable, "-m", "anju_cli.main", "platform"]


def _env(pg_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANJU_")}
    return {**env, "DATABASE_URL": pg_url, **extra}


def test_serve_refuses_without_secret(pg_url: str) -> None:
    r = subprocess.run(
        [*ANJU, "serve", "--port", str(free_port())],
        env=_env(pg_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "ANJU_PLATFORM_SECRET_KEY" in r.stderr


def test_create_user_then_serve_and_log_in(pg_url: str) -> None:
    env = _env(
        pg_url, ANJU_PLATFORM_NEW_PASSWORD="bootstrap password", ANJU_PLATFORM_SECRET_KEY="k" * 32
    )
    r = subprocess.run(
        [*ANJU, "create-user", "root", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    short = subprocess.run(
        [*ANJU, "create-user", "x", "--role", "admin"],
        env={**env, "ANJU_PLATFORM_NEW_PASSWORD": "short"},
        capture_output=True,
        timeout=60,
    )
    assert short.returncode == 2
    port = free_port()
    proc = subprocess.Popen(
        [*ANJU, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_port("127.0.0.1", port, timeout=30)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        login = httpx.post(
            f"{base}/api/v1/auth/login", data={"username": "root", "password": "bootstrap password"}
        )
        assert login.status_code == 200
        me = httpx.get(
            f"{base}/api/v1/auth/me",
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )
        assert me.json()["role"] == "admin"
    finally:
        proc.terminate()
        proc.wait(10)
    with psycopg.connect(pg_url) as conn:
        actions = conn.execute(
            "SELECT actor_id, action FROM audit_log ORDER BY audit_id"
        ).fetchall()
    assert actions[:2] == [("cli", "create"), ("root", "login")]


def test_serve_dev_mode_starts_without_secret(pg_url: str) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*ANJU, "serve", "--dev", "--port", str(port)],
        env=_env(pg_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port("127.0.0.1", port, timeout=30)
        deadline = time.monotonic() + 10
        while httpx.get(f"http://127.0.0.1:{port}/healthz").status_code != 200:
            assert time.monotonic() < deadline
    finally:
        proc.terminate()
        proc.wait(10)
