"""Workflow jobs inside the platform: small periodic functions over a connection
(create cases for newly opened alerts, deliver webhooks, expire stranger snapshots,
erase persons after move-out...). Each runs in one background thread with its own
connection; a failing job is logged and retried on its next tick, never fatal.

A job is registered in `JOBS` with its interval; jobs are pure-ish functions of
(connection, settings) so tests can call them directly instead of waiting."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from anju_platform.settings import PlatformSettings

log = logging.getLogger("anju.jobs")

JobFn = Callable[[psycopg.Connection, PlatformSettings], object]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    interval_s: Callable[[PlatformSettings], float]
    run: JobFn


def registered() -> list[Job]:
    """Imported lazily so that a module's job only loads when the platform runs."""
    jobs: list[Job] = []
    # A workflow's job is a use case in anju_platform.services (it holds its transaction
    # and notifies), appended here with its interval.
    from anju_platform.repo.patrols import patrol_job

    jobs.append(Job("patrols", lambda s: s.jobs.poll_s, patrol_job))
    from anju_platform.services.cases import sync_job as cases_job

    jobs.append(Job("cases", lambda s: s.jobs.poll_s, cases_job))
    from anju_platform.services.care import sync_job as care_job

    jobs.append(Job("care", lambda s: s.jobs.poll_s, care_job))
    from anju_platform.delivery import deliver_job

    jobs.append(Job("webhooks", lambda s: s.jobs.poll_s, deliver_job))
    from anju_platform.lifecycle import lifecycle_job

    jobs.append(Job("lifecycle", lambda s: 3600.0, lifecycle_job))  # hourly is plenty for days
    return jobs


def _loop(url: str, settings: PlatformSettings, jobs: list[Job], stop: threading.Event) -> None:
    conn: psycopg.Connection | None = None
    next_at = {j.name: 0.0 for j in jobs}
    while not stop.is_set():
        now = time.monotonic()
        for job in jobs:
            if now < next_at[job.name] or stop.is_set():
                continue
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(url, autocommit=True)
                job.run(conn, settings)
            except psycopg.OperationalError:
                log.exception("job %s lost its connection; reconnecting", job.name)
                conn = None
            except Exception:
                log.exception("job %s failed; retrying on its next tick", job.name)
            next_at[job.name] = time.monotonic() + job.interval_s(settings)
        wait = min(next_at.values(), default=now + 1.0) - time.monotonic()
        stop.wait(max(0.05, min(wait, 1.0)))
    if conn is not None:
        conn.close()


def start_jobs(url: str, settings: PlatformSettings) -> Callable[[], None]:
    """Start the job thread (unless disabled); returns a function that stops it."""
    jobs = registered() if settings.jobs.enabled else []
    stop = threading.Event()
    if not jobs:
        return stop.set
    thread = threading.Thread(target=_loop, args=(url, settings, jobs, stop), daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(10)

    return halt
