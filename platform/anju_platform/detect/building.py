"""The building-level window of a pass (issue 16 item 1): the day's resolved passages
-> sightings of strangers no flat is linked to, per entrance of a building (its
stairwell: the flats a stranger there may live in); the window's sightings
-> the stranger clusters pinned to one flat (they then count for it, as the flat-level
links do) and those that cannot be pinned (building-level findings). The rule itself
is rules/building.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import attrgetter

import psycopg

from anju_platform.detect import repo_building
from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.model import Finding, Presence, UnitClock
from anju_platform.detect.presence import Resolved
from anju_platform.detect.register import Register
from anju_platform.detect.rules.building import (
    Flat,
    Resident,
    Sighting,
    Verdict,
    building_links,
    came_back,
    known_face,
    stopped,
    unpinned_finding,
)
from anju_platform.detect.settings import DetectSettings


class _Acc:
    """One stranger's day at one entrance (collect); a plain dict for `followed`, and
    __init__ written out: Counter() and a dataclass's __init__ run as Python code."""

    def __init__(self) -> None:
        self.n_in = 0
        self.last_in = False
        self.last_hour = 0
        self.followed: dict[str, int] = {}
        self.ids: list[str] = []


def collect(
    res: list[Resolved],
    gate_place: dict[str, str],
    first_seen: Callable[[str, str], datetime | None],
    tz: timedelta,
    follow_s: float,
) -> list[Sighting]:
    """Stranger clusters of the day's passages that no flat took (face only, or behind a
    denied card), per place (entrance): entries, whether the day ended with one, the local hour
    of the last passage, the flat whose member came in just before (`follow_s`)."""
    acc: dict[tuple[str, str], _Acc] = {}
    gw_of: dict[str, str] = {}
    last_member: dict[str, tuple[datetime, str]] = {}  # gateway -> latest member entry
    day: date | None = None
    # only members coming home and strangers no flat took matter: the rest is not sorted
    wanted = [
        r
        for r in res
        if (r.unit_id is not None and r.role == "member" and r.passage.direction == "in")
        or (r.unit_id is None and r.cluster_id is not None and r.face_person is None)
    ]
    for r in sorted(wanted, key=attrgetter("passage.gateway_id", "passage.time")):
        p = r.passage
        entering = p.direction == "in"
        if r.role == "member" and entering and r.unit_id is not None:
            last_member[p.gateway_id] = (p.time, r.unit_id)
            continue
        b = gate_place.get(p.gateway_id)
        cid = r.cluster_id
        if b is None or cid is None or r.unit_id is not None or r.face_person is not None:
            continue
        if p.access is not None and p.access.granted:
            continue
        day = r.day
        a = acc.get((b, cid))
        if a is None:
            a = acc[(b, cid)] = _Acc()
        gw_of.setdefault(cid, p.gateway_id)
        a.n_in += entering
        a.last_in = entering
        a.last_hour = (p.time + tz).hour
        prev = last_member.get(p.gateway_id)
        if entering and prev is not None and 0 <= (p.time - prev[0]).total_seconds() <= follow_s:
            a.followed[prev[1]] = a.followed.get(prev[1], 0) + 1
        if len(a.ids) < 4:
            a.ids.append(p.event_ids[-1])
    out = []
    for (b, cid), a in sorted(acc.items()):
        assert day is not None
        t = first_seen(gw_of[cid], cid)
        seen = (t + tz).date() if t is not None else day
        top = min(a.followed.items(), key=lambda kv: (-kv[1], kv[0]))[0] if a.followed else None
        out.append(Sighting(b, day, cid, a.n_in, a.last_in, a.last_hour, top, seen, tuple(a.ids)))
    return out


@dataclass
class BuildingWatch:
    """The window of sightings, kept per day and per (place, stranger) with each one's
    stay days, so a day costs its own rows, not the window's."""

    gate_place: dict[str, str]  # gateway -> entrance (else building)
    unit_place: dict[str, str]  # flat -> entrance (else building)
    place_building: dict[str, str]
    window: dict[date, list[Sighting]] = field(default_factory=dict)
    by_key: dict[tuple[str, str], list[Sighting]] = field(default_factory=dict)
    stays: Counter[tuple[str, str]] = field(default_factory=Counter)
    # the first sightings among a key's rows, counted (verdicts asks for the earliest of
    # every key with enough stays, every day; a key's rows mostly share one)
    firsts: dict[tuple[str, str], dict[date, int]] = field(default_factory=dict)
    # entrance -> its flats, sorted; flat -> building (the same every day)
    units_at: dict[str, list[str]] = field(default_factory=dict)
    unit_building: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.unit_building = {u: self.place_building.get(p, p) for u, p in self.unit_place.items()}
        for u, b in self.unit_place.items():
            self.units_at.setdefault(b, []).append(u)
        for units in self.units_at.values():
            units.sort()

    def add(self, d: date, rows: list[Sighting], window_days: int) -> None:
        """Day d's rows (days come in order); days out of the window are dropped."""
        if d in self.window:
            self._drop(d)
        self.window[d] = rows
        for x in rows:
            k = (x.place, x.identity)
            self.by_key.setdefault(k, []).append(x)
            firsts = self.firsts.setdefault(k, {})
            firsts[x.first_seen] = firsts.get(x.first_seen, 0) + 1
            if x.last_in and x.n_in > 0:
                self.stays[k] += 1
        for old in [k for k in self.window if k <= d - timedelta(days=window_days)]:
            self._drop(old)

    def _drop(self, d: date) -> None:
        for x in self.window.pop(d):
            k = (x.place, x.identity)
            rows = self.by_key[k]
            if rows[0].day == d and (len(rows) < 2 or rows[1].day != d):
                del rows[0]  # the oldest day leaves: its row is the key's first
            else:
                rows = self.by_key[k] = [y for y in rows if y.day != d]
            if not rows:
                del self.by_key[k]
            firsts = self.firsts[k]
            firsts[x.first_seen] -= 1
            if not firsts[x.first_seen]:
                del firsts[x.first_seen]
                if not firsts:
                    del self.firsts[k]
            if x.last_in and x.n_in > 0:
                self.stays[k] -= 1
                if self.stays[k] <= 0:
                    del self.stays[k]

    def verdicts(
        self,
        flats_at: Callable[[list[str]], list[Flat]],
        stopped_of: Callable[[list[str]], dict[str, date | None]],
        day: date,
        watched_from: date,
        s: DetectSettings,
        known: Callable[[Resident], bool] | None = None,
    ) -> list[Verdict]:
        # one who came before the newcomers' days is 'settled' (rules.building.pin) whatever
        # else: most of the window's residents, not read further
        first = watched_from + timedelta(days=s.building_settled_days)
        last = day - timedelta(days=s.building_new_days)
        since = max(first, last)
        keys = sorted(
            k
            for k, n in self.stays.items()
            if n >= s.building_stay_days and since <= min(self.firsts[k])
        )
        if not keys:
            return []
        rows = [x for k in keys for x in self.by_key[k]]
        cache: dict[str, list[Flat]] = {}

        def flats(b: str) -> list[Flat]:
            if b not in cache:
                cache[b] = flats_at(self.units_at.get(b, []))
            return cache[b]

        return building_links(rows, flats, stopped_of, day, watched_from, s, known)

    def rows_of(self, identity: str, place: str) -> list[Sighting]:
        return list(self.by_key.get((place, identity), ()))


def building_findings(
    verdicts: list[Verdict], watch: BuildingWatch, day: date, strong_stays: int
) -> dict[str, Finding]:
    """Building -> one finding for its residents that could not be pinned to a flat.
    It opens for staff (score 0.6) only when one of them stayed on `strong_stays` days
    of the window and households of its entrance stopped appearing as it came: one who
    stays on fewer is a watch item (a relative over the holidays, a pin still to come)."""
    out: dict[str, Finding] = {}
    by: dict[str, list[Verdict]] = {}
    for v in verdicts:
        if v.unit_id is None and v.why not in ("settled", "family_member"):
            by.setdefault(watch.place_building.get(v.place, v.place), []).append(v)
    for b, vs in sorted(by.items()):
        rows = [x for v in vs for x in watch.rows_of(v.identity, v.place)]
        stays = watch.stays
        strong = any(v.candidates and stays[(v.place, v.identity)] >= strong_stays for v in vs)
        out[b] = unpinned_finding(b, vs, rows, day, strong)
    return out


@dataclass
class BuildingPass:
    """The building-level part of one estate's pass (hooks of engine.EstatePass)."""

    watch: BuildingWatch
    strong_stays: int  # building_occupant_stay_days
    verdicts: list[Verdict] = field(default_factory=list)
    known: dict[str, bool] = field(default_factory=dict)  # new cluster -> its face was here
    # flat -> day -> the members seen for it that day: the days of this run as they come,
    # the days before it (the pins read building_new_days + window_days back) asked for
    # once per flat when first needed; asking detect_presence per entrance and day was
    # most of the building level's cost
    members: dict[str, dict[date, set[str]]] = field(default_factory=dict)
    start: date = date.min  # the run's first day
    loaded: set[str] = field(default_factory=set)  # flats whose earlier days are in `members`

    def _history(self, conn: psycopg.Connection, units: list[str], s: DetectSettings) -> None:
        if need := [u for u in units if u not in self.loaded]:
            since = self.start - timedelta(days=s.building_new_days + s.window_days)
            for u, d, who in repo_building.members_seen(conn, need, since, self.start):
                self.members.setdefault(u, {}).setdefault(d, set()).add(who)
            self.loaded.update(need)

    def _members_seen(self, units: list[str], since: date, before: date) -> dict[str, set[str]]:
        """Members of these flats seen on their own (card, pass or face), since..before."""
        out: dict[str, set[str]] = {}
        for u in units:
            for d, who in self.members.get(u, {}).items():
                if since <= d < before:
                    out.setdefault(u, set()).update(who)
        return out

    def _member_days(self, units: list[str], since: date, before: date) -> dict[str, list[date]]:
        """Days members of these flats were seen, since..before (in day order)."""
        out: dict[str, list[date]] = {}
        for u in units:
            days = sorted(d for d in self.members.get(u, {}) if since <= d < before)
            if days:
                out[u] = days
        return out

    def _remember(self, d: date, rows: list[Presence], s: DetectSettings) -> None:
        members = self.members
        for p in rows:
            if p.role == "member":
                members.setdefault(p.unit_id, {}).setdefault(d, set()).add(p.identity)
        if (d - self.start).days % s.window_days == 0:  # now and then: days no pin reads
            too_old = d - timedelta(days=s.building_new_days + s.window_days)
            for days in members.values():
                for old in [k for k in days if k <= too_old]:
                    del days[old]

    def pins(
        self,
        conn: psycopg.Connection,
        d: date,
        reg: Register,
        watched_from: date,
        clocks: dict[str, UnitClock],
        member_days: Callable[[str], frozenset[date]],
        s: DetectSettings,
        clusters: Clusterer | None = None,
    ) -> dict[str, str]:
        """Before day d is resolved: the window's building residents judged against the
        flats (as of the day before); the pinned ones, cluster -> flat."""

        def flats_at(units: list[str]) -> list[Flat]:
            """The flats of one entrance; who of each household was seen on their own
            in the window (one query for the entrance)."""
            self._history(conn, units, s)
            seen = self._members_seen(units, d - timedelta(days=s.window_days), d)
            since = max(watched_from, d - timedelta(days=s.building_new_days + s.window_days))
            days_of = self._member_days(units, since, d)
            out = []
            for u in units:
                facts = reg.facts_on(u, d)
                clock = clocks.get(u)
                held = facts.household_id is not None and bool(facts.members)
                last = clock.last_member_day if clock is not None else None
                unseen = sum(1 for m in facts.members if m.person_id not in seen.get(u, ()))
                days = member_days(u) if held else frozenset()
                back = came_back(days_of.get(u, []), since, s.building_gone_days)
                out.append(Flat(u, held, days, last, facts.absences, unseen, back))
            return out

        ends: dict[str, date | None] = {}  # asked once per flat and day

        def stopped_of(units: list[str]) -> dict[str, date | None]:
            if new := [u for u in units if u not in ends]:
                since = d - timedelta(days=s.building_new_days + s.window_days)
                self._history(conn, new, s)
                seen = self._member_days(new, since, d)
                ends.update({u: stopped(seen.get(u, [])) for u in new})
            return {u: ends[u] for u in units}

        def known(r: Resident) -> bool:
            """Whether a newcomer's face passed its gateway in the window before its
            first sighting (once per cluster: that does not change)."""
            got = self.known.get(r.identity)
            if got is None:
                got = self.known[r.identity] = self._known(conn, reg.estate_id, r, clusters, s)
            return got

        self.verdicts = self.watch.verdicts(
            flats_at, stopped_of, d, watched_from, s, known if clusters is not None else None
        )
        return {v.identity: v.unit_id for v in self.verdicts if v.unit_id is not None}

    @staticmethod
    def _known(
        conn: psycopg.Connection,
        estate: str,
        r: Resident,
        clusters: Clusterer | None,
        s: DetectSettings,
    ) -> bool:
        where = clusters.where(r.identity) if clusters is not None else None
        if where is None:
            return False
        gateway, first, leader = where
        start = first - timedelta(days=s.window_days)
        times, faces = repo_building.unknown_faces(conn, estate, gateway, start, first)
        tz = timedelta(hours=s.tz_offset_hours)
        return known_face(leader, [(t + tz).date() for t in times], faces, s)

    def record(
        self,
        conn: psycopg.Connection,
        estate: str,
        d: date,
        res: list[Resolved],
        rows: list[Presence],
        clusters: Clusterer,
        s: DetectSettings,
    ) -> list[Sighting]:
        """Day d's sightings (saved, kept in the window and returned) and the members its
        `rows` saw."""
        self._remember(d, rows, s)
        tz = timedelta(hours=s.tz_offset_hours)
        got = collect(res, self.watch.gate_place, clusters.first_seen, tz, s.building_follow_s)
        repo_building.save_sightings(conn, estate, got)
        self.watch.add(d, got, s.window_days)
        return got

    def alert(self, conn: psycopg.Connection, estate: str, reg: Register, d: date) -> None:
        found = building_findings(self.verdicts, self.watch, d, self.strong_stays)
        unit_building = self.watch.unit_building
        repo_building.apply_findings(conn, estate, reg.units, unit_building, found, d)

    @classmethod
    def load(
        cls, conn: psycopg.Connection, estate: str, start: date, s: DetectSettings
    ) -> BuildingPass:
        watch = BuildingWatch(*repo_building.places(conn, estate))
        first = start - timedelta(days=s.window_days - 1)
        days: dict[date, list[Sighting]] = {}
        for x in repo_building.sightings(conn, estate, first, start - timedelta(days=1)):
            days.setdefault(x.day, []).append(x)
        for d in sorted(days):
            watch.add(d, days[d], s.window_days)
        return cls(watch, s.building_occupant_stay_days, start=start)
