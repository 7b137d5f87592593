"""The real-time pass: each poll reads the events stored since the last one and runs
the real-time rules over their passages (card clones, cards after move-out, card/face
mismatches, evicted re-entry); the daily pass runs the same rules over a whole day."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg

from anju_common.localtime import local_day
from anju_common.settings import card_key_scope
from anju_platform.detect import repo, repo_state
from anju_platform.detect.alertbook import AlertBook, merge_policy
from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.model import Finding
from anju_platform.detect.passages import EventRow, passages
from anju_platform.detect.presence import Resolved, Resolver
from anju_platform.detect.register import Register
from anju_platform.detect.repo_state import Watermark
from anju_platform.detect.rules import realtime
from anju_platform.detect.rules.realtime import realtime_findings
from anju_platform.detect.settings import DetectSettings, get_detect_settings

# weighed against the flat's window in the daily pass, never raised by the real-time loop
DAILY_ONLY = {"card_face_mismatch"}


@dataclass
class RealtimeState:
    mark: datetime
    # estate -> (monotonic time loaded, its register)
    registers: dict[str, tuple[float, Register]] = field(default_factory=dict)
    done: dict[str, datetime] = field(default_factory=dict)  # event id -> received_at


def _register(
    conn: psycopg.Connection, state: RealtimeState, estate: str, ttl_s: float
) -> Register:
    cached = state.registers.get(estate)
    if cached is None or time.monotonic() - cached[0] > ttl_s:
        cached = (time.monotonic(), repo.load_register(conn, estate))
        state.registers[estate] = cached
    return cached[1]


def _clones_elsewhere(
    conn: psycopg.Connection,
    state: RealtimeState,
    estate: str,
    resolved: list[Resolved],
    settings: DetectSettings,
    ttl_s: float,
) -> list[tuple[str, Finding]]:
    """Card keys scoped to the authority: a granted card use here compared with the
    same card's earlier uses at other estates; the finding goes to the flat of the
    estate that issued the card (estate, finding)."""
    granted = [
        seen
        for seen in resolved
        if seen.passage.card and seen.passage.access is not None and seen.passage.access.granted
    ]
    if not granted:
        return []
    cards = sorted({seen.passage.card for seen in granted if seen.passage.card})
    clone_window = timedelta(seconds=settings.clone_window_s)
    first = min(seen.passage.time for seen in granted)
    last = max(seen.passage.time for seen in granted)
    uses: dict[str, list[realtime.CardUse]] = {}
    for card, at, gateway, event_id in repo.card_uses_elsewhere(
        conn, estate, cards, first - clone_window, last
    ):
        uses.setdefault(card, []).append(realtime.CardUse(at, gateway, event_id))
    if not uses:
        return []
    homes = repo.card_estates(conn, sorted(uses))
    found: list[tuple[str, Finding]] = []
    for seen in granted:
        card = seen.passage.card or ""
        before = [use for use in uses.get(card, []) if use.time <= seen.passage.time]
        for home in homes.get(card, ()):
            register = _register(conn, state, home, ttl_s)
            cred, _ = register.credential("card", card, seen.passage.time)
            holder = cred.person_id if cred else None
            unit = register.unit_of(holder, seen.day) if holder else None
            if unit is None:
                continue
            seen.owner = seen.owner or holder
            finding = realtime.clone_elsewhere(seen, before, unit, settings)
            if finding:
                found.append((home, finding))
    return found


def run_realtime(
    conn: psycopg.Connection,
    state: RealtimeState,
    settings: DetectSettings | None = None,
    register_ttl_s: float = 30.0,
) -> int:
    """One poll: rules over events stored since the mark; returns new events read."""
    settings = settings or get_detect_settings()
    got, mark = repo.events_received(conn, state.mark)
    fresh = [(estate, event) for estate, event in got if event.event_id not in state.done]
    for _, event in fresh:
        state.done[event.event_id] = mark
    recent = mark - timedelta(seconds=10)
    state.done = {key: at for key, at in state.done.items() if at > recent}
    if not fresh:
        state.mark = mark
        return 0
    by_estate: dict[str, list[EventRow]] = {}
    for estate, event in fresh:
        by_estate.setdefault(estate, []).append(event)
    with conn.transaction():
        elsewhere: list[tuple[str, Finding]] = []
        for estate, events in by_estate.items():
            found = _estate_findings(conn, state, estate, events, settings, register_ttl_s)
            elsewhere += found
        for home in sorted({estate for estate, _ in elsewhere}):  # into the card's own estate
            findings = [finding for estate, finding in elsewhere if estate == home]
            units = _register(conn, state, home, register_ttl_s).units
            since = findings[0].day - timedelta(days=settings.cooldown_days)
            book = AlertBook(conn, home, units, since, policy=merge_policy(settings))
            for finding in findings:
                book.apply(finding)
        repo_state.set_watermark(conn, Watermark.REALTIME, mark=mark)
    state.mark = mark
    return len(fresh)


def _estate_findings(
    conn: psycopg.Connection,
    state: RealtimeState,
    estate: str,
    events: list[EventRow],
    settings: DetectSettings,
    register_ttl_s: float,
) -> list[tuple[str, Finding]]:
    """One estate's new events: its findings go into its alert book; returns the card
    clones found for other estates' cards (estate, finding)."""
    register = _register(conn, state, estate, register_ttl_s)
    resolver = Resolver(
        register,
        Clusterer(register.face_distance(settings.cluster_distance)),
        timedelta(hours=settings.tz_offset_hours),
        register.face_distance(settings.cluster_distance),
        horizon=max(event.time for event in events),
        watch_days=settings.evicted_watch_days,
        watch_distance=settings.evicted_match_distance,
        face_strong=settings.face_strong_confidence,
        face_band=settings.face_confidence_band,
    )
    resolved = [resolver.resolve(p) for p in passages(events, settings.pair_window_s)]
    cards = sorted({seen.passage.card for seen in resolved if seen.passage.card})
    last_use: dict[str, realtime.CardUse] = {}
    first = min(event.time for event in events)
    clone_window = timedelta(seconds=settings.clone_window_s)
    for card, at, gateway, event_id in repo.card_uses_before(
        conn, estate, cards, first - clone_window, first
    ):
        last_use[card] = realtime.CardUse(at, gateway, event_id)
    findings = [
        finding
        for finding in realtime_findings(resolved, register, settings, last_use)
        if finding.type not in DAILY_ONLY
    ]
    elsewhere = []
    if card_key_scope() == "authority":
        elsewhere = _clones_elsewhere(conn, state, estate, resolved, settings, register_ttl_s)
    if findings:
        since = local_day(first, settings.tz_offset_hours) - timedelta(days=settings.cooldown_days)
        book = AlertBook(conn, estate, register.units, since, policy=merge_policy(settings))
        for finding in findings:
            book.apply(finding)
    return elsewhere
