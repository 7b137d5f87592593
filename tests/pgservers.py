"""Database servers only tests need: a private PostgreSQL cluster (initdb in a temp dir,
restartable), the TimescaleDB build scripts/test-services makes, and the per-session
template every test database is copied from."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from anju_bench.servers import free_port, scratch_database, with_dbname


def _pg_bin(name: str, bindir: Path | None = None) -> str:
    if bindir is not None:
        return str(bindir / name)
    found = shutil.which(name)
    if found and name != "initdb":
        return found
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / name).exists():
            return str(root / name)
    if found:
        return found
    raise FileNotFoundError(f"PostgreSQL's {name} not found")


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temp dir) that a test may stop and
    start. As root, the server runs as the `postgres` OS user (PostgreSQL refuses root).
    `bindir` picks another PostgreSQL tree (e.g. one with TimescaleDB built in), and
    `preload` its shared_preload_libraries."""

    workdir: Path
    port: int = field(default_factory=free_port)
    bindir: Path | None = None
    preload: str = ""
    options: str = ""  # more `-c name=value` server settings

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        argv = list(cmd)
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> PrivatePostgres:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
            if self.bindir is not None:  # e.g. under /root/.cache: search permission only
                allow_traverse(self.bindir)
        self._run(
            _pg_bin("initdb", self.bindir),
            "-D",
            str(self.workdir / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        return self

    def start(self) -> None:
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.workdir} -c fsync=off"
        if self.preload:
            opts += f" -c shared_preload_libraries={self.preload}"
        if self.options:
            opts += " " + self.options
        self._run(
            _pg_bin("pg_ctl", self.bindir),
            "-D",
            str(self.workdir / "data"),
            "-o",
            opts,
            "-l",
            str(self.workdir / "pg.log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            _pg_bin("pg_ctl", self.bindir),
            "-D",
            str(self.workdir / "data"),
            "-m",
            mode,
            "-w",
            "stop",
        )


def allow_traverse(path: Path) -> None:
    """Give others search (x, not read) permission on `path` and its parents, so the
    server's own user can reach binaries or data below a private home directory."""
    for p in (path.resolve(), *path.resolve().parents):
        mode = p.stat().st_mode
        if not mode & 0o001:
            p.chmod(mode | 0o001)


@contextlib.contextmanager
def private_postgres(
    bindir: Path | None = None, preload: str = "", options: str = ""
) -> Iterator[PrivatePostgres]:
    with tempfile.TemporaryDirectory(prefix="anju-pg-") as d:
        os.chmod(d, 0o755)
        pg = PrivatePostgres(Path(d), bindir=bindir, preload=preload, options=options).init()
        pg.start()
        try:
            yield pg
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                pg.stop("immediate")


# TimescaleDB, built from the unmodified source in ../shared/timescaledb by its build.sh
# into a private copy of the PostgreSQL 15 tree (never into the system's: that would make
# the extension available, but not preloaded, on the shared cluster). scripts/test-services
# builds it into TIMESCALEDB_CACHE/<first 16 hex of the tarball's SHA-256>, so a new
# tarball gets a new build.
TIMESCALEDB_TARBALL = "timescaledb-2.28.3.tar.gz"
TIMESCALEDB_CACHE = Path(
    os.environ.get("ANJU_TIMESCALEDB_CACHE", str(Path.home() / ".cache" / "anju-timescaledb"))
)


def timescaledb_bindir(shared: Path) -> tuple[Path | None, str]:
    """(bin directory of the TimescaleDB build, None when missing; why it is missing)."""
    import hashlib

    tarball = shared / "timescaledb" / TIMESCALEDB_TARBALL
    if not tarball.exists():
        return None, f"no TimescaleDB source at {tarball} (../shared absent)"
    key = hashlib.sha256(tarball.read_bytes()).hexdigest()[:16]
    root = TIMESCALEDB_CACHE / key / "usr" / "lib" / "postgresql" / "15"
    if not (root / "lib" / "timescaledb.so").exists():
        return None, f"TimescaleDB not built in {root.parents[3]}: run scripts/test-services"
    return root / "bin", ""


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
