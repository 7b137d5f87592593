"""Detection inside the platform: a real-time loop polling newly stored events (by
received_at watermark, every second by default) and a daily loop running the
incremental pass for days not yet done. Both are off unless enabled in settings
(ANJU_DETECT_REALTIME_ENABLED, ANJU_DETECT_DAILY_ENABLED)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import psycopg.errors

from anju_common.localtime import local_today
from anju_platform.detect.settings import DetectSettings, get_detect_settings

log = logging.getLogger("anju.detect")
SUMMARISE_S = 60.0  # how often the real-time loop summarises new received_at ranges


def _realtime_loop(url: str, settings: DetectSettings, stop: threading.Event) -> None:
    from anju_platform.detect import repo, repo_state
    from anju_platform.detect.realtime_loop import RealtimeState, run_realtime
    from anju_platform.detect.repo_state import Watermark

    conn: psycopg.Connection | None = None
    state: RealtimeState | None = None
    summarised, may_summarise = 0.0, True
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(url, autocommit=True)
                mark = repo_state.watermark_mark(conn, Watermark.REALTIME) or datetime.now(UTC)
                state = RealtimeState(mark=mark)
            assert state is not None
            if may_summarise and time.monotonic() - summarised > SUMMARISE_S:
                summarised = time.monotonic()
                try:
                    repo.summarize_arrivals(conn)
                except psycopg.errors.InsufficientPrivilege:
                    may_summarise = False  # not the table owner: leave it to autovacuum
                    log.warning("cannot summarise the events BRIN index; autovacuum must")
            while run_realtime(conn, state, settings) and not stop.is_set():
                pass  # drain a backlog before sleeping
        except psycopg.Error:
            log.exception("real-time detection failed; reconnecting")
            conn = None
        stop.wait(settings.realtime_poll_s)
    if conn is not None:
        conn.close()


def daily_pass(url: str, settings: DetectSettings) -> None:
    """Every estate up to yesterday (local): only whole days are judged."""
    from anju_platform.detect import repo
    from anju_platform.detect.engine import run_estate

    yesterday = local_today(settings.tz_offset_hours) - timedelta(days=1)
    with psycopg.connect(url, autocommit=True) as conn:
        for estate in repo.estates(conn):
            run_estate(conn, estate, until=yesterday, settings=settings)


def _daily_loop(url: str, settings: DetectSettings, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            daily_pass(url, settings)
        except psycopg.Error:
            log.exception("daily detection pass failed")
        stop.wait(settings.daily_interval_s)


def start_background(url: str, settings: DetectSettings | None = None) -> Callable[[], None]:
    """Start the enabled loops; returns a function that stops them."""
    settings = settings or get_detect_settings()
    stop = threading.Event()
    threads = []
    if settings.realtime_enabled:
        threads.append(
            threading.Thread(target=_realtime_loop, args=(url, settings, stop), daemon=True)
        )
    if settings.daily_enabled:
        threads.append(
            threading.Thread(target=_daily_loop, args=(url, settings, stop), daemon=True)
        )
    for thread in threads:
        thread.start()

    def halt() -> None:
        stop.set()
        for thread in threads:
            thread.join(10)

    return halt
