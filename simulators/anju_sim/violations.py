"""Violations with ground-truth labels. Each planner picks a household that carries no
other violation, changes who lives there or adds a behaviour, and records a Label.
Counts are per 1,000 flats (params.violations); see docs/simulators.md to add a type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from anju_sim.behaviours import BorrowedCard, CardClone, ChangeOfUse, Visits
from anju_sim.documented import cover_absence
from anju_sim.model import Actor
from anju_sim.moves import close_household
from anju_sim.register import EstateBuilder, HouseholdPlan

THRESHOLD_DAYS = 180  # the national vacancy rule: 6 months


def label(
    b: EstateBuilder,
    hp: HouseholdPlan,
    kind: str,
    start: int,
    end: int | None,
    persons: list[str],
    violation: bool = True,
    days: int | None = None,
    note: str | None = None,
) -> None:
    b.labels.append(b.label(hp, kind, start, end, persons, violation, days, note))


def _pick(b: EstateBuilder, ok: Callable[[HouseholdPlan], bool]) -> HouseholdPlan | None:
    free = [hp for hp in b.households if not hp.used and ok(hp)]
    if not free:
        return None
    hp = free[int(b.rng.random() * len(free))]
    hp.used = True
    return hp


def _days(b: EstateBuilder, lo: int, k: int) -> list[int]:
    lo = max(0, min(lo, b.p.days - 1))
    return sorted(b.rng.sample(range(lo, b.p.days), min(k, b.p.days - lo)))


def _start(b: EstateBuilder) -> int:
    return b.rng.randrange(0, max(1, b.p.days // 2))


def _occupants(b: EstateBuilder, hp: HouseholdPlan, n: int, start: int, card: bool) -> list[Actor]:
    holder_card = hp.members[0].actor.card
    out = []
    for _ in range(n):
        a = b.stranger(hp.entrance, hp.unit.unit_id, "worker")
        a.active = (start, 10**6)
        a.night_bias = b.rng.random() < 0.5
        a.tailgates = b.p.world.occupant_tailgate
        if card and holder_card:
            a.via_unit_card = holder_card
        else:
            a.visitor_pass = True
        out.append(a)
    return out


def _drops_by(b: EstateBuilder, hp: HouseholdPlan, start: int, period: int) -> None:
    """The lease holder comes back now and then, so the flat is not simply 'empty'."""
    first = start + b.rng.randint(3, period)
    on = [d for d in range(first, b.p.days, period) if d >= 0]
    if on:
        b.behaviours.append(Visits(hp.members[0].actor, hp.entrance, on))


def _maybe_cover(b: EstateBuilder, hp: HouseholdPlan, start: int) -> None:
    """Worlds with cover absences: the household reports 'working elsewhere' as it leaves."""
    share = b.p.world.cover_absence
    if share and b.wrng.random() < share:
        cover_absence(b, hp, max(0, start), b.wrng.randint(90, 240))


def sublet(b: EstateBuilder) -> None:
    hp = _pick(b, lambda h: h.members[0].age < 65)
    if hp is None:
        return
    s = b.rng.randrange(-60, max(1, b.p.days // 2))
    for m in hp.members:
        m.actor.away.append((s, 10**6))
    subs = _occupants(b, hp, b.rng.randint(1, 3), s, card=b.rng.random() < b.p.world.occupant_card)
    _maybe_cover(b, hp, s)
    _drops_by(b, hp, s, period=b.rng.randint(28, 31))  # collects the rent
    label(
        b,
        hp,
        "sublet",
        s,
        None,
        [m.person.person_id for m in hp.members] + [a.ident for a in subs],
        note="tenants gone; strangers live there",
    )


def lend(b: EstateBuilder) -> None:
    hp = _pick(b, lambda h: True)
    if hp is None:
        return
    s = _start(b)
    for m in hp.members:
        m.actor.away.append((s, 10**6))
    kin = _occupants(b, hp, b.rng.randint(1, 2), s, card=True)
    _maybe_cover(b, hp, s)
    _drops_by(b, hp, s, period=b.rng.randint(7, 14))
    label(
        b,
        hp,
        "lend",
        s,
        None,
        [m.person.person_id for m in hp.members] + [a.ident for a in kin],
        note="lent to a relative who uses the tenant's card",
    )


def vacancy(b: EstateBuilder, crossing: bool) -> None:
    hp = _pick(b, lambda h: True)
    if hp is None:
        return
    days = b.p.days
    if crossing:  # began before the window, lasts past the threshold by its end
        length = THRESHOLD_DAYS + b.rng.randint(5, 60)
        end = days + b.rng.randint(0, 30)
        start = end - length
    else:  # the tenants come back before 180 days
        length = b.rng.randint(100, THRESHOLD_DAYS - 15)
        end = b.rng.randint(min(days, 20), days)
        start = end - length
    for m in hp.members:
        m.actor.away.append((start, end))
    label(
        b,
        hp,
        "vacancy",
        start,
        end,
        [m.person.person_id for m in hp.members],
        violation=crossing,
        days=length,
        note="crosses the 180-day threshold" if crossing else "stops short of 180 days",
    )


def overcrowding(b: EstateBuilder) -> None:
    hp = _pick(b, lambda h: len(h.members) >= 2)
    if hp is None:
        return
    s = _start(b)
    extra = _occupants(b, hp, b.rng.randint(2, 4), s, card=False)
    for a in extra:
        a.night_bias = False
    label(
        b,
        hp,
        "overcrowding",
        s,
        None,
        [a.ident for a in extra],
        note="unregistered people living with the household",
    )


def change_of_use(b: EstateBuilder) -> None:
    hp = _pick(b, lambda h: h.members[0].age < 60)
    if hp is None:
        return
    s = _start(b)
    hostel = b.rng.random() < 0.5
    regulars = [b.stranger(hp.entrance, hp.unit.unit_id) for _ in range(5)]
    b.behaviours.append(ChangeOfUse(hp.entrance, hp.unit.unit_id, (s, 10**6), hostel, regulars))
    label(
        b,
        hp,
        "change_of_use",
        s,
        None,
        [hp.members[0].person.person_id],
        note="hostel" if hostel else "shop",
    )


def card_clone(b: EstateBuilder) -> None:
    others = len(b.entrances) > 1
    hp = _pick(
        b,
        lambda h: (
            others and h.members[0].actor.card is not None and h.members[0].actor.routine != "none"
        ),
    )
    if hp is None:
        return
    holder = hp.members[0].actor
    other = (hp.entrance + 1 + int(b.rng.random() * (len(b.entrances) - 1))) % len(b.entrances)
    on = _days(b, _start(b), b.rng.randint(3, 8))
    # the copy is used only when the holder is around to use the card first: the label
    # says the days it really happened (a trip planned earlier may hide some)
    on = [d for d in on if holder.present(d)] or on
    cloner = b.stranger(other, None)
    where = _elsewhere(b)
    b.behaviours.append(CardClone(holder, cloner, other, on, where))
    label(
        b,
        hp,
        "card_clone",
        on[0],
        on[-1] + 1,
        [holder.ident, cloner.ident],
        note=f"same card at {where[1] if where else b.entrances[other]} within minutes",
    )


def _elsewhere(b: EstateBuilder) -> tuple[str, str, str] | None:
    """Worlds with cards issued city-wide: maybe a door of an estate built before."""
    w = b.p.world
    if w.card_scope != "authority" or not w.clone_other_estate:
        return None
    doors = [(d.gateway_id, d.door_id) for d in b.reg.devices if d.door_id and d.kind == "door"]
    gws = {g.gateway_id: g.estate_id for g in b.reg.gateways if g.estate_id != b.estate_id}
    doors = [(gw, door) for gw, door in doors if gw in gws]
    if not doors or b.wrng.random() >= w.clone_other_estate:
        return None
    gw, door = doors[int(b.wrng.random() * len(doors))]
    return gws[gw], gw, door


def card_face_mismatch(b: EstateBuilder) -> None:
    hp = _pick(b, lambda h: h.members[0].actor.enrolled and h.members[0].actor.card is not None)
    if hp is None:
        return
    owner = hp.members[0].actor
    user = b.stranger(hp.entrance, None)
    on = _days(b, _start(b), b.rng.randint(4, 10))
    b.behaviours.append(BorrowedCard(user, owner.card or "", hp.entrance, on))
    label(
        b,
        hp,
        "card_face_mismatch",
        on[0],
        on[-1] + 1,
        [owner.ident, user.ident],
        note="the card holder is enrolled; the camera sees someone else",
    )


def card_after_moveout(b: EstateBuilder) -> None:
    hp = _pick(b, lambda h: h.members[0].actor.card is not None)
    if hp is None:
        return
    day = b.rng.randrange(0, max(1, b.p.days // 2))
    close_household(b, hp, day, evicted=False)
    former = hp.members[0].actor
    user = replace(former, aid=former.aid, enrolled=False)  # gallery entry removed
    on = _days(b, day + 3, b.rng.randint(3, 8))
    b.behaviours.append(BorrowedCard(user, former.card or "", hp.entrance, on, granted=0.5))
    label(
        b,
        hp,
        "card_after_moveout",
        on[0],
        on[-1] + 1,
        [former.ident],
        note="card of a household that moved out; some doors still open",
    )


def evicted_reentry(b: EstateBuilder) -> None:
    hp = _pick(b, lambda h: h.members[0].actor.enrolled and h.members[0].actor.card is not None)
    if hp is None:
        return
    day = b.rng.randrange(0, max(1, b.p.days // 2))
    close_household(b, hp, day, evicted=True)
    former = hp.members[0].actor
    on = _days(b, day + 5, b.rng.randint(3, 6))
    w = b.p.world
    # worlds: the gallery dropped their face (an unknown face at the door), and they may
    # not try the old card at all, only follow someone in
    user = replace(former, enrolled=False) if w.evicted_gallery_dropped else former
    attempt = w.evicted_card_attempt >= 1 or b.wrng.random() < w.evicted_card_attempt
    b.behaviours.append(
        BorrowedCard(
            user,
            former.card or "",
            hp.entrance,
            on,
            granted=0.0,
            reason="blocklisted",
            follow_in=True,
            card_attempt=attempt,
        )
    )
    label(
        b,
        hp,
        "evicted_reentry",
        on[0],
        on[-1] + 1,
        [former.ident],
        note="card denied, face recognized, followed someone in",
    )


def elderly_not_seen(b: EstateBuilder) -> None:
    carers = {id(beh.host) for beh in b.behaviours if hasattr(beh, "carer")}  # type: ignore[attr-defined]
    hp = _pick(b, lambda h: h.kind == "elderly_alone" and id(h.members[0].actor) not in carers)
    if hp is None:
        return
    a = hp.members[0].actor
    # early enough in the window that a welfare rule can see it (weeks of silence)
    day = b.rng.randrange(min(10, b.p.days - 1), max(11, b.p.days * 2 // 3))
    # the label says 'last seen coming home the day before': not while away on a trip,
    # in hospital or at the festival, so it happens the day after they come back
    for lo, hi in sorted(a.away):
        if lo <= day - 1 < hi:
            day = hi + 1
    a.active = (a.active[0], day)
    a.vanishes = True
    label(
        b,
        hp,
        "elderly_not_seen",
        day,
        None,
        [a.ident],
        note="lives alone, no carer; last seen coming home the day before",
    )


PLANNERS: dict[str, Callable[[EstateBuilder], None]] = {
    "sublet": sublet,
    "lend": lend,
    "vacancy": lambda b: vacancy(b, crossing=True),
    "vacancy_short": lambda b: vacancy(b, crossing=False),
    "overcrowding": overcrowding,
    "change_of_use": change_of_use,
    "card_clone": card_clone,
    "card_after_moveout": card_after_moveout,
    "card_face_mismatch": card_face_mismatch,
    "evicted_reentry": evicted_reentry,
    "elderly_not_seen": elderly_not_seen,
}
