"""`anju demo` as a new user runs it: a subprocess on embedded servers, events in the
database within 30 s, and nothing left running after Ctrl-C (or after a SIGKILL and the
next start)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from anju_bench.servers import Mosquitto

ANJU = [sys.executable, "-m", "anju_cli.main"]


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """A private directory directly in /tmp. As root the demo's PostgreSQL runs as
    `nobody`, which must traverse the parents; pytest resets its own base directory to
    0700 whenever a pytest session starts, which would cut a running server off."""
    path = Path(tempfile.mkdtemp(prefix="anju-demo-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _start(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MQTT_URL")}
    env = base | {"COLUMNS": "200"} | (env or {})
    return subprocess.Popen(
        [*ANJU, "demo", "--data-dir", str(data_dir), "--interval", "1", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, like a shell job
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    """A test that failed midway still stops the demo as Ctrl-C would (SIGKILL would
    leave its PostgreSQL and Mosquitto running)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _database_url(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[str, str]:
    """Read the demo's output up to its panel's broker line; the database URL and text."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if "Broker" in line and (m := re.search(r"Database\s+(postgresql://\S+)", "".join(seen))):
            return m.group(1), "".join(seen)
    raise AssertionError("demo printed no database URL:\n" + "".join(seen))


def _rest_of_panel(proc: subprocess.Popen[str], head: str) -> str:
    assert proc.stdout is not None
    while "Ctrl-C" not in head:
        head += proc.stdout.readline()
    return head


def _wait_events(url: str, started: float, within: float = 30) -> int:
    while time.monotonic() - started < within:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM events WHERE kind = 'access'").fetchone()
        if row and row[0] > 0:
            return int(row[0])
        time.sleep(0.5)
    raise AssertionError(f"no events in the database {within}s after `anju demo` started")


def _console_works(panel: str) -> None:
    """The printed console URL serves the console, and the printed login works."""
    site = re.search(r"Console\s+(http://\S+)", panel)
    login = re.search(r"manager / (\S+)", panel)
    assert site and login, panel
    with httpx.Client(base_url=site.group(1), timeout=30) as c:
        assert c.get("/").status_code == 200
        r = c.post("/api/v1/auth/login", data={"username": "manager", "password": login.group(1)})
        assert r.status_code == 200, r.text
        me = c.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
        )
        assert me.status_code == 200 and me.json()["role"] == "manager", me.text


def _logins(panel: str) -> tuple[str, dict[str, str]]:
    site = re.search(r"Console\s+(http://\S+)", panel)
    found = dict(re.findall(r"(admin|manager|inspector) / (\S+)", panel))
    assert site and set(found) == {"admin", "manager", "inspector"}, panel
    return site.group(1), found


def _token(c: httpx.Client, user: str, password: str) -> dict[str, str]:
    r = c.post("/api/v1/auth/login", data={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _get(c: httpx.Client, path: str, auth: dict[str, str], **params: object) -> Any:
    r = c.get(path, headers=auth, params=params)
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
    return r.json()


def _stream_kinds(c: httpx.Client, auth: dict[str, str], estate: str) -> set[str]:
    """The SSE frame kinds (event:, gateway:...) the live feed sends within 4 s."""
    kinds = set()
    params = {"estate_id": estate, "max_seconds": 4}
    with c.stream("GET", "/api/v1/stream", headers=auth, params=params) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("event: "):
                kinds.add(line.removeprefix("event: "))
    return kinds


def _wait_alert(c: httpx.Client, auth: dict[str, str], estate: str, within: float) -> list[Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if found := _get(c, "/api/v1/alerts", auth, estate_id=estate):
            return list(found)
        time.sleep(2)
    raise AssertionError(f"no alert in {estate} within {within}s")


def _processes_using(data_dir: Path) -> list[str]:
    """Live processes whose command line names the data dir (postgres, mosquitto)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(data_dir) in cmd and "pytest" not in cmd and "anju_cli.main demo" not in cmd:
            found.append(f"{entry.name}: {cmd}")
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.split(") ", 1)[1][0] != "Z"


def _child_pids(data_dir: Path) -> list[int]:
    pids = json.loads((data_dir / "demo.pids").read_text()).values()
    pm = (data_dir / "pg" / "postmaster.pid").read_text().split("\n", 1)[0]
    return [int(p) for p in pids] + [int(pm)]


@pytest.mark.slow
def test_demo_stores_events_and_ctrl_c_stops_everything(private_dir: Path) -> None:
    data_dir = private_dir / "demo"
    started = time.monotonic()
    proc = _start(data_dir, "--duration", "120")
    try:
        url, head = _database_url(proc)
        panel = _rest_of_panel(proc, head)
        assert "simulator" in panel  # the repo ships anju_sim
        assert _wait_events(url, started) > 0
        _console_works(panel)
        pids = _child_pids(data_dir)
        assert len(pids) >= 2 and all(_alive(p) for p in pids)
        # A second demo on the same data directory must not take the first one's
        # processes for leftovers.
        second = _start(data_dir, "--duration", "5")
        out2, _ = second.communicate(timeout=60)
        assert second.returncode == 2 and "another `anju demo` is running" in out2
        assert all(_alive(p) for p in pids)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, _ = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 0, out
    assert "demo stopped" in out
    assert [p for p in pids if _alive(p)] == []
    assert _processes_using(data_dir) == []


@pytest.mark.slow
def test_demo_after_sigkill_stops_the_leftovers(private_dir: Path) -> None:
    data_dir = private_dir / "demo"
    proc = _start(data_dir, "--source", "builtin", "--duration", "120")
    try:
        url, _ = _database_url(proc)
        _wait_events(url, time.monotonic())
        pids = _child_pids(data_dir)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert all(_alive(p) for p in pids)  # what a killed parent leaves behind
        again = _start(data_dir, "--source", "builtin", "--duration", "3")
        out, _ = again.communicate(timeout=120)
        assert again.returncode == 0, out
        assert "stopped leftovers of an earlier demo" in out
        assert [p for p in pids if _alive(p)] == []
        assert _processes_using(data_dir) == []
        # The data survived: the second run saw the first run's events.
        counts = [int(n) for n in re.findall(r"events stored (\d+)", out)]
        assert counts and counts[0] > 0
    finally:
        for p in _processes_using(data_dir):
            os.kill(int(p.split(":")[0]), signal.SIGKILL)


@pytest.mark.slow
def test_demo_on_amqtt_with_mqtt_311(private_dir: Path) -> None:
    """The broker a machine without Mosquitto gets: amqtt, clients on MQTT 3.1.1."""
    started = time.monotonic()
    proc = _start(private_dir / "demo", "--broker", "amqtt", "--duration", "120")
    try:
        url, head = _database_url(proc)
        assert "MQTT 3.1.1" in head
        assert _wait_events(url, started) > 0
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 0, out
    assert _processes_using(private_dir / "demo") == []


@pytest.mark.slow
def test_demo_uses_the_servers_named_by_the_urls(
    private_dir: Path, pg_url: str, broker: Mosquitto
) -> None:
    data_dir = private_dir / "demo"
    started = time.monotonic()
    proc = _start(
        data_dir, "--duration", "120", env={"DATABASE_URL": pg_url, "MQTT_URL": broker.url}
    )
    try:
        url, head = _database_url(proc)
        assert url == pg_url and broker.url in head
        assert _wait_events(pg_url, started) > 0
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 0, out
    assert not (data_dir / "pg").exists() and not (data_dir / "mosquitto").exists()
    assert broker.proc is not None and broker.proc.poll() is None  # not ours to stop


@pytest.mark.slow
def test_each_printed_user_sees_their_estate(private_dir: Path) -> None:
    """Issue 17 item 1: the manager was scoped to the banner text and the inspector to
    no grid, so both saw nothing. Log in as each printed user on a fresh demo: the
    manager sees the estate's gateways, its live events and an alert; the inspector the
    estate, alerts of their grid and their tasks (inspectors never see gateways or the
    event feed: docs/api.md); the admin every estate."""
    data_dir = private_dir / "demo"
    proc = _start(data_dir, "--duration", "400", "--rate", "100", "--port", "0")
    try:
        url, head = _database_url(proc)
        site, logins = _logins(_rest_of_panel(proc, head))
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT estate_id FROM estates ORDER BY 1 LIMIT 1").fetchone()
        assert row is not None
        estate = row[0]
        with httpx.Client(base_url=site, timeout=30) as c:
            manager = _token(c, "manager", logins["manager"])
            inspector = _token(c, "inspector", logins["inspector"])
            admin = _token(c, "admin", logins["admin"])
            assert [e["estate_id"] for e in _get(c, "/api/v1/estates", manager)] == [estate]
            assert [e["estate_id"] for e in _get(c, "/api/v1/estates", inspector)] == [estate]
            assert estate in [e["estate_id"] for e in _get(c, "/api/v1/estates", admin)]
            me = _get(c, "/api/v1/auth/me", inspector)
            assert me["grids"], me
            deadline = time.monotonic() + 60
            while not (gws := _get(c, "/api/v1/overview/gateways", manager, estate_id=estate)):
                assert time.monotonic() < deadline, "the manager sees no gateway"
                time.sleep(1)
            assert any(g["state"] == "online" for g in gws), gws
            assert {"event", "gateway"} <= _stream_kinds(c, manager, estate)
            assert _wait_alert(c, manager, estate, within=240)
            seen = _wait_alert(c, inspector, estate, within=30)
            assert {a["grid_id"] for a in seen} <= set(me["grids"])
            deadline = time.monotonic() + 30
            while not _get(c, "/api/v1/cases/mine", inspector):
                assert time.monotonic() < deadline, "the inspector has no task"
                time.sleep(1)
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 0, out
    assert _processes_using(data_dir) == []
