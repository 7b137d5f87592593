"""The default scenario holds the traps of normal life at sensible rates, and every
violation type with labels whose evidence is really in the events."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import timedelta

import numpy as np
import pytest

from anju_common.events import AccessEvent, FaceSighting, QrScan
from anju_sim.model import Portfolio
from anju_sim.params import SPRING_FESTIVAL, SimParams, small_params
from anju_sim.portfolio import estate_day_events, generate
from anju_sim.violations import PLANNERS
from anju_sim.wire import LOCAL_OFFSET_S


@pytest.fixture(scope="module")
def city() -> Portfolio:
    return generate(SimParams())


@pytest.fixture(scope="module")
def small() -> Portfolio:
    return generate(small_params(seed=3, days=40, flats=120))


def _count(pf: Portfolio, kind: str) -> int:
    return sum(1 for t in pf.traps if t.type == kind)


def test_default_size_is_xiangyang(city: Portfolio) -> None:
    reg = city.register
    assert len(reg.estates) == 13 and len(reg.units) == 5803
    per_office = Counter(e.housing_office for e in reg.estates)
    flats = Counter(
        next(e.housing_office for e in reg.estates if e.estate_id == u.estate_id) for u in reg.units
    )
    assert sorted(flats.values()) == sorted([1158, 2375, 404, 1866])
    assert len(per_office) == 4
    grids = Counter(u.grid_id for u in reg.units)
    assert max(grids.values()) <= 200 and len(reg.gateways) == len(reg.entrances)


def test_traps_at_sensible_rates(city: Portfolio) -> None:
    households = len(city.register.households)
    assert 0.25 < _count(city, "spring_festival") / households < 0.45
    assert 0.08 < _count(city, "travel") / households < 0.22
    assert _count(city, "hospital_stay") > 20
    year = city.params.start.year
    born = {p.person_id: p.birth_year for p in city.register.persons}
    members: dict[str, list[str]] = defaultdict(list)
    for m in city.register.household_members:
        members[m.household_id].append(m.person_id)
    alone = sum(1 for ps in members.values() if len(ps) == 1 and year - born[ps[0]] >= 65)
    assert 0.35 < _count(city, "caregiver") / alone < 0.65
    workers = sum(1 for e in city.estates for a in e.actors if a.routine in ("worker", "night"))
    assert 0.04 < _count(city, "night_shift") / workers < 0.12
    assert 0.1 < _count(city, "weekend_family") / households < 0.4
    assert _count(city, "baby_born") >= 5 and _count(city, "late_registration") >= 20
    # tenants who never enrolled a face: card and QR must still work for them
    adults = {p.person_id for p in city.register.persons if year - p.birth_year >= 14}
    enrolled = {f.person_id for f in city.register.face_enrollments}
    assert 0.3 < len(adults - enrolled) / len(adults) < 0.5


def test_late_registration_is_seen_before_it_is_registered(city: Portfolio) -> None:
    members = {(m.person_id): m for m in city.register.household_members}
    for t in (t for t in city.traps if t.type == "late_registration"):
        m = members[t.persons[0]]
        arrived = (t.start + timedelta(hours=8)).date()
        assert m.valid_from >= arrived + timedelta(days=21)  # registered weeks later
        if t.end is not None:
            assert m.valid_from == (t.end + timedelta(hours=8)).date()


def _day_events(pf: Portfolio, estate: int, day: int) -> list:
    return [e.model() for e in estate_day_events(pf, estate, day)]


def test_spring_festival_empties_flats_and_night_shifts_come_home_at_dawn(
    city: Portfolio,
) -> None:
    sf = (SPRING_FESTIVAL[2026] - city.params.start).days
    seen_normal = {
        e.credential_ref for e in _day_events(city, 1, sf - 21) if isinstance(e, AccessEvent)
    }
    seen_festival = {
        e.credential_ref for e in _day_events(city, 1, sf) if isinstance(e, AccessEvent)
    }
    assert len(seen_festival) < 0.85 * len(seen_normal)
    night = {a.card for a in city.estates[1].actors if a.routine == "night" and a.card}
    hours = Counter()
    for d in range(7, 14):
        for e in _day_events(city, 1, d):
            if isinstance(e, AccessEvent) and e.credential_ref in night and e.direction == "in":
                hours[(int(e.time.timestamp()) + LOCAL_OFFSET_S) // 3600 % 24] += 1
    assert sum(hours[h] for h in range(6, 9)) > 0.4 * sum(hours.values())


def test_caregivers_come_daily_on_passes_or_registered_cards(city: Portfolio) -> None:
    carers = [t for t in city.traps if t.type == "caregiver" and t.estate_id == "e02"]
    registered = {c.unit_id: c.person_id for c in city.register.caregivers}
    cards = {c.person_id: c.ref for c in city.register.credentials if c.type == "card"}
    days_seen: dict[str, set[int]] = defaultdict(set)
    for d in range(20, 27):
        for e in _day_events(city, 1, d):
            if isinstance(e, QrScan) and e.purpose == "visitor_pass" and e.unit_id:
                days_seen[e.unit_id].add(d)
            if isinstance(e, AccessEvent) and e.direction == "in" and e.credential_ref:
                days_seen[e.credential_ref].add(d)
    seen = []
    for t in carers:
        key = cards[registered[t.unit_id]] if t.documented else t.unit_id
        seen.append(len(days_seen[key]))
    assert carers and any(t.documented for t in carers) and not all(t.documented for t in carers)
    assert np.mean(seen) >= 4


def test_a_share_of_traps_is_documented_in_the_register(city: Portfolio) -> None:
    carers = [t for t in city.traps if t.type == "caregiver"]
    assert 0.45 < sum(bool(t.documented) for t in carers) / len(carers) < 0.75
    assert len(city.register.caregivers) == sum(bool(t.documented) for t in carers)
    away = [t for t in city.traps if t.type in ("spring_festival", "travel", "hospital_stay")]
    told = [t for t in away if t.documented]
    assert 0.3 < len(told) / len(away) < 0.5 and len(city.register.absences) == len(told)
    kinds = Counter(a.kind for a in city.register.absences)
    assert kinds["travel"] > kinds["hospital"] > 0


def test_every_violation_type_appears_with_labels(city: Portfolio) -> None:
    types = Counter(lab.type for lab in city.labels)
    expected = set(PLANNERS) - {"vacancy_short"}
    assert expected <= set(types)
    vac = [lab for lab in city.labels if lab.type == "vacancy"]
    assert any(v.violation and (v.days or 0) >= 180 for v in vac)
    assert any(not v.violation and (v.days or 999) < 180 for v in vac)
    units = {u.unit_id for u in city.register.units}
    assert all(lab.unit_id in units and lab.persons for lab in city.labels)


def _all_events(pf: Portfolio) -> list:
    return [e.model() for d in range(pf.params.days) for e in estate_day_events(pf, 0, d)]


def test_violation_evidence_is_in_the_events(small: Portfolio) -> None:
    events = _all_events(small)
    by_type = {lab.type: lab for lab in small.labels if lab.violation}
    assert set(PLANNERS) - {"vacancy_short"} <= set(by_type)
    actors = {a.ident: a for a in small.estates[0].actors}
    access = [e for e in events if isinstance(e, AccessEvent)]

    clone = actors[by_type["card_clone"].persons[0]]
    uses = sorted((e.time, e.gateway_id) for e in access if e.credential_ref == clone.card)
    assert any(
        (b[0] - a[0]).total_seconds() < 300 and a[1] != b[1] for a, b in itertools.pairwise(uses)
    )

    evicted = by_type["evicted_reentry"]
    denied = [
        e
        for e in access
        if e.reason == "blocklisted" and e.credential_ref == actors[evicted.persons[0]].card
    ]
    faces = [
        e
        for e in events
        if isinstance(e, FaceSighting)
        and e.person_id == evicted.persons[0]
        and e.time >= evicted.start
    ]
    assert denied and faces

    mismatch = by_type["card_face_mismatch"]
    owner = actors[mismatch.persons[0]]
    unknown_before_card = [
        e
        for e in access
        if e.credential_ref == owner.card
        and any(
            isinstance(f, FaceSighting)
            and f.person_id is None
            and f.gateway_id == e.gateway_id
            and (e.time - f.time).total_seconds() == 2
            for f in events
        )
    ]
    assert unknown_before_card

    gone = by_type["elderly_not_seen"]
    elder = actors[gone.persons[0]]
    assert not [
        e
        for e in events
        if e.time >= gone.start
        and (
            getattr(e, "person_id", None) == elder.ident
            or getattr(e, "credential_ref", None) == elder.card
        )
    ]

    shop = by_type["change_of_use"]
    passes = Counter(
        e.time.date()
        for e in events
        if isinstance(e, QrScan) and e.unit_id == shop.unit_id and e.time > shop.start
    )
    assert passes and np.mean(list(passes.values())) >= 5


def test_turnover_closes_one_household_and_opens_the_next(city: Portfolio) -> None:
    moves = [t for t in city.traps if t.type == "turnover"]
    assert 20 < len(moves) < 120
    households = {h.household_id: h for h in city.register.households}
    creds: dict[str, list] = defaultdict(list)
    for c in city.register.credentials:
        creds[c.person_id].append(c)
    for t in moves:
        old = households[t.household_id or ""]
        new = households[f"{t.unit_id}-h2"]
        assert old.move_out is not None and new.move_in is not None
        assert new.move_in > old.move_out
        gone = [m.person_id for m in city.register.household_members
                if m.household_id == old.household_id]  # fmt: skip
        assert all(c.valid_to is not None for p in gone for c in creds[p])


def test_card_misreads_are_retried(small: Portfolio) -> None:
    access = [e for d in range(5) for e in _day_events(small, 0, d) if isinstance(e, AccessEvent)]
    bad = [e for e in access if e.reason == "invalid"]
    assert bad
    for b in bad:
        assert any(
            e.granted and e.credential_ref == b.credential_ref
            and 0 < (e.time - b.time).total_seconds() <= 4
            for e in access
        )  # fmt: skip
