"""The demo's sequence: servers, schema, estate, ingest, events, report, clean stop."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from rich.console import Console
from rich.panel import Panel

from anju_bench.servers import free_port
from anju_cli.demo_db import Counts, counts
from anju_cli.demo_servers import (
    AmqttBroker,
    EmbeddedPostgres,
    MosquittoBroker,
    cmdline,
    pid_alive,
    start_broker,
    stop_pid,
)
from anju_cli.demo_source import EventSource, pick_source
from anju_common.cliargs import masked as _masked


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path
    duration: float = 0.0
    broker: str = "auto"
    protocol: int = 0
    rate: float = 20.0
    interval: float = 3.0
    source: str = "auto"
    ingest: bool = True  # False: an ingest is already running on these servers
    platform: bool = True  # the API and web console
    platform_port: int = 8000  # 0 or taken: a free port
    database_url: str | None = None
    mqtt_url: str | None = None


@dataclass
class Children:
    """Processes the demo started, recorded in the data directory so that a demo killed
    with SIGKILL can have its leftovers stopped by the next run."""

    pidfile: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)

    def stop_stale(self) -> list[str]:
        if not self.pidfile.exists():
            return []
        stopped = []
        with contextlib.suppress(OSError, ValueError):
            for name, pid in json.loads(self.pidfile.read_text()).items():
                line = cmdline(int(pid))
                if pid_alive(int(pid)) and ("anju" in line or "mosquitto" in line):
                    stop_pid(int(pid))
                    stopped.append(name)
        self.pidfile.unlink(missing_ok=True)
        return stopped

    def record(self) -> None:
        pids = {name: p.pid for name, p in self.procs.items()} | self.extra
        self.pidfile.write_text(json.dumps(pids))

    def start(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.procs[name] = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.record()

    def failed(self) -> list[str]:
        """Children that exited with an error, or the ingest exiting at all."""
        return [
            n
            for n, p in self.procs.items()
            if p.poll() is not None and (p.returncode != 0 or n == "ingest")
        ]

    def finished(self) -> set[str]:
        return {n for n, p in self.procs.items() if p.poll() == 0 and n != "ingest"}

    def stop_all(self) -> None:
        """The newest (the event source) first, so it stops before the ingest that stores
        its events; then the others together, not one after another: on a busy machine
        each can take seconds, and Ctrl-C must not wait for their sum."""
        newest_first = list(reversed(self.procs.values()))
        for group in (newest_first[:1], newest_first[1:]):
            for proc in group:
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 15
            for proc in group:
                try:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs.clear()


def _lock(data_dir: Path) -> IO[bytes] | None:
    """Hold an exclusive lock on the data directory while the demo runs. The kernel
    releases it when the process dies, even by SIGKILL, so leftovers can be told from
    a demo that is still running."""
    import fcntl

    handle = (data_dir / "demo.lock").open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _report(console: Console, c: Counts, published: int | None, elapsed: float) -> None:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(c.by_kind.items())) or "none yet"
    sent = f"  published {published}" if published is not None else ""
    console.print(
        f"[bold]{elapsed:6.0f}s[/]  events stored [green]{c.events}[/] ({kinds})"
        f"{sent}  dead letters {c.dead_letters}"
    )


def _wait_healthy(url: str, children: Children, timeout: float) -> bool:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not children.failed():
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(url, timeout=2) as resp,
        ):
            if resp.status == 200:
                time.sleep(0.3)  # connected; give the subscription a moment
                return True
        time.sleep(0.2)
    return False


def _ingest_env(
    o: DemoOptions, db_url: str, mqtt_url: str, protocol: int, port: int
) -> dict[str, str]:
    tag = hashlib.sha256(str(o.data_dir).encode()).hexdigest()[:8]
    return dict(
        os.environ,
        DATABASE_URL=db_url,
        MQTT_URL=mqtt_url,
        ANJU_INGEST_MQTT_PROTOCOL=str(protocol),
        ANJU_INGEST_METRICS_PORT=str(port),
        ANJU_INGEST_CLIENT_ID=f"anju-demo-ingest-{tag}",
        ANJU_INGEST_GROUP=f"anju-demo-{tag}",
    )


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _start_platform(
    o: DemoOptions, db_url: str, estate: str, children: Children
) -> tuple[str, dict[str, str]] | None:
    """Start `anju platform serve` with the demo accounts; (URL, user -> password)."""
    import psycopg

    from anju_cli.demo_console import platform_env, seed_accounts

    with psycopg.connect(db_url) as conn:
        logins = seed_accounts(conn, o.data_dir, estate)
    port = o.platform_port if o.platform_port and _port_free(o.platform_port) else free_port()
    children.start(
        "platform",
        [sys.executable, "-m", "anju_cli.main", "platform", "serve", "--port", str(port)],
        platform_env(o.data_dir, db_url),
        o.data_dir / "platform.log",
    )
    url = f"http://127.0.0.1:{port}"
    return (url, logins) if _wait_healthy(f"{url}/healthz", children, 60) else None


def _panel(
    o: DemoOptions,
    db_url: str,
    mqtt_url: str,
    protocol: int,
    port: int,
    source: EventSource,
    web: tuple[str, dict[str, str]] | None = None,
) -> Panel:
    proto = "MQTT 5" if protocol == 5 else "MQTT 3.1.1"
    db_url, mqtt_url = _masked(db_url), _masked(mqtt_url)
    console_lines = ""
    if web:
        url, logins = web
        who = "\n          ".join(f"{u} / {p}" for u, p in logins.items()) or (
            "none made: this database has accounts of its own"
        )
        console_lines = (
            f"[bold]Console[/]   {url}  (API docs: {url}/docs)\n[bold]Logins[/]    {who}\n"
        )
    return Panel.fit(
        console_lines + f"[bold]Database[/]  {db_url}\n"
        f"[bold]Broker[/]    {mqtt_url} ({proto})\n"
        + (
            f"[bold]Metrics[/]   http://127.0.0.1:{port}/metrics\n"
            if o.ingest
            else "[bold]Ingest[/]    not started here (--no-ingest)\n"
        )
        + f"[bold]Events[/]    {source.name}\n"
        f"[bold]Data dir[/]  {o.data_dir} (logs: *.log)\n\n"
        f"Look:  psql '{db_url}' -c 'SELECT kind, count(*) FROM events GROUP BY 1'\n"
        f"       mosquitto_sub -L '{mqtt_url}/anju/v1/#' -v -V "
        f"{'mqttv5' if protocol == 5 else 'mqttv311'}\n"
        "Ctrl-C stops everything.",
        title=f"Anju demo: estate {source.label}",
    )


def run_demo(o: DemoOptions, console: Console) -> int:
    import psycopg

    from anju_common.migrate import migrate

    o.data_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock(o.data_dir)
    if lock is None:
        console.print(f"[red]another `anju demo` is running on {o.data_dir}[/]")
        return 2
    children = Children(o.data_dir / "demo.pids")
    if stale := children.stop_stale():
        console.print(f"stopped leftovers of an earlier demo: {', '.join(stale)}")
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # Ctrl-C stops the demo even when it was started where SIGINT is ignored (a shell's
    # background job: Python then installs no handler and the demo ran to --duration)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    pg: EmbeddedPostgres | None = None
    broker: MosquittoBroker | AmqttBroker | None = None
    source: EventSource | None = None
    try:
        with console.status("starting servers"):
            if o.database_url:
                db_url = o.database_url
            else:
                pg = EmbeddedPostgres(o.data_dir)
                db_url = pg.start()
            if o.mqtt_url:
                mqtt_url, protocol = o.mqtt_url, o.protocol or 5
            else:
                broker = start_broker(o.data_dir, o.broker)
                mqtt_url, protocol = broker.url, o.protocol or broker.protocol
                if broker.pid:
                    children.extra["mosquitto"] = broker.pid
                    children.record()
        with console.status("migrating and seeding"), psycopg.connect(db_url) as conn:
            migrate(conn)
            source = pick_source(protocol, o.rate, o.source)
            source.seed(conn)

        port = free_port()
        env = _ingest_env(o, db_url, mqtt_url, protocol, port)
        if o.ingest:
            children.start(
                "ingest",
                [sys.executable, "-m", "anju_cli.main", "ingest"],
                env,
                o.data_dir / "ingest.log",
            )
        # A first-time subscriber has no session yet: publish only once ingest is up.
        if o.ingest and not _wait_healthy(f"http://127.0.0.1:{port}/health", children, 60):
            console.print(f"[red]ingest did not become healthy; see {o.data_dir / 'ingest.log'}[/]")
            return 1
        web = _start_platform(o, db_url, source.estate, children) if o.platform else None
        if o.platform and web is None:
            console.print(f"[red]the platform did not start; see {o.data_dir / 'platform.log'}[/]")
            return 1
        source.start(mqtt_url, env, children, o.data_dir / "simulator.log")
        console.print(_panel(o, db_url, mqtt_url, protocol, port, source, web))
        return _watch(o, console, db_url, children, source)
    except KeyboardInterrupt:
        console.print("stopping")
        return 0
    except RuntimeError as exc:  # a server that cannot start: say why, no traceback
        console.print(f"[red]{exc}[/]")
        return 1
    finally:
        if source:
            source.stop()
        children.stop_all()
        if broker:
            broker.stop()
        if pg:
            pg.stop()
        children.pidfile.unlink(missing_ok=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        lock.close()
        own = [n for n, mine in (("broker", broker), ("database", pg)) if mine]
        console.print(f"demo stopped ({', '.join(['its processes', *own])} down)")


def _watch(
    o: DemoOptions, console: Console, db_url: str, children: Children, source: EventSource
) -> int:
    """Report the counts every interval until --duration, Ctrl-C or a failed child."""
    import psycopg

    started = time.monotonic()
    finished: set[str] = set()
    with psycopg.connect(db_url, autocommit=True) as conn:
        while True:
            left = o.duration - (time.monotonic() - started) if o.duration else o.interval
            time.sleep(max(0.1, min(o.interval, left)))
            elapsed = time.monotonic() - started
            _report(console, counts(conn), source.published(), elapsed)
            if failed := children.failed():
                logs = ", ".join(str(o.data_dir / f"{n}.log") for n in failed)
                console.print(f"[red]{', '.join(failed)} failed; see {logs}[/]")
                return 1
            for name in children.finished() - finished:
                console.print(f"{name} finished its run; Ctrl-C to stop")
                finished.add(name)
            if o.duration and elapsed >= o.duration:
                return 0
