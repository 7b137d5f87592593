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

from anju_platform.detect.settings import DetectSettings, get_detect_settings

log = logging.getLogger("anju.detect")
SUMMARISE_S = 60.0  # how often the real-time loop summarises new received_at ranges


def _realtime_loop(url: str, s: DetectSettings, stop: threading.Event) -> None:
    from anju_platform.detect import repo
    from anju_platform.detect.engine import RealtimeState, run_realtime

    conn: psycopg.Connection | None = None
    st: RealtimeState | None = None
    summarised, may_summarise = 0.0, True
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(url, autocommit=True)
                mark = repo.state_mark(conn, "realtime") or datetime.now(UTC)
                st = RealtimeState(mark=mark)
            assert st is not None
            if may_summarise and time.monotonic() - summarised > SUMMARISE_S:
                summarised = time.monotonic()
                try:
                    repo.summarize_arrivals(conn)
                except psycopg.errors.InsufficientPrivilege:
                    may_summarise = False  # not the table owner: leave it to autovacuum
                    log.warning("cannot summarise the events BRIN index; autovacuum must")
            while run_realtime(conn, st, s) and not stop.is_set():
                pass  # drain a backlog before sleeping
        except psycopg.Error:
            log.exception("real-time detection failed; reconnecting")
            conn = None
        stop.wait(s.realtime_poll_s)
    if conn is not None:
        conn.close()


def daily_pass(url: str, s: DetectSettings) -> None:
    """Every estate up to yesterday (local): only whole days are judged."""
    from anju_platform.detect import repo
    from anju_platform.detect.engine import run_estate

    yesterday = (datetime.now(UTC) + timedelta(hours=s.tz_offset_hours)).date() - timedelta(days=1)
    with psycopg.connect(url, autocommit=True) as conn:
        for estate in repo.estates(conn):
            run_estate(conn, estate, until=yesterday, settings=s)


def _daily_loop(url: str, s: DetectSettings, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            daily_pass(url, s)
        except psycopg.Error:
            log.exception("daily detection pass failed")
        stop.wait(s.daily_interval_s)


def start_background(url: str, s: DetectSettings | None = None) -> Callable[[], None]:
    """Start the enabled loops; returns a function that stops them."""
    s = s or get_detect_settings()
    stop = threading.Event()
    threads = []
    if s.realtime_enabled:
        threads.append(threading.Thread(target=_realtime_loop, args=(url, s, stop), daemon=True))
    if s.daily_enabled:
        threads.append(threading.Thread(target=_daily_loop, args=(url, s, stop), daemon=True))
    for t in threads:
        t.start()

    def halt() -> None:
        stop.set()
        for t in threads:
            t.join(10)

    return halt
