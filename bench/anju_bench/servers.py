"""Private servers for benchmarks (and the tests that use them too): a Mosquitto with our
shipped tuning on a free port, throwaway databases on a PostgreSQL server, an ingest
child. Never touches the shared broker's configuration. What only tests need (a private
PostgreSQL cluster, the TimescaleDB build, template databases) is in tests/pgservers.py."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Stock Mosquitto drops messages for a slow consumer past 1000 queued (MEASURED.md):
# these limits are the ones we ship in deploy/mosquitto/mosquitto.conf too.
BROKER_TUNING = """\
max_queued_messages 1000000
max_queued_bytes 0
max_inflight_messages 0
max_packet_size 1048576
persistent_client_expiration 7d
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


@dataclass
class Mosquitto:
    """A mosquitto process we own; restartable for fault tests (persistence on)."""

    workdir: Path
    port: int = field(default_factory=free_port)
    extra_conf: str = ""
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _write_conf(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            + ("" if "allow_anonymous" in self.extra_conf else "allow_anonymous true\n")
            + "persistence true\n"
            + f"persistence_location {self.workdir}/\n"
            + "autosave_interval 60\n"  # SIGTERM saves too; a 1 s autosave costs CPU
            + f"log_dest file {self.workdir}/mosquitto.log\n"
            + BROKER_TUNING
            + self.extra_conf
        )
        return conf

    def start(self) -> Mosquitto:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        conf = self._write_conf()
        # Run as the invoking user; as root mosquitto would switch to `mosquitto`.
        env = dict(os.environ)
        cmd = [binary, "-c", str(conf)]
        if os.geteuid() == 0:
            with conf.open("a") as f:
                f.write("user root\n")
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            wait_port("127.0.0.1", self.port)
        except TimeoutError:
            err = self.proc.stderr.read().decode() if self.proc.stderr else ""
            raise RuntimeError(f"mosquitto did not start: {err}") from None
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, down_s: float = 0.5) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()


@contextlib.contextmanager
def private_mosquitto(extra_conf: str = "") -> Iterator[Mosquitto]:
    with tempfile.TemporaryDirectory(prefix="anju-mqtt-") as d:
        broker = Mosquitto(Path(d), extra_conf=extra_conf).start()
        try:
            yield broker
        finally:
            broker.stop()


def with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


@contextlib.contextmanager
def scratch_database(
    server_url: str, prefix: str = "anju_test", migrate: bool = True, template: str | None = None
) -> Iterator[str]:
    """CREATE a fresh database on the server of `server_url`, migrate it, DROP it after.
    With `template`: a copy of that (already migrated) database instead."""
    import psycopg

    from anju_common.migrate import migrate as run_migrations

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = with_dbname(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    url = with_dbname(server_url, name)
    try:
        if migrate and template is None:
            with psycopg.connect(url) as conn:
                run_migrations(conn)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ingest_env(db_url: str, mqtt_url: str, **extra: str) -> dict[str, str]:
    """Environment for an `anju ingest` child of our own: its own session and group, so
    it never shares messages with another ingest on the same broker; no metrics port."""
    tag = uuid.uuid4().hex[:8]
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        MQTT_URL=mqtt_url,
        ANJU_INGEST_METRICS_PORT="0",
        ANJU_INGEST_CLIENT_ID=f"ingest-{tag}",
        ANJU_INGEST_GROUP=f"g{tag}",
    )
    env.update(extra)
    return env


def start_ingest(
    env: dict[str, str], workers: int = 1, stderr: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "anju_cli.main", "ingest", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM (a clean stop commits what was received), SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def running_ingest(
    env: dict[str, str], workers: int = 1, stderr: int = subprocess.DEVNULL
) -> Iterator[subprocess.Popen[bytes]]:
    proc = start_ingest(env, workers, stderr)
    try:
        yield proc
    finally:
        stop_process(proc)


# ../shared next to the checkout (the worktree's parent), as the tests find it
SHARED = Path(__file__).resolve().parents[3] / "shared"
PRIVATE_KINDS = ("postgres", "timescaledb")


@contextlib.contextmanager
def private_server(kind: str) -> Iterator[str]:
    """A private cluster for a benchmark, its server URL: plain PostgreSQL 15, or the
    TimescaleDB build (preloaded, no background jobs, like the tests' cluster), so both
    event stores are measured on the same footing (fsync off on both)."""
    if kind not in PRIVATE_KINDS:
        raise ValueError(f"--private must be one of {', '.join(PRIVATE_KINDS)}, not {kind!r}")
    from anju_bench.pgcluster import private_postgres, timescaledb_bindir

    if kind == "postgres":
        with private_postgres() as pg:
            yield pg.url
        return
    bindir, why = timescaledb_bindir(SHARED)
    if bindir is None:
        raise RuntimeError(why)
    with private_postgres(
        bindir, preload="timescaledb", options="-c timescaledb.max_background_workers=0"
    ) as pg:
        yield pg.url
