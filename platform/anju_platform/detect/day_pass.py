"""One estate's daily pass, a local day at a time: events -> passages -> presence
(roll-up tables) -> rules -> alerts. It keeps the rolling window of presence, the unit
clocks and the stranger clusters between days (engine.py drives it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

import psycopg

from anju_common.localtime import day_start
from anju_common.settings import card_key_scope
from anju_platform.detect import repo, repo_state
from anju_platform.detect.alertbook import AlertBook
from anju_platform.detect.building import BuildingPass
from anju_platform.detect.cardfaces import CardFaces, known_face, own_window
from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.homecoming import came_home
from anju_platform.detect.model import Finding, Presence, UnitClock
from anju_platform.detect.passages import passages
from anju_platform.detect.presence import Resolved, Resolver, roll_up
from anju_platform.detect.readahead import DayReader
from anju_platform.detect.realtime_loop import DAILY_ONLY
from anju_platform.detect.register import Register
from anju_platform.detect.repo_state import Watermark
from anju_platform.detect.rules import daily, realtime
from anju_platform.detect.rules.common import Window, summarise
from anju_platform.detect.rules.quiet import DayMarks, Tally, brief_rows, day_marks
from anju_platform.detect.settings import DetectSettings
from anju_platform.detect.window_links import ClusterLinks


@dataclass
class EstatePass:
    conn: psycopg.Connection
    estate: str
    settings: DetectSettings
    register: Register
    watched_from: date
    clusters: Clusterer
    window: dict[date, list[Presence]] = field(default_factory=dict)
    clocks: dict[str, UnitClock] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)  # units whose clock is not saved yet
    links: ClusterLinks = field(default_factory=ClusterLinks)  # the window's cluster links
    # day -> (its window rows, those rows by unit, units with a non-member row, the rows
    # by unit the rules need: see rules.quiet.brief_rows)
    groups: dict[date, _Groups] = field(default_factory=dict)
    # _by_unit's window, joined per unit: (day, its rows, their brief) in window order,
    # and each unit's brief rows of those days in that order
    folded: list[tuple[date, list[Presence], dict[str, list[Presence]], dict[str, DayMarks]]] = (
        field(default_factory=list)
    )
    unit_rows: dict[str, list[Presence]] = field(default_factory=dict)
    # the same days' marks per unit (rules.quiet)
    unit_tally: dict[str, Tally] = field(default_factory=dict)
    # faces learned for the cards of holders without enrolment (issue 18 item 4)
    card_faces: CardFaces = field(default_factory=CardFaces)
    building: BuildingPass | None = None  # issue 16 item 1 at building level
    # (person, new cluster on their card) -> it is the card's own face (_card_face_known)
    card_face_known: dict[tuple[str, str], bool] = field(default_factory=dict)
    # (alert, evidence key) stored by this run: the day's alert books skip them
    evidence_sent: set[tuple[int, str]] = field(default_factory=set)
    # (unit, day) -> its stored rows of the window before (repo_state.rows_before)
    earlier: dict[tuple[str, date], list[Presence]] = field(default_factory=dict)
    reader: DayReader = field(default_factory=DayReader)  # (engine sets its `until`)

    def __post_init__(self) -> None:
        self.card_faces.own_share = self.settings.card_face_own_share
        self.card_faces.still_share = self.settings.card_face_still_share

    def run_day(self, day: date, book: AlertBook, flush: bool = True) -> int:
        """One local day, in the caller's transaction. The unit clocks and the clusters'
        last-seen counts are written only when `flush` (the clocks with their own
        watermark: a run cut short rebuilds them from presence)."""
        settings = self.settings
        start = day_start(day, settings.tz_offset_hours)
        end = start + timedelta(days=1)
        events = self.reader.day(self.conn, self.estate, start, end)
        links = self._cluster_units()
        if self.building is not None:  # residents of a stairwell pinned to a flat
            pins = self.building.pins(
                self.conn,
                day,
                self.register,
                self.watched_from,
                self.clocks,
                self._member_days,
                settings,
                self.clusters,
            )
            links = {**pins, **links}
        resolver = Resolver(
            self.register,
            self.clusters,
            timedelta(hours=settings.tz_offset_hours),
            self.clusters.threshold,
            watch_days=settings.evicted_watch_days,
            watch_distance=settings.evicted_match_distance,
            cluster_units=links,
            face_strong=settings.face_strong_confidence,
            face_band=settings.face_confidence_band,
        )
        unknown = [
            (event.gateway_id, event.event_id, event.embedding)
            for event in events
            if event.kind == "face" and not event.person_id and event.embedding is not None
        ]
        self.clusters.prepare(unknown)
        resolver.prepare_watch(day, [(event_id, emb) for _, event_id, emb in unknown])
        resolved = [resolver.resolve(p) for p in passages(events, settings.pair_window_s)]
        rows = roll_up(resolved)
        if self.building is not None:
            seen = self.building.record(
                self.conn, self.estate, day, resolved, rows, self.clusters, settings
            )
            self.card_faces.add_about(day, [x.identity for x in seen])
        repo_state.insert_presence(self.conn, self.estate, rows)
        self.window[day] = rows
        self.card_faces.add_day(rows)
        too_old = day - timedelta(days=settings.window_days)
        for old in [kept for kept in self.window if kept <= too_old]:
            del self.window[old]
        self.dirty |= self._tick_clocks(rows)
        if self.building is not None:  # a lone tenant home behind someone (homecoming.py)
            home = (self.card_faces.learned, self.clocks, self.register, self.clusters)
            self.dirty |= came_home(day, seen, resolved, self.building.watch, *home, settings)
        found = realtime.realtime_findings(resolved, self.register, settings, {})
        if card_key_scope() == "authority":
            found += self._clones_elsewhere(resolved, start, end)
        findings = [finding for finding in found if finding.type not in DAILY_ONLY]
        evaluated: set[str] = set()
        held = [finding for finding in found if finding.type in DAILY_ONLY]
        findings.extend(self._daily(day, evaluated, held))
        # the day's writes together (pipeline: one wait, not one per statement but a new id)
        with self.conn.pipeline():
            repo_state.save_clusters(self.conn, self.estate, self.clusters, seen=flush)
            for finding in findings:
                book.apply(finding)
            found_keys = {(finding.unit_id, finding.type) for finding in findings}
            book.close_ended(day, evaluated, found_keys)
            if self.building is not None:
                self.building.alert(self.conn, self.estate, self.register, day)
            if flush:
                dirty_clocks = {unit: self.clocks[unit] for unit in self.dirty}
                repo_state.save_clocks(self.conn, self.estate, dirty_clocks)
                repo_state.set_watermark(self.conn, Watermark.CLOCKS, self.estate, day=day)
                self.dirty.clear()
            repo_state.set_watermark(self.conn, Watermark.DAY, self.estate, day=day)
        return len(events)

    def _clones_elsewhere(
        self, resolved: list[Resolved], start: datetime, end: datetime
    ) -> list[Finding]:
        """Cards of this estate's people granted at another estate within the clone
        window of a use here (either side of the day's edges)."""
        ours = [
            (seen, unit)
            for seen in resolved
            if seen.passage.card
            and seen.owner
            and (unit := self.register.unit_of(seen.owner, seen.day)) is not None
        ]
        if not ours:
            return []
        clone_window = timedelta(seconds=self.settings.clone_window_s)
        cards = sorted({seen.passage.card for seen, _ in ours if seen.passage.card})
        uses: dict[str, list[realtime.CardUse]] = {}
        for card, at, gateway, event_id in repo.card_uses_elsewhere(
            self.conn, self.estate, cards, start - clone_window, end + clone_window
        ):
            uses.setdefault(card, []).append(realtime.CardUse(at, gateway, event_id))
        findings = []
        for seen, unit in ours:
            card_uses = uses.get(seen.passage.card or "", [])
            finding = realtime.clone_elsewhere(seen, card_uses, unit, self.settings)
            if finding:
                findings.append(finding)
        return findings

    def _card_face_known(self, person: str, cluster: str, own_days: list[date]) -> bool:
        """Whether a new cluster on `person`'s card came with the card on its own faces'
        days of the window before (cardfaces.known_face); once per card and cluster:
        those days are past."""
        key = (person, cluster)
        got = self.card_face_known.get(key)
        if got is None:
            got = self.card_face_known[key] = self._card_face_seen(person, cluster, own_days)
        return got

    def _card_face_seen(self, person: str, cluster: str, own_days: list[date]) -> bool:
        s = self.settings
        leader = self.clusters.leader(cluster)
        if leader is None or not own_days:
            return False
        days = own_window(own_days, s, self.register.away_of(person))
        refs = sorted(
            ref
            for (kind, ref), creds in self.register.creds.items()
            if kind in ("card", "qr") and any(c.person_id == person for c in creds)
        )
        if not refs:
            return False
        tz = timedelta(hours=s.tz_offset_hours)
        start = day_start(days[0], s.tz_offset_hours)
        end = day_start(days[-1], s.tz_offset_hours) + timedelta(days=1)
        times, faces = repo.card_use_faces(
            self.conn, self.estate, refs, start, end, s.pair_window_s
        )
        seen = [(t + tz).date() for t in times]
        known = (s.card_face_known_share, s.card_face_known_days, s.card_face_known_distance)
        return known_face(leader, days, seen, faces, *known)

    def _member_days(self, unit: str) -> frozenset[date]:
        """Days of the window a member of the unit was seen (by any means), per-day groups."""
        return frozenset(
            day
            for day in self.window
            if any(p.role == "member" for p in self._grouped(day)[1].get(unit, ()))
        )

    def _cluster_units(self) -> dict[str, str]:
        """Clusters the window links to one flat, and faces that took a card over (links)."""
        s = self.settings
        self.links.share, self.links.stay_days = s.cluster_link_share, s.cluster_link_stay_days
        return self.links.update(self.window)

    def _tick_clocks(self, rows: list[Presence]) -> set[str]:
        """Each unit's clock after its rows: last non-visitor day, last member day and way."""
        any_day: dict[str, date] = {}
        member: dict[str, Presence] = {}
        for p in rows:
            role = p.role
            if role == "member":
                member[p.unit_id] = p
            if role != "visitor":
                any_day[p.unit_id] = p.day
        units = {p.unit_id for p in rows}
        for unit in units:
            clock = self.clocks.get(unit) or UnitClock(None, None, None, self.watched_from)
            m = member.get(unit)
            self.clocks[unit] = UnitClock(
                any_day.get(unit, clock.last_any_day),
                clock.last_member_day if m is None else m.day,
                clock.last_member_in if m is None else m.last_in,
                clock.watched_from,
            )
        return units

    def _by_unit(self, also: set[str]) -> dict[str, list[Presence]]:
        """The window's rows the rules need (rules.quiet.brief_rows) of each unit with
        someone other than a member in it, or in `also` (window order, then row order),
        from per-day groups made once per day."""
        days = [(day, self._grouped(day)) for day in self.window]
        wanted = set().union(also, *(got[2] for _, got in days))
        # the window moves a day at a time: the oldest day's rows leave the front of each
        # unit's list and the new day's are added at its end, rather than 28 days joined
        # again; anything else (the first day of a run) joins the window anew
        now = [(day, got[0], got[3], got[4]) for day, got in days]
        folded, unit_rows = self.folded, self.unit_rows
        tallies = self.unit_tally
        gone = 0
        while gone < len(folded) and folded[gone][0] not in self.window:
            gone += 1
        same = len(folded) - gone <= len(now) and all(
            a[0] == b[0] and a[1] is b[1] for a, b in zip(folded[gone:], now, strict=False)
        )
        if not same:
            gone, unit_rows, tallies = 0, {}, {}
            folded.clear()
        for _, _, brief, marks in folded[:gone]:
            for unit, rows in brief.items():
                kept = unit_rows[unit]
                del kept[: len(rows)]
                if not kept:
                    del unit_rows[unit]
            for unit, mark in marks.items():
                tally = tallies[unit]
                tally.drop(mark)
                if tally.empty():
                    del tallies[unit]
        for day, _, brief, marks in now[len(folded) - gone :]:
            for unit, rows in brief.items():
                unit_rows.setdefault(unit, []).extend(rows)
            for unit, mark in marks.items():
                adding = tallies.get(unit)
                if adding is None:
                    adding = tallies[unit] = Tally()
                adding.add(day, mark)
        self.folded, self.unit_rows = now, unit_rows
        self.unit_tally = tallies
        # the kept lists themselves, not copies: read only, today (the rules keep none)
        return {unit: unit_rows[unit] for unit in wanted if unit in unit_rows}

    def _grouped(self, day: date) -> _Groups:
        rows = self.window[day]
        got = self.groups.get(day)
        if got is None or got[0] is not rows:
            groups: dict[str, list[Presence]] = {}
            for p in rows:
                groups.setdefault(p.unit_id, []).append(p)
            others = {p.unit_id for p in rows if p.role != "member"}
            brief = {unit: brief_rows(unit_rows) for unit, unit_rows in groups.items()}
            marks = {unit: day_marks(unit_rows) for unit, unit_rows in brief.items()}
            got = self.groups[day] = (rows, groups, others, brief, marks)
        return got

    def _daily(self, day: date, evaluated: set[str], held: list[Finding]) -> list[Finding]:
        """The daily rules, and the day's `held` mismatches the flat's pattern leaves open."""
        mismatches: dict[str, list[Finding]] = {}
        for finding in held:
            mismatches.setdefault(finding.unit_id, []).append(finding)
        taken = self.card_faces.taken(self.clusters.same_face, self._card_face_known)
        self.links.set_taken(taken, self.settings.card_face_taken_links)
        own = self.card_faces.learned()
        by_unit = self._by_unit(set(taken))
        for old in [kept for kept in self.groups if kept not in self.window]:
            del self.groups[old]
        findings: list[Finding] = []
        settings = self.settings
        w_days = settings.window_days

        def one_face(a: str, b: str) -> bool:
            # the same-face distance of the settings, not the tighter calibrated one the
            # clusters are cut at: two look-alike occupants of one flat are rarer than
            # one occupant split into two clusters (issue 18)
            return self.clusters.same_face(a, b, settings.cluster_distance)

        units, clocks, facts_on = self.register.units, self.clocks, self.register.facts_on
        evaluated.update(units)
        no_clock = UnitClock(None, None, None, self.watched_from)
        # fewer days since a unit's last sign than this: no vacancy finding (its lowest level)
        vacancy_after = daily.vacancy_after(settings)
        day_groups: list[dict[str, list[Presence]]] = []
        for unit in units:
            facts = facts_on(unit, day)
            clock = clocks.get(unit) or no_clock
            last = clock.last_any_day
            found: list[Finding | None] = []
            if facts.household_id is not None and (last is None or day - last >= vacancy_after):
                found.append(daily.vacancy(facts, clock, day, settings))
            due = len(facts.members) == 1 and daily.welfare_due(facts, clock, day, settings)
            held_here = mismatches.pop(unit, [])
            seen = by_unit.get(unit)
            if not seen:  # nobody but members in the window: no summary, no flat rule
                if due:
                    found.append(daily.welfare(facts, clock, [], day, settings))
                found.extend(held_here)
                if found:
                    findings.extend(finding for finding in found if finding is not None)
                continue
            if facts.caregivers:  # a carer's own rows are told apart by summarise
                day_groups = day_groups or [self._grouped(d)[1] for d in self.window]
                seen = [p for groups in day_groups for p in groups.get(unit, ())]
            took: frozenset[str] | set[str] = taken.get(unit, frozenset())
            # most units' windows cannot reach the three rules' thresholds (rules.quiet):
            # summarised only when a rule may fire, or welfare or a mismatch asks
            tally = self.unit_tally.get(unit)
            calm = tally is not None and tally.quiet(facts, day, took, settings)
            summary: Window | None = None
            if not calm or held_here or due:
                summary = summarise(
                    seen,
                    facts,
                    took,
                    settings.card_face_pass_share,
                    settings.day_visitor_pass_days,
                    settings.day_visitor_stay_share,
                    own.get(unit, frozenset()),
                )
            if due:
                found.append(daily.welfare(facts, clock, seen, day, settings, summary))
            if not calm:
                before = partial(repo_state.rows_before, self.conn, unit, w_days, self.earlier)
                found += [
                    daily.sublet(seen, facts, day, settings, summary, clock, before, one_face),
                    daily.overcrowding(seen, facts, day, settings, summary, one_face),
                    daily.change_of_use(seen, facts, day, settings, summary),
                ]
            for mismatch in held_here:
                face = next(
                    (person for person in mismatch.persons if person.startswith("u-")), None
                )
                if (
                    summary is None
                    or daily.mismatch_explained(face, summary, day, settings) is None
                ):
                    found.append(mismatch)
            findings.extend(finding for finding in found if finding is not None)
        return findings


_Groups = tuple[
    list[Presence],
    dict[str, list[Presence]],
    set[str],
    dict[str, list[Presence]],
    dict[str, DayMarks],
]
