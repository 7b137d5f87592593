"""A read-only snapshot of one estate's register, for resolving who an event was:
credential -> person -> household -> unit, each as it was valid at the event time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from anju_common.facecal import DEFAULT_FAR, MARGIN, open_set_match
from anju_platform.detect.faceweight import MatchWeight, verify_limit, weigh
from anju_platform.detect.model import Member, UnitFacts

_UNKNOWN = object()


@dataclass(frozen=True, slots=True)
class Cred:
    person_id: str | None
    valid_from: datetime
    valid_to: datetime | None
    revoked_at: datetime | None

    def valid(self, t: datetime) -> bool:
        return (
            self.valid_from <= t
            and (self.valid_to is None or t < self.valid_to)
            and (self.revoked_at is None or t < self.revoked_at)
        )


@dataclass(frozen=True, slots=True)
class Membership:
    household_id: str
    unit_id: str
    valid_from: date
    valid_to: date | None

    def valid(self, d: date) -> bool:
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)


@dataclass(frozen=True, slots=True)
class Household:
    household_id: str
    unit_id: str
    move_in: date | None
    move_out: date | None
    end_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Carer:
    person_id: str
    unit_id: str
    valid_from: date
    valid_to: date | None


@dataclass
class FaceCheck:
    """The estate's latest face calibration and its model's gallery: a stored match is
    re-decided with it (issue 18), so a newer calibration also judges older events."""

    model: str
    ids: list[str]
    gallery: np.ndarray
    threshold: float
    person_thresholds: dict[str, float]
    # the impostor distances' fit (calibration report): the 1:1 check of a card's owner
    impostor_mean: float | None = None
    impostor_sd: float | None = None
    far: float = DEFAULT_FAR

    def confirms(self, person_id: str, embedding: np.ndarray) -> bool:
        who, _, _ = open_set_match(
            self.ids,
            self.gallery,
            embedding,
            lambda p: self.person_thresholds.get(p, self.threshold),
            MARGIN,
        )
        return who == person_id

    def weigh(self, embedding: np.ndarray, band: float) -> MatchWeight:
        """The calibration's decision on a face and its confidence (issue 18 item 3)."""
        return weigh(
            self.ids, self.gallery, embedding, self.person_thresholds, self.threshold, band
        )

    def verify_limit(self) -> float | None:
        return verify_limit(self.impostor_mean, self.impostor_sd, self.far)


@dataclass
class Register:
    estate_id: str
    units: dict[str, str | None] = field(default_factory=dict)  # unit -> grid
    creds: dict[tuple[str, str], list[Cred]] = field(default_factory=dict)  # (type, ref)
    memberships: dict[str, list[Membership]] = field(default_factory=dict)  # person ->
    households: dict[str, Household] = field(default_factory=dict)
    birth_years: dict[str, int | None] = field(default_factory=dict)
    enrollments: dict[str, np.ndarray] = field(default_factory=dict)  # person -> embedding
    faces: FaceCheck | None = None  # None: not calibrated, stored matches stand
    unit_buildings: dict[str, str] = field(default_factory=dict)  # unit -> building
    # gateway -> the buildings its doors serve (devices): a face at another building's
    # door without a credential of one's own contradicts one's history (issue 18 item 3)
    gateway_buildings: dict[str, frozenset[str]] = field(default_factory=dict)
    carers: list[Carer] = field(default_factory=list)
    absences: dict[str, list[tuple[date, date]]] = field(default_factory=dict)  # household ->
    hh_members: dict[str, list[str]] = field(default_factory=dict)  # household -> persons
    unit_households: dict[str, list[str]] = field(default_factory=dict)  # unit -> households
    revoked: set[str] = field(default_factory=set)  # persons with a revoked credential
    evicted_on: dict[str, date] = field(default_factory=dict)  # person -> eviction day
    left: set[str] = field(default_factory=set)  # persons of households that moved out
    # facts_on's cache: unit -> (from, until exclusive or None, facts)
    _facts: dict[str, tuple[date, date | None, UnitFacts]] = field(default_factory=dict)
    # unit_of's answers for one day (a day's passages ask about the same people often)
    _units_day: date | None = None
    _units_on: dict[str, str | None] = field(default_factory=dict)

    def face_distance(self, default: float) -> float:
        """The distance under which two faces count as one person (stranger clusters,
        a card's owner against their enrolment): `default` (0.6), or tighter where the
        estate's calibration shows different people closer (crowded faces, issue 18)."""
        limit = self.faces.verify_limit() if self.faces is not None else None
        return default if limit is None else min(default, limit)

    def index(self) -> None:
        """Build the reverse maps once the rows are loaded."""
        self.hh_members.clear()
        self.unit_households.clear()
        self._facts.clear()
        self._units_on.clear()
        for pid, ms in self.memberships.items():
            for m in ms:
                self.hh_members.setdefault(m.household_id, []).append(pid)
        self.revoked = {
            c.person_id
            for rows in self.creds.values()
            for c in rows
            if c.revoked_at is not None and c.person_id
        }
        self.evicted_on.clear()
        self.left.clear()
        for hh in self.households.values():
            self.unit_households.setdefault(hh.unit_id, []).append(hh.household_id)
            if hh.end_reason is None or hh.move_out is None:
                continue
            for pid in self.hh_members.get(hh.household_id, ()):
                if hh.end_reason == "evicted":
                    self.evicted_on[pid] = max(hh.move_out, self.evicted_on.get(pid, hh.move_out))
                else:
                    self.left.add(pid)

    def credential(self, ctype: str, ref: str, t: datetime) -> tuple[Cred | None, bool]:
        """(the credential row, valid at t). Prefers a valid row over an ended one."""
        rows = self.creds.get((ctype, ref), [])
        for c in rows:
            if c.valid(t):
                return c, True
        return (rows[-1], False) if rows else (None, False)

    def unit_of(self, person_id: str, d: date) -> str | None:
        if d != self._units_day:
            self._units_on.clear()
            self._units_day = d
        got = self._units_on.get(person_id, _UNKNOWN)
        if got is _UNKNOWN:
            got = self._units_on[person_id] = self._unit_of(person_id, d)
        return got  # type: ignore[return-value]

    def _unit_of(self, person_id: str, d: date) -> str | None:
        for m in self.memberships.get(person_id, ()):
            if m.valid(d):
                hh = self.households.get(m.household_id)
                if hh is None or hh.move_out is None or d <= hh.move_out:
                    return m.unit_id
        return None

    def former_unit(self, person_id: str, d: date) -> str | None:
        """The unit of a membership that ended before d (None if still a member)."""
        if self.unit_of(person_id, d) is not None:
            return None
        past = [m for m in self.memberships.get(person_id, ()) if m.valid_from <= d]
        return past[-1].unit_id if past else None

    def carer_units(self, person_id: str, d: date) -> list[str]:
        return [
            c.unit_id
            for c in self.carers
            if c.person_id == person_id
            and c.valid_from <= d
            and (c.valid_to is None or d <= c.valid_to)
        ]

    def evicted(self, person_id: str) -> bool:
        """Evicted by the register's end reason; a register without end reasons (older
        imports): a revoked credential, unless the household is recorded as moved out."""
        if person_id in self.evicted_on:
            return True
        return person_id in self.revoked and person_id not in self.left

    def watch_list(self, d: date, days: int) -> tuple[list[str], np.ndarray | None]:
        """Evicted persons whose enrolment is kept for `days` after the eviction, as of
        day d: (person ids, their enrolment embeddings)."""
        pids = sorted(
            p
            for p, on in self.evicted_on.items()
            if on <= d <= on + timedelta(days=days) and p in self.enrollments
        )
        if not pids:
            return [], None
        return pids, np.stack([self.enrollments[p] for p in pids])

    def away_of(self, person: str) -> list[tuple[date, date]]:
        """The approved absences (inclusive) of the households the person belongs to."""
        households = {m.household_id for m in self.memberships.get(person, ())}
        return [a for h in sorted(households) for a in self.absences.get(h, ())]

    def facts_on(self, unit_id: str, d: date) -> UnitFacts:
        """facts(), computed again only when d crosses a date of the unit's register rows
        (move-in/out, membership, carer): the daily pass asks for every unit every day."""
        got = self._facts.get(unit_id)
        if got is not None and got[0] <= d and (got[1] is None or d < got[1]):
            return got[2]
        lo, hi = date.min, None
        for b in self._changes(unit_id):
            if b <= d:
                lo = max(lo, b)
            elif hi is None or b < hi:
                hi = b
        f = self.facts(unit_id, d)
        self._facts[unit_id] = (lo, hi, f)
        return f

    def _changes(self, unit_id: str) -> set[date]:
        """The days on which facts(unit_id, d) may change (a bound takes effect)."""

        def after(x: date) -> date:
            return x + timedelta(days=1) if x < date.max else x

        out: set[date] = set()
        for hid in self.unit_households.get(unit_id, ()):
            h = self.households[hid]
            out.update(x for x in (h.move_in, h.move_out and after(h.move_out)) if x)
            for pid in self.hh_members.get(hid, ()):
                for m in self.memberships.get(pid, ()):
                    out.add(m.valid_from)
                    if m.valid_to is not None:
                        out.add(after(m.valid_to))
        for c in self.carers:
            if c.unit_id == unit_id:
                out.add(c.valid_from)
                if c.valid_to is not None:
                    out.add(after(c.valid_to))
        return out

    def facts(self, unit_id: str, d: date) -> UnitFacts:
        current = [
            h
            for h in (self.households[x] for x in self.unit_households.get(unit_id, ()))
            if (h.move_out is None or d <= h.move_out) and (h.move_in is None or h.move_in <= d)
        ]
        hh = current[-1] if current else None
        members: list[Member] = []
        if hh is not None:
            for pid in self.hh_members.get(hh.household_id, ()):
                ms = self.memberships.get(pid, ())
                if any(m.household_id == hh.household_id and m.valid(d) for m in ms):
                    members.append(Member(pid, self.birth_years.get(pid), pid in self.enrollments))
        carers = frozenset(
            c.person_id
            for c in self.carers
            if c.unit_id == unit_id
            and c.valid_from <= d
            and (c.valid_to is None or d <= c.valid_to)
        )
        return UnitFacts(
            unit_id=unit_id,
            estate_id=self.estate_id,
            grid_id=self.units.get(unit_id),
            household_id=hh.household_id if hh else None,
            members=tuple(sorted(members, key=lambda m: m.person_id)),
            move_in=hh.move_in if hh else None,
            caregivers=carers,
            absences=tuple(self.absences.get(hh.household_id, ())) if hh else (),
        )
