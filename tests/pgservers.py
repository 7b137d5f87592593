"""The per-session template every test database is copied from. Private clusters
(initdb in a temp dir, TimescaleDB) come from anju_bench.pgcluster, which the benches'
`--private` runs use too."""

from __future__ import annotations

import contextlib
import queue
import threading
import uuid
from collections.abc import Iterator

import psycopg

from anju_bench.pgcluster import PrivatePostgres, private_postgres, timescaledb_bindir
from anju_bench.servers import scratch_database, with_dbname

__all__ = ["PrivatePostgres", "TestDatabases", "private_postgres", "timescaledb_bindir"]


class TestDatabases:
    """Fresh migrated databases for one session on one server. The schema is migrated
    once into a template and each test gets a copy (CREATE DATABASE ... TEMPLATE: about
    0.2 s instead of 1-2 s of migrations). Nobody connects to the template, which a copy
    requires. Copies are dropped on a background thread: PostgreSQL 15's DROP DATABASE
    waits for a checkpoint, 1-4 s on the shared server with fsync on, and no test needs to
    wait for that."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, server_url: str, template: str) -> None:
        self.server_url = server_url
        self.template = template
        self._admin = with_dbname(server_url, "postgres")
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._failed: list[str] = []
        self._dropper = threading.Thread(target=self._drop_all, daemon=True)
        self._dropper.start()

    @contextlib.contextmanager
    def fresh(self, prefix: str = "anju_test") -> Iterator[str]:
        """A copy of the template; its URL, dropped after."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self._admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        try:
            yield with_dbname(self.server_url, name)
        finally:
            self._drops.put(name)

    def _drop_all(self) -> None:
        while (name := self._drops.get()) is not None:
            try:
                with psycopg.connect(self._admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.Error as e:  # said at close(), not lost in a thread
                self._failed.append(f"{name}: {e}")

    def close(self) -> None:
        """Wait for the queued drops (the server may be stopped next)."""
        self._drops.put(None)
        self._dropper.join()
        assert not self._failed, f"test databases not dropped: {self._failed}"


@contextlib.contextmanager
def session_databases(server_url: str) -> Iterator[TestDatabases]:
    with scratch_database(server_url, prefix="anju_template") as template_url:
        databases = TestDatabases(server_url, template_url.rsplit("/", 1)[1])
        try:
            yield databases
        finally:
            databases.close()
