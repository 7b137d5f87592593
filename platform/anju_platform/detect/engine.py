"""The detection pass over stored days: per estate, each local day not yet done (or a
re-run from a given day), committed day by day; several estates in parallel processes.
The day itself is day_pass.EstatePass; the real-time loop is realtime_loop."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta

import psycopg

from anju_common.localtime import day_start, local_day
from anju_common.settings import card_key_scope
from anju_platform.detect import facelog, repo, repo_building, repo_state
from anju_platform.detect.alertbook import AlertBook, merge_policy
from anju_platform.detect.building import BuildingPass
from anju_platform.detect.clustering import Clusterer, single_blas_thread
from anju_platform.detect.day_pass import EstatePass
from anju_platform.detect.model import UnitClock
from anju_platform.detect.readahead import READ_AHEAD_DAYS
from anju_platform.detect.repo_state import Watermark
from anju_platform.detect.settings import DetectSettings, get_detect_settings

Progress = Callable[[int, int], None]
FLUSH_DAYS = 30


def run_estate(
    conn: psycopg.Connection,
    estate: str,
    since: date | None = None,
    until: date | None = None,
    settings: DetectSettings | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Run the daily pass for one estate from `since` (a re-run: what was derived from
    that day on is recomputed) or from the day after the last one done, to `until`
    (default: the day of the latest stored event). Commits after each day."""
    with single_blas_thread(), _no_cyclic_gc(), repo.utc_session(conn):
        return _run_estate(conn, estate, since, until, settings, progress)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """No cyclic garbage collection while the pass runs: it allocates millions of
    acyclic objects (rows, passages), and each young collection walks those still
    alive (the window's rows): measured with gc.callbacks on e08 of the default
    portfolio, 21 collections cost 1.0 s of its ~12 s of CPU (the default threshold of
    700 cost ~10%). Its cycles are few: the same run's peak memory was the same (264 vs
    265 MB) without collection. Restored (and what piled up collected as usual) after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _run_estate(
    conn: psycopg.Connection,
    estate: str,
    since: date | None,
    until: date | None,
    settings: DetectSettings | None,
    progress: Progress | None,
) -> dict[str, int]:
    settings = (settings or get_detect_settings()).with_overrides(repo.overrides(conn, estate))
    offset = settings.tz_offset_hours
    first, last = repo.event_span(conn, estate)
    if first is None or last is None:
        return {"days": 0, "events": 0}
    watched = local_day(first, offset)
    done = repo_state.watermark_day(conn, Watermark.DAY, estate)
    start = since or (done + timedelta(days=1) if done else watched)
    start = max(start, watched)
    end = until or local_day(last, offset)
    if start > end:
        return {"days": 0, "events": 0}
    with conn.transaction():
        if since is not None or done is None or start <= done:
            repo_state.reset_from(conn, estate, start, day_start(start, offset))
            repo_building.reset_from(conn, estate, start)
            repo_state.rebuild_clocks(conn, estate, start)
        elif repo_state.watermark_day(conn, Watermark.CLOCKS, estate) != done:
            repo_state.rebuild_clocks(conn, estate, start)  # a run was cut short
        day_before = start - timedelta(days=1)
        repo_state.set_watermark(conn, Watermark.CLOCKS, estate, day=day_before)
        estate_pass = _resume(conn, estate, start, settings, watched)
    n_days, n_events = (end - start).days + 1, 0
    estate_pass.reader.until = day_start(end, offset)
    policy = merge_policy(settings)
    # the unknown faces of the days read, for the building pins (facelog): they ask for
    # the window_days before a first sighting at most building_new_days old
    # (and the days read ahead: readahead.READ_AHEAD_DAYS)
    keep = timedelta(days=settings.building_new_days + settings.window_days + 2 + READ_AHEAD_DAYS)
    with facelog.kept(conn, estate, keep) if settings.building_enabled else nullcontext():
        for i in range(n_days):
            day = start + timedelta(days=i)
            with conn.transaction():
                repo_state.lazy_commit(conn)
                units = estate_pass.register.units
                cooldown_from = day - timedelta(days=settings.cooldown_days)
                book = AlertBook(
                    conn, estate, units, cooldown_from, estate_pass.evidence_sent, policy
                )
                # clocks and cluster counts every FLUSH_DAYS days and on the last day
                flush = i == n_days - 1 or (i + 1) % FLUSH_DAYS == 0
                n_events += estate_pass.run_day(day, book, flush)
            if progress:
                progress(i + 1, n_days)
    return {"days": n_days, "events": n_events}


def _resume(
    conn: psycopg.Connection, estate: str, start: date, settings: DetectSettings, watched: date
) -> EstatePass:
    """The pass as it stood at the end of the day before `start`: register, stranger
    clusters, unit clocks and the presence window."""
    register = repo.load_register(conn, estate)
    clusters = Clusterer(register.face_distance(settings.cluster_distance))
    repo_state.load_clusters(conn, estate, clusters)
    estate_pass = EstatePass(conn, estate, settings, register, watched, clusters)
    if settings.building_enabled:
        estate_pass.building = BuildingPass.load(conn, estate, start, settings)
        # where the card faces' clusters went about tied to no flat, as run_day records it
        for day, identity in repo_building.sighted(
            conn, estate, watched, start - timedelta(days=1)
        ):
            estate_pass.card_faces.add_about(day, [identity])
    for unit, (any_day, member_day, member_in) in repo_state.unit_clocks(conn, estate).items():
        estate_pass.clocks[unit] = UnitClock(any_day, member_day, member_in, watched)
    window_start = start - timedelta(days=settings.window_days - 1)
    for p in repo_state.presence(conn, estate, window_start, start - timedelta(days=1)):
        estate_pass.window.setdefault(p.day, []).append(p)
    estate_pass.card_faces.add_day(repo_state.card_face_rows(conn, estate, start))
    return estate_pass


def _run_one(
    url: str,
    estate: str,
    since: date | None,
    until: date | None,
    settings: DetectSettings | None,
    environment: dict[str, str] | None = None,
) -> dict[str, int]:
    if environment is not None:  # a pool worker
        _adopt_environment(environment)
        return run_estate(_worker_connection(url), estate, since, until, settings)
    with psycopg.connect(url, autocommit=True) as conn:
        return run_estate(conn, estate, since, until, settings)


_worker_connections: dict[str, psycopg.Connection] = {}


def _worker_connection(url: str) -> psycopg.Connection:
    """A pool worker's connection, kept for its next estates (it closes as the worker
    exits with the pool): a new backend loads the catalog entries of every day partition
    again, about 40 ms of its CPU, which is much of one new day's start-up."""
    conn = _worker_connections.get(url)
    if conn is None or conn.closed or conn.broken:
        conn = _worker_connections[url] = psycopg.connect(url, autocommit=True)
    return conn


def run_estates(
    url: str,
    estates: list[str],
    since: date | None = None,
    until: date | None = None,
    settings: DetectSettings | None = None,
    workers: int | None = None,
    done: Callable[[str, dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """run_estate for several estates; they are independent, so `workers` processes
    (default: the CPU count) each with its own connection run them, largest first.
    `done(estate, counts)` is called as each one finishes."""
    total = {"days": 0, "events": 0}
    n = max(1, min(workers or os.cpu_count() or 1, len(estates)))
    if n == 1:
        for estate in estates:
            got = _run_one(url, estate, since, until, settings)
            total = {key: total[key] + got[key] for key in total}
            if done:
                done(estate, got)
        return total
    with psycopg.connect(url, autocommit=True) as conn:
        size = repo.unit_counts(conn, estates)
    order = sorted(estates, key=lambda estate: -size.get(estate, 0))
    with ProcessPoolExecutor(n, mp_context=_process_context()) as pool:
        futures = {
            pool.submit(_run_one, url, estate, since, until, settings, _anju_environment()): estate
            for estate in order
        }
        for future in as_completed(futures):
            got = future.result()
            total = {key: total[key] + got[key] for key in total}
            if done:
                done(futures[future], got)
    return total


def _anju_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("ANJU_")}


def _adopt_environment(environment: dict[str, str]) -> None:
    """A fork server keeps the environment of the moment it started, so a worker takes
    the caller's ANJU_* settings as they are now (e.g. the card key scope a bench world
    sets) and forgets the settings it cached from an older environment."""
    for key in [k for k in os.environ if k.startswith("ANJU_") and k not in environment]:
        del os.environ[key]
    os.environ.update(environment)
    get_detect_settings.cache_clear()
    card_key_scope.cache_clear()


def _process_context() -> multiprocessing.context.BaseContext:
    """Always a fork server, whoever calls: forking is unsafe in a threaded parent (the
    platform's loops, psycopg's and BLAS's threads; Python 3.12 warns), and whether the
    parent has threads must not decide how the pass runs. The server imports this module
    once, so each worker starts without paying the imports again; unlike spawn it needs
    no re-import of the caller's __main__."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context
