"""Process management for `anju ingest`: signals, N worker processes, periodic logs."""

from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import threading
import time

log = logging.getLogger("anju.ingest")


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def run_worker(index: int, log_level: str = "INFO") -> int:
    """Run one worker in this process until SIGTERM / SIGINT."""
    from anju_common.settings import get_database_settings, get_mqtt_settings
    from anju_ingest.settings import get_ingest_settings
    from anju_ingest.worker import Worker

    _setup_logging(log_level)
    stop = threading.Event()

    def _stop(_sig: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker = Worker(
        get_ingest_settings(), get_mqtt_settings(), get_database_settings(), index, stop
    )
    reporter = threading.Thread(target=_report, args=(worker, stop), daemon=True)
    reporter.start()
    worker.run()
    m = worker.metrics
    log.info(
        "stopped: %d stored, %d duplicates, %d dead letters",
        m.stored,
        m.duplicates,
        sum(m.dead.values()),
    )
    return 0


def _report(worker: object, stop: threading.Event) -> None:
    from anju_ingest.worker import Worker

    assert isinstance(worker, Worker)
    last = 0
    while not stop.wait(10):
        m = worker.metrics
        if m.stored != last:
            log.info(
                "stored %d (+%d), duplicates %d, dead letters %d, pending %d",
                m.stored,
                m.stored - last,
                m.duplicates,
                sum(m.dead.values()),
                m.pending,
            )
            last = m.stored


def _child(index: int, log_level: str) -> None:
    raise SystemExit(run_worker(index, log_level))


def run_workers(workers: int, *, migrate: bool = False, log_level: str = "INFO") -> int:
    _setup_logging(log_level)
    if migrate:
        import psycopg

        from anju_common.migrate import migrate as run_migrations
        from anju_common.settings import get_database_settings

        with psycopg.connect(get_database_settings().url) as conn:
            run_migrations(conn, retention_days=get_database_settings().retention_days)
    if workers == 1:
        return run_worker(0, log_level)
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(target=_child, args=(i, log_level), name=f"ingest-{i}") for i in range(workers)
    ]
    for p in procs:
        p.start()
    stopping = threading.Event()

    def _forward(_sig: int, _frame: object) -> None:
        stopping.set()
        for p in procs:
            if p.is_alive() and p.pid:
                import os

                os.kill(p.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    while any(p.is_alive() for p in procs):
        time.sleep(0.2)
    return max((p.exitcode or 0) for p in procs)
