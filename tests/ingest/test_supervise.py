"""`anju ingest --workers N` supervises its workers (issue 15 item 3): a worker killed
with SIGKILL is replaced and takes over its session, so every acknowledged event is
stored, once; workers that keep dying make the parent exit non-zero."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from anju_bench.servers import Mosquitto, ingest_env, start_ingest, stop_process
from tests.waiting import wait_for

from .helpers import ResendingPublisher, count_events, register_gateway, sample_events
from .test_ingest_live import _stored_ids, _stream, _warm_up


def workers_of(pid: int) -> list[int]:
    """The worker processes (multiprocessing spawn children) of `anju ingest`."""
    out = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in cmd:
            out.append(int(child))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("client_id", ["configured", "from a slot"])
def test_a_killed_worker_is_replaced_and_nothing_is_lost(
    pg_url: str, broker: Mosquitto, client_id: str
) -> None:
    register_gateway(pg_url)
    env = ingest_env(pg_url, broker.url)
    if client_id == "from a slot":
        del env["ANJU_INGEST_CLIENT_ID"]
    pub = ResendingPublisher(broker.url)
    proc = start_ingest(env, workers=2)
    try:
        assert wait_for(lambda: len(workers_of(proc.pid)) == 2, 30)
        _warm_up(pub, pg_url)
        first = workers_of(proc.pid)
        events = sample_events(3000)

        def kill_one() -> None:
            os.kill(first[0], signal.SIGKILL)

        _stream(pub, events, rate=1000, during=kill_one)
        assert wait_for(lambda: count_events(pg_url)[1] >= 3000, 60), count_events(pg_url)
        time.sleep(1.0)
        assert count_events(pg_url) == (3000, 3000)
        assert set(_stored_ids(pg_url)) == {str(e.event_id) for e in events}
        assert proc.poll() is None
        now = workers_of(proc.pid)
        assert len(now) == 2 and first[0] not in now and first[1] in now
    finally:
        pub.close()
        stop_process(proc)
    assert proc.returncode == 0


def test_workers_that_keep_dying_stop_ingest_with_an_error(pg_url: str, broker: Mosquitto) -> None:
    env = ingest_env(
        pg_url, broker.url, ANJU_INGEST_RESTART_LIMIT="2", ANJU_INGEST_RESTART_WINDOW_S="120"
    )
    proc = start_ingest(env, workers=2, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            for pid in workers_of(proc.pid):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.3)
        assert proc.wait(30) == 1
    finally:
        stop_process(proc)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert "over the limit (ANJU_INGEST_RESTART_LIMIT=2); stopping" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("workers", [1, 2])
def test_a_burst_of_sigterms_stops_ingest(pg_url: str, broker: Mosquitto, workers: int) -> None:
    """A second SIGTERM arriving while the first one's handler was inside Event.set()
    deadlocked a worker for good (seen with the supervisor and stop_process both
    signalling); the parent then hung, or was killed and left the worker behind. Late
    signals while exiting made it exit -15 (seen in CI)."""
    register_gateway(pg_url)
    pub = ResendingPublisher(broker.url)
    proc = start_ingest(ingest_env(pg_url, broker.url), workers=workers)
    try:
        _warm_up(pub, pg_url)
        kids = workers_of(proc.pid)
        # keep signalling until the process is gone: signals that land while Python
        # finalizes (which puts handled signals back to SIG_DFL) killed it with -15
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            for pid in [proc.pid, *kids]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        assert proc.wait(5) == 0
        assert wait_for(lambda: not any(Path(f"/proc/{k}").exists() for k in kids), 10)
    finally:
        pub.close()
        stop_process(proc)
        for pid in workers_of(proc.pid) if proc.poll() is None else []:
            os.kill(pid, signal.SIGKILL)
