"""Shared fixtures: real PostgreSQL (a fresh database per test) and real Mosquitto.

`mqtt_url` is the shared broker on 127.0.0.1:1883 (stock settings: fine for small
volumes); `broker` is a private Mosquitto with our shipped tuning, restartable.

Tests of the database path (ingest, detection, lifecycle and privacy, dashboards,
maintenance, storage) are marked `both_databases`: they run on plain PostgreSQL (native
day partitions) and again on TimescaleDB (a hypertable with compression), a private
cluster this session starts from the build scripts/test-services makes of
../shared/timescaledb. Where that build is missing, the TimescaleDB runs skip and say why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anju_bench.servers import Mosquitto, private_mosquitto
from tests.pgservers import TestDatabases, private_postgres, session_databases, timescaledb_bindir

PG_SERVER = os.environ.get(
    "ANJU_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = os.environ.get("ANJU_TEST_CHROMIUM", "/usr/bin/chromium")
SHARED_MQTT = os.environ.get("ANJU_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI clones next to shared/ too
    SHARED = Path("/work/shared")
FACES = SHARED / "faces"
if not FACES.exists():  # allow an override
    FACES = Path(os.environ.get("ANJU_FACES_DIR", "/work/shared/faces"))
SERVERS = ("postgres", "timescaledb")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked both_databases (and using a database) run once per server."""
    if "db_server" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("db_server", SERVERS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def timescale_server() -> Iterator[str]:
    """A private TimescaleDB 2.28.3 cluster (PostgreSQL 15, timescaledb preloaded) on a
    free port, for the whole session; its server URL."""
    bindir, why = timescaledb_bindir(SHARED)
    if bindir is None:
        pytest.skip(why)
    # No background jobs: a policy (retention, compression) running whenever its
    # schedule says would race the tests; tests compress and drop chunks themselves.
    with private_postgres(
        bindir, preload="timescaledb", options="-c timescaledb.max_background_workers=0"
    ) as pg:
        yield pg.url


@pytest.fixture(scope="session")
def db_server(request: pytest.FixtureRequest) -> str:
    """The server URL tests create their databases on: the shared PostgreSQL, or (for
    both_databases tests, second run) the private TimescaleDB."""
    if getattr(request, "param", "postgres") == "timescaledb":
        url: str = request.getfixturevalue("timescale_server")
        return url
    return PG_SERVER


@pytest.fixture(scope="session")
def databases(db_server: str) -> Iterator[TestDatabases]:
    """Copies of a database migrated once per session and server."""
    with session_databases(db_server) as made:
        yield made


@pytest.fixture
def pg_url(databases: TestDatabases) -> Iterator[str]:
    """A freshly migrated database, dropped after the test."""
    with databases.fresh() as url:
        yield url


def is_timescale(url: str) -> bool:
    """Whether the migrated database at `url` runs the hypertable branch."""
    import psycopg

    from anju_common.migrate import has_timescale

    with psycopg.connect(url) as conn:
        return has_timescale(conn)


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
