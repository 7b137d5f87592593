"""Shared fixtures: real PostgreSQL (a fresh database per test) and real Mosquitto.

`mqtt_url` is the shared broker on 127.0.0.1:1883 (stock settings: fine for small
volumes); `broker` is a private Mosquitto with our shipped tuning, restartable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anju_bench.servers import Mosquitto, private_mosquitto, scratch_database

PG_SERVER = os.environ.get(
    "ANJU_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = os.environ.get("ANJU_TEST_CHROMIUM", "/usr/bin/chromium")
SHARED_MQTT = os.environ.get("ANJU_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
FACES = Path(__file__).resolve().parents[2] / "shared" / "faces"
if not FACES.exists():  # CI clones next to shared/ too; allow an override
    FACES = Path(os.environ.get("ANJU_FACES_DIR", "/work/shared/faces"))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A freshly migrated database, dropped after the test."""
    with scratch_database(PG_SERVER) as url:
        yield url


@pytest.fixture
def mqtt_url() -> str:
    return SHARED_MQTT


@pytest.fixture
def broker() -> Iterator[Mosquitto]:
    """A private, restartable Mosquitto with the tuning we ship."""
    with private_mosquitto() as b:
        yield b


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (nothing downloaded); one per session,
    since Playwright's sync API cannot start twice in one process at the same time."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # As root chromium refuses to start with its sandbox (containers, CI).
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        b = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    assert FACES.exists(), f"shared face photos not found at {FACES}"
    return FACES
