"""Process management for `anju ingest`: signals, N worker processes, periodic logs."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
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
    stop_on_signals(stop)
    worker = Worker(
        get_ingest_settings(), get_mqtt_settings(), get_database_settings(), index, stop
    )
    reporter = threading.Thread(target=_report, args=(worker, stop), daemon=True)
    reporter.start()
    worker.run()
    ignore_stop_signals()
    m = worker.metrics
    log.info(
        "stopped: %d stored, %d duplicates, %d dead letters",
        m.stored,
        m.duplicates,
        sum(m.dead.values()),
    )
    return 0


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM / SIGINT set `stop`, from a thread of its own. Not from the handler: a
    handler runs inside whatever the main thread is doing, and Event.set() there
    deadlocks when the main thread holds the event's lock, or when a second signal
    comes while the first handler is inside set() (seen: a worker hung for good)."""
    r, w = os.pipe()
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w)  # the C-level handler writes the signal number here
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _s, _f: None)

    def watch() -> None:
        while os.read(r, 64):
            stop.set()

    threading.Thread(target=watch, name="signals", daemon=True).start()


def ignore_stop_signals() -> None:
    """Once stopping, ignore further SIGTERM / SIGINT. Python's finalization puts
    handled signals back to SIG_DFL (it leaves SIG_IGN alone), so a late signal from
    a burst killed a process that was already exiting cleanly (exit -15 instead of 0)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)


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
    from anju_ingest.settings import get_ingest_settings

    s = get_ingest_settings()
    return Supervisor(workers, log_level, s.restart_limit, s.restart_window_s).run()


class Supervisor:
    """Keeps N worker processes running. A worker that dies (SIGKILL, OOM, a crash) is
    replaced with backoff; the replacement takes the same index, so the same client id
    (configured, or the slot the dead one freed) and the session with the messages the
    broker queued for it. More than `limit` restarts within `window_s`: give up, stop
    the others and exit 1, so that systemd or docker sees the failure."""

    def __init__(self, workers: int, log_level: str, limit: int, window_s: float) -> None:
        self.ctx = mp.get_context("spawn")
        self.log_level, self.limit, self.window_s = log_level, limit, window_s
        self.procs: dict[int, mp.process.BaseProcess | None] = dict.fromkeys(range(workers))
        self.due: dict[int, float] = dict.fromkeys(range(workers), 0.0)  # restart at
        self.deaths: dict[int, list[float]] = {i: [] for i in range(workers)}
        self.stopping = False  # a plain flag: set from a signal handler (no locks there)

    def _start(self, i: int) -> None:
        p = self.ctx.Process(target=_child, args=(i, self.log_level), name=f"ingest-{i}")
        p.start()
        self.procs[i] = p

    def _stop_all(self) -> None:
        for p in self.procs.values():
            if p is not None and p.is_alive() and p.pid:
                os.kill(p.pid, signal.SIGTERM)

    def _on_signal(self, _sig: int, _frame: object) -> None:
        self.stopping = True

    def _died(self, i: int, code: int | None, now: float) -> bool:
        """Note worker i's death; False when restarts are over the limit."""
        for times in self.deaths.values():
            times[:] = [t for t in times if now - t < self.window_s]
        self.deaths[i].append(now)
        recent = sum(len(t) for t in self.deaths.values())
        if recent > self.limit:
            log.error(
                "ingest worker %d exited (code %s): %d restarts in %.0f s, over the limit "
                "(ANJU_INGEST_RESTART_LIMIT=%d); stopping",
                i,
                code,
                recent - 1,
                self.window_s,
                self.limit,
            )
            return False
        delay = min(0.5 * 2 ** (len(self.deaths[i]) - 1), 10.0)
        log.warning("ingest worker %d exited (code %s); restarting in %.1f s", i, code, delay)
        self.due[i] = now + delay
        self.procs[i] = None
        return True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        failed = False
        while not self.stopping:
            now = time.monotonic()
            for i, p in list(self.procs.items()):
                if p is None:
                    if now >= self.due[i]:
                        self._start(i)
                    continue
                if p.is_alive() or self.stopping:
                    continue
                if not self._died(i, p.exitcode, now):
                    failed = True
                    break
            if failed:
                break
            time.sleep(0.2)
        ignore_stop_signals()
        self._stop_all()  # one SIGTERM each
        for p in self.procs.values():
            if p is not None:
                p.join()
        if failed:
            return 1
        # a worker ended by our SIGTERM before its handler took over (starting, or
        # already finalizing) stopped as asked
        codes = [p.exitcode or 0 for p in self.procs.values() if p is not None]
        return max((0 if c == -signal.SIGTERM else c for c in codes), default=0)
