"""Households leaving (moving out, eviction) and a new household moving in."""

from __future__ import annotations

from datetime import timedelta

from anju_sim.model import Household
from anju_sim.register import EstateBuilder, HouseholdPlan


def close_household(b: EstateBuilder, hp: HouseholdPlan, day: int, evicted: bool) -> None:
    """End the lease on `day`: household, memberships and credentials (revoked if
    evicted) get their end dates; the members stop living there."""
    when, cut = b.date_of(day), b.utc_of(day)
    hh = hp.household
    hh.move_out, hh.lease_end = when, when
    hh.end_reason = "evicted" if evicted else "moved_out"
    ids = {m.person.person_id for m in hp.members}
    m0, c0 = b.rows0
    for mem in b.reg.household_members[m0:]:
        if mem.household_id == hh.household_id:
            mem.valid_to = when
    for c in b.reg.credentials[c0:]:
        if c.person_id in ids:
            c.valid_to = cut
            c.revoked_at = cut if evicted else None
    for pid in ids:
        b.closed[pid] = (cut, evicted)  # face credentials are made later, in finish()
    for m in hp.members:
        m.actor.active = (m.actor.active[0], day)


def turnover(b: EstateBuilder, hp: HouseholdPlan, day: int) -> HouseholdPlan:
    """The household moves out on `day`; a new one moves in 10-40 days later."""
    close_household(b, hp, day, evicted=False)
    arrive = day + b.rng.randint(10, 40)
    start = b.date_of(arrive)
    hh = Household(
        f"{hp.unit.unit_id}-h2",
        hp.unit.unit_id,
        start,
        start + timedelta(days=3 * 365),
        start,
        None,
    )
    b.reg.households.append(hh)
    new = HouseholdPlan(hh, hp.unit, hp.entrance, b.rng.choice(("single", "couple", "family")))
    b.compose(new)
    for m in new.members:
        m.actor.active = (arrive, 10**6)
    return new
