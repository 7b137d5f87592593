"""Private PostgreSQL clusters (initdb in a temp dir, restartable; a TimescaleDB one from
the build scripts/test-services makes): for the benches' `--private` runs and for the
tests that restart or reconfigure a server."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from anju_bench.servers import free_port


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
