"""The detection pass: per estate and local day, events -> passages -> presence
(roll-up tables) -> rules -> alerts; and the real-time pass over newly stored events."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import psycopg

from anju_common.settings import card_key_scope
from anju_platform.detect import repo
from anju_platform.detect.alertbook import AlertBook
from anju_platform.detect.clustering import Clusterer, single_blas_thread
from anju_platform.detect.model import Finding, Presence, UnitClock
from anju_platform.detect.passages import EventRow, passages
from anju_platform.detect.presence import Resolved, Resolver, cluster_links, roll_up
from anju_platform.detect.register import Register
from anju_platform.detect.rules import daily, realtime
from anju_platform.detect.rules.common import summarise
from anju_platform.detect.settings import DetectSettings, get_detect_settings

Progress = Callable[[int, int], None]
# weighed against the flat's window in the daily pass, never raised by the real-time loop
DAILY_ONLY = {"card_face_mismatch"}
FLUSH_DAYS = 30


def realtime_findings(
    res: list[Resolved], reg: Register, s: DetectSettings, last: dict[str, realtime.CardUse]
) -> list[Finding]:
    """The real-time rules over resolved passages in time order; `last` holds each
    card's latest granted use (updated here)."""
    out: list[Finding] = []
    for r in res:
        card, day = r.p.card, r.day
        owner_unit = reg.unit_of(r.owner, day) if r.owner else None
        if card is not None:
            f = realtime.card_clone(r, last.get(card), owner_unit, s)
            if f:
                out.append(f)
            if r.p.access is not None and r.p.access.granted:
                last[card] = realtime.CardUse(r.p.time, r.p.gateway_id, r.p.access.event_id)
            f = realtime.after_moveout(r, r.former_unit)
            if f:
                out.append(f)
            f = realtime.face_mismatch(r, owner_unit, s)
            if f:
                out.append(f)
        who = r.face_person or r.owner
        if who and r.former_unit and (r.cred_state == "revoked" or r.face_person):
            f = realtime.evicted_reentry(r, r.former_unit, reg.evicted(who))
            if f:
                out.append(f)
    return out


@dataclass
class EstatePass:
    conn: psycopg.Connection
    estate: str
    s: DetectSettings
    reg: Register
    watched_from: date
    clusters: Clusterer
    window: dict[date, list[Presence]] = field(default_factory=dict)
    clocks: dict[str, UnitClock] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)  # units whose clock is not saved yet
    # day -> (its window rows, the (stranger cluster, unit) pairs among them)
    links: dict[date, tuple[list[Presence], list[tuple[str, str]]]] = field(default_factory=dict)
    # day -> (its window rows, those rows by unit, units with a non-member row)
    groups: dict[date, tuple[list[Presence], dict[str, list[Presence]], set[str]]] = field(
        default_factory=dict
    )

    @property
    def tz(self) -> timedelta:
        return timedelta(hours=self.s.tz_offset_hours)

    def day_bounds(self, d: date) -> tuple[datetime, datetime]:
        start = datetime.combine(d, time(0), tzinfo=UTC) - self.tz
        return start, start + timedelta(days=1)

    def run_day(self, d: date, book: AlertBook, flush: bool = True) -> int:
        """One local day, in the caller's transaction. The unit clocks and the clusters'
        last-seen counts are written only when `flush` (the clocks with their own
        watermark: a run cut short rebuilds them from presence)."""
        start, end = self.day_bounds(d)
        evs = repo.events(self.conn, self.estate, start, end)
        resolver = Resolver(
            self.reg,
            self.clusters,
            self.tz,
            self.s.cluster_distance,
            watch_days=self.s.evicted_watch_days,
            watch_distance=self.s.evicted_match_distance,
            cluster_units=self._cluster_units(),
        )
        self.clusters.prepare(
            [
                (e.gateway_id, e.event_id, e.embedding)
                for e in evs
                if e.kind == "face" and not e.person_id and e.embedding is not None
            ]
        )
        res = [resolver.resolve(p) for p in passages(evs, self.s.pair_window_s)]
        rows = roll_up(res)
        repo.save_clusters(self.conn, self.estate, self.clusters, seen=flush)
        repo.replace_presence(self.conn, self.estate, d, rows)
        self.window[d] = rows
        for old in [k for k in self.window if k <= d - timedelta(days=self.s.window_days)]:
            del self.window[old]
        self.dirty |= self._tick_clocks(rows)
        found = realtime_findings(res, self.reg, self.s, {})
        if card_key_scope() == "authority":
            found += self._clones_elsewhere(res, start, end)
        findings = [f for f in found if f.type not in DAILY_ONLY]
        evaluated: set[str] = set()
        findings.extend(self._daily(d, evaluated, [f for f in found if f.type in DAILY_ONLY]))
        for f in findings:
            book.apply(f)
        book.close_ended(d, evaluated, {(f.unit_id, f.type) for f in findings})
        if flush:
            repo.save_clocks(self.conn, self.estate, {u: self.clocks[u] for u in self.dirty})
            repo.set_state(self.conn, f"clocks:{self.estate}", day=d)
            self.dirty.clear()
        repo.set_state(self.conn, f"day:{self.estate}", day=d)
        return len(evs)

    def _clones_elsewhere(
        self, res: list[Resolved], start: datetime, end: datetime
    ) -> list[Finding]:
        """Cards of this estate's people granted at another estate within the clone
        window of a use here (either side of the day's edges)."""
        ours = [
            (r, unit)
            for r in res
            if r.p.card and r.owner and (unit := self.reg.unit_of(r.owner, r.day)) is not None
        ]
        if not ours:
            return []
        w = timedelta(seconds=self.s.clone_window_s)
        refs = sorted({r.p.card for r, _ in ours if r.p.card})
        uses: dict[str, list[realtime.CardUse]] = {}
        for ref, t, gw, eid in repo.card_uses_elsewhere(
            self.conn, self.estate, refs, start - w, end + w
        ):
            uses.setdefault(ref, []).append(realtime.CardUse(t, gw, eid))
        out = []
        for r, unit in ours:
            f = realtime.clone_elsewhere(r, uses.get(r.p.card or "", []), unit, self.s)
            if f:
                out.append(f)
        return out

    def _cluster_units(self) -> dict[str, str]:
        """Stranger clusters the window links to exactly one flat on 2+ days (from the
        days' stranger rows, gathered once per day)."""
        per_day = []
        for d in self.window:
            links = self.links.get(d)
            if links is None or links[0] is not self.window[d]:
                rows = self.window[d]
                pairs = sorted({(p.identity, p.unit_id) for p in rows if p.role == "stranger"})
                links = self.links[d] = (rows, pairs)
            per_day.append(links[1])
        for old in [k for k in self.links if k not in self.window]:
            del self.links[old]
        return cluster_links(per_day)

    def _tick_clocks(self, rows: list[Presence]) -> set[str]:
        for p in rows:
            c = self.clocks.get(p.unit_id) or UnitClock(None, None, None, self.watched_from)
            any_day = p.day if p.role != "visitor" else c.last_any_day
            if p.role == "member":
                c = UnitClock(any_day, p.day, p.last_in, c.watched_from)
            else:
                c = UnitClock(any_day, c.last_member_day, c.last_member_in, c.watched_from)
            self.clocks[p.unit_id] = c
        return {p.unit_id for p in rows}

    def _by_unit(self) -> dict[str, list[Presence]]:
        """The window's rows of each unit with someone other than a member in it (window
        order, then row order), from per-day groups made once per day."""
        days = [self._grouped(k) for k in self.window]
        wanted = set().union(*(g[1] for g in days)) if days else set()
        by_unit: dict[str, list[Presence]] = {}
        for groups, _ in days:
            for unit, rows in groups.items():
                if unit in wanted:
                    by_unit.setdefault(unit, []).extend(rows)
        return by_unit

    def _grouped(self, d: date) -> tuple[dict[str, list[Presence]], set[str]]:
        rows = self.window[d]
        got = self.groups.get(d)
        if got is None or got[0] is not rows:
            groups: dict[str, list[Presence]] = {}
            for p in rows:
                groups.setdefault(p.unit_id, []).append(p)
            others = {p.unit_id for p in rows if p.role != "member"}
            got = (rows, groups, others)
            self.groups[d] = got
        return got[1], got[2]

    def _daily(self, d: date, evaluated: set[str], held: list[Finding]) -> list[Finding]:
        """The daily rules, and the `held` card/face mismatches of the day that the
        flat's own pattern does not explain better."""
        mismatches: dict[str, list[Finding]] = {}
        for f in held:
            mismatches.setdefault(f.unit_id, []).append(f)
        by_unit = self._by_unit()
        for old in [k for k in self.groups if k not in self.window]:
            del self.groups[old]
        out: list[Finding] = []
        s = self.s
        for unit in self.reg.units:
            facts = self.reg.facts_on(unit, d)
            evaluated.add(unit)
            clock = self.clocks.get(unit) or UnitClock(None, None, None, self.watched_from)
            seen = by_unit.get(unit, [])
            w = summarise(seen, facts) if seen else None
            found = [
                daily.vacancy(facts, clock, d, s),
                daily.welfare(facts, clock, seen, d, s, w),
            ]
            if seen:
                found += [
                    daily.sublet(seen, facts, d, s, w, clock),
                    daily.overcrowding(seen, facts, d, s, w),
                    daily.change_of_use(seen, facts, d, s, w),
                ]
            for f in mismatches.pop(unit, ()):
                face = next((p for p in f.persons if p.startswith("u-")), None)
                if w is None or daily.mismatch_explained(face, w, d, s) is None:
                    found.append(f)
            out.extend(f for f in found if f is not None)
        return out


def _local_day(t: datetime, s: DetectSettings) -> date:
    return (t + timedelta(hours=s.tz_offset_hours)).date()


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
    with single_blas_thread(), _fewer_collections():
        return _run_estate(conn, estate, since, until, settings, progress)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The pass allocates millions of short-lived, acyclic objects (rows, passages); a
    young collection every 700 allocations (the default) cost ~10% of its CPU time."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 50)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _run_estate(
    conn: psycopg.Connection,
    estate: str,
    since: date | None,
    until: date | None,
    settings: DetectSettings | None,
    progress: Progress | None,
) -> dict[str, int]:
    s = (settings or get_detect_settings()).with_overrides(repo.overrides(conn, estate))
    first, last = repo.first_event_day(conn, estate), repo.last_event_time(conn, estate)
    if first is None or last is None:
        return {"days": 0, "events": 0}
    watched = _local_day(first, s)
    done = repo.state_day(conn, f"day:{estate}")
    start = since or (done + timedelta(days=1) if done else watched)
    start = max(start, watched)
    end = until or _local_day(last, s)
    if start > end:
        return {"days": 0, "events": 0}
    with conn.transaction():
        if since is not None or done is None or start <= done:
            repo.reset_from(conn, estate, start)
            repo.rebuild_clocks(conn, estate, start)
        elif repo.state_day(conn, f"clocks:{estate}") != done:  # a run was cut short
            repo.rebuild_clocks(conn, estate, start)
        repo.set_state(conn, f"clocks:{estate}", day=start - timedelta(days=1))
        reg = repo.load_register(conn, estate)
        cl = Clusterer(s.cluster_distance)
        repo.load_clusters(conn, estate, cl)
        ep = EstatePass(conn, estate, s, reg, watched, cl)
        for u, (a, m, i) in repo.unit_clocks(conn, estate).items():
            ep.clocks[u] = UnitClock(a, m, i, watched)
        for p in repo.presence(
            conn, estate, start - timedelta(days=s.window_days - 1), start - timedelta(days=1)
        ):
            ep.window.setdefault(p.day, []).append(p)
    n_days, n_events = (end - start).days + 1, 0
    for i in range(n_days):
        d = start + timedelta(days=i)
        with conn.transaction():
            repo.lazy_commit(conn)
            book = AlertBook(conn, estate, reg.units, d - timedelta(days=s.cooldown_days))
            # clocks and cluster counts every FLUSH_DAYS days and on the last day
            flush = i == n_days - 1 or (i + 1) % FLUSH_DAYS == 0
            n_events += ep.run_day(d, book, flush)
        if progress:
            progress(i + 1, n_days)
    return {"days": n_days, "events": n_events}


def _run_one(
    url: str, estate: str, since: date | None, until: date | None, s: DetectSettings | None
) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        return run_estate(conn, estate, since, until, s)


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
        for e in estates:
            got = _run_one(url, e, since, until, settings)
            total = {k: total[k] + got[k] for k in total}
            if done:
                done(e, got)
        return total
    with psycopg.connect(url, autocommit=True) as conn:
        size = repo.unit_counts(conn, estates)
    order = sorted(estates, key=lambda e: -size.get(e, 0))
    # fork is cheapest and needs no re-import of __main__; a threaded parent (the
    # platform) must not fork, so it gets a fork server (imports paid once there)
    forking = threading.active_count() == 1
    if not forking:
        multiprocessing.get_context("forkserver").set_forkserver_preload([__name__])
    ctx = multiprocessing.get_context("fork" if forking else "forkserver")
    with ProcessPoolExecutor(n, mp_context=ctx) as pool:
        futures = {pool.submit(_run_one, url, e, since, until, settings): e for e in order}
        for fut in as_completed(futures):
            got = fut.result()
            total = {k: total[k] + got[k] for k in total}
            if done:
                done(futures[fut], got)
    return total


@dataclass
class RealtimeState:
    mark: datetime
    regs: dict[str, tuple[float, Register]] = field(default_factory=dict)
    done: dict[str, datetime] = field(default_factory=dict)  # event id -> received_at


def _register(conn: psycopg.Connection, st: RealtimeState, estate: str, ttl_s: float) -> Register:
    import time as _time

    cached = st.regs.get(estate)
    if cached is None or _time.monotonic() - cached[0] > ttl_s:
        cached = (_time.monotonic(), repo.load_register(conn, estate))
        st.regs[estate] = cached
    return cached[1]


def _realtime_elsewhere(
    conn: psycopg.Connection,
    st: RealtimeState,
    estate: str,
    res: list[Resolved],
    s: DetectSettings,
    ttl_s: float,
) -> list[tuple[str, Finding]]:
    """Card keys scoped to the authority: a granted card use here compared with the
    same card's earlier uses at other estates; the finding goes to the flat of the
    estate that issued the card (estate, finding)."""
    granted = [r for r in res if r.p.card and r.p.access is not None and r.p.access.granted]
    if not granted:
        return []
    refs = sorted({r.p.card for r in granted if r.p.card})
    w = timedelta(seconds=s.clone_window_s)
    t0, t1 = min(r.p.time for r in granted), max(r.p.time for r in granted)
    uses: dict[str, list[realtime.CardUse]] = {}
    for ref, t, gw, eid in repo.card_uses_elsewhere(conn, estate, refs, t0 - w, t1):
        uses.setdefault(ref, []).append(realtime.CardUse(t, gw, eid))
    if not uses:
        return []
    homes = repo.card_estates(conn, sorted(uses))
    out: list[tuple[str, Finding]] = []
    for r in granted:
        card = r.p.card or ""
        before = [u for u in uses.get(card, []) if u.time <= r.p.time]
        for home in homes.get(card, ()):
            reg = _register(conn, st, home, ttl_s)
            cred, _ = reg.credential("card", card, r.p.time)
            unit = reg.unit_of(cred.person_id, r.day) if cred and cred.person_id else None
            if unit is None:
                continue
            r.owner = r.owner or (cred.person_id if cred else None)
            f = realtime.clone_elsewhere(r, before, unit, s)
            if f:
                out.append((home, f))
    return out


def run_realtime(
    conn: psycopg.Connection,
    st: RealtimeState,
    s: DetectSettings | None = None,
    reg_ttl_s: float = 30.0,
) -> int:
    """One poll: rules over events stored since the mark; returns new events read."""

    s = s or get_detect_settings()
    got, mark = repo.events_received(conn, st.mark)
    rows = [(e, ev) for e, ev in got if ev.event_id not in st.done]
    for _, ev in rows:
        st.done[ev.event_id] = mark
    st.done = {k: v for k, v in st.done.items() if v > mark - timedelta(seconds=10)}
    if not rows:
        st.mark = mark
        return 0
    by_estate: dict[str, list[EventRow]] = {}
    for estate, ev in rows:
        by_estate.setdefault(estate, []).append(ev)
    n = 0
    with conn.transaction():
        elsewhere: list[tuple[str, Finding]] = []
        for estate, evs in by_estate.items():
            reg = _register(conn, st, estate, reg_ttl_s)
            resolver = Resolver(
                reg,
                Clusterer(s.cluster_distance),
                timedelta(hours=s.tz_offset_hours),
                s.cluster_distance,
                horizon=max(e.time for e in evs),
                watch_days=s.evicted_watch_days,
                watch_distance=s.evicted_match_distance,
            )
            res = [resolver.resolve(p) for p in passages(evs, s.pair_window_s)]
            refs = sorted({r.p.card for r in res if r.p.card})
            last: dict[str, realtime.CardUse] = {}
            t0 = min(e.time for e in evs)
            for ref, t, gw, eid in repo.card_uses_before(
                conn, estate, refs, t0 - timedelta(seconds=s.clone_window_s), t0
            ):
                last[ref] = realtime.CardUse(t, gw, eid)
            findings = [f for f in realtime_findings(res, reg, s, last) if f.type not in DAILY_ONLY]
            if card_key_scope() == "authority":
                elsewhere += _realtime_elsewhere(conn, st, estate, res, s, reg_ttl_s)
            if findings:
                book = AlertBook(
                    conn, estate, reg.units, _local_day(t0, s) - timedelta(days=s.cooldown_days)
                )
                for f in findings:
                    book.apply(f)
            n += len(findings)
        for home in sorted({e for e, _ in elsewhere}):  # into the card's own estate
            fs = [f for e, f in elsewhere if e == home]
            units = _register(conn, st, home, reg_ttl_s).units
            book = AlertBook(conn, home, units, fs[0].day - timedelta(days=s.cooldown_days))
            for f in fs:
                book.apply(f)
            n += len(fs)
        repo.set_state(conn, "realtime", mark=mark)
    st.mark = mark
    return len(rows)
