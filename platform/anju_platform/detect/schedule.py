"""Detection inside the platform: a real-time loop polling newly stored events (by
received_at watermark, every second by default) and a daily loop running the
incremental pass for days not yet done. Both are off unless enabled in settings
(ANJU_DETECT_REALTIME_ENABLED, ANJU_DETECT_DAILY_ENABLED)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg

from anju_platform.detect.settings import DetectSettings, get_detect_settings

log = logging.getLogger("anju.detect")


def _realtime_loop(url: str, s: DetectSettings, stop: threading.Event) -> None:
    from anju_platform.detect import repo
    from anju_platform.detect.engine import RealtimeState, run_realtime

    conn: psycopg.Connection | None = None
    st: RealtimeState | None = None
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(url, autocommit=True)
                mark = repo.state_mark(conn, "realtime") or datetime.now(UTC)
                st = RealtimeState(mark=mark)
            assert st is not None
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
