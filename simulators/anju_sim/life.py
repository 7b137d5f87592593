"""The traps of normal life (DOMAIN.md): Spring Festival in the home village, trips,
hospital stays, night shifts, caregivers, weekend family, deliveries, visitors, a baby
born and a grandparent moving in who are registered weeks late. Each is recorded as a
trap label (violation=false) so tests and detection work can count false alarms."""

from __future__ import annotations

from anju_sim.behaviours import Caregiver, Couriers, OneOffVisitors, WeekendFamily
from anju_sim.documented import register_carer, report_absence
from anju_sim.model import HouseholdMember
from anju_sim.moves import turnover
from anju_sim.params import SPRING_FESTIVAL
from anju_sim.register import EstateBuilder, HouseholdPlan


def trap(
    b: EstateBuilder,
    hp: HouseholdPlan,
    kind: str,
    start: int,
    end: int | None,
    persons: list[str],
    note: str | None = None,
    documented: bool | None = None,
) -> None:
    lab = b.label(hp, kind, start, end, persons, violation=False, note=note)
    lab.documented = documented
    b.traps.append(lab)


def festival_days(b: EstateBuilder) -> list[int]:
    days = []
    for year in (b.p.start.year, b.p.start.year + 1):
        sf = SPRING_FESTIVAL.get(year)
        if sf is not None and 0 <= (sf - b.p.start).days < b.p.days + 20:
            days.append((sf - b.p.start).days)
    return days


def plan_life(b: EstateBuilder) -> None:
    p, rng = b.p, b.rng
    festivals = festival_days(b)
    for hp in b.households:
        people = [m.actor.ident for m in hp.members]
        if festivals and rng.random() < p.spring_festival_away:
            sf = festivals[0]
            start, end = sf - rng.randint(2, 10), sf + rng.randint(5, 25)
            for m in hp.members:
                m.actor.away.append((start, end))
            told = report_absence(b, hp, "spring_festival", start, end)
            trap(b, hp, "spring_festival", start, end, people, "home village", told)
        if rng.random() < p.travel:
            start = rng.randrange(0, p.days)
            end = start + rng.randint(4, 14)
            for m in hp.members:
                m.actor.away.append((start, end))
            trap(
                b,
                hp,
                "travel",
                start,
                end,
                people,
                None,
                report_absence(b, hp, "travel", start, end),
            )
        for m in hp.members:
            if m.age >= 65 and rng.random() < p.hospital:
                start = rng.randrange(0, p.days)
                end = start + rng.randint(5, 30)
                m.actor.away.append((start, end))
                told = report_absence(b, hp, "hospital_stay", start, end)
                trap(b, hp, "hospital_stay", start, end, [m.actor.ident], None, told)
            if m.actor.routine == "night":
                trap(b, hp, "night_shift", 0, None, [m.actor.ident], "works Sun-Thu nights")
        if hp.kind == "elderly_alone" and rng.random() < p.caregiver:
            host = hp.members[0].actor
            carer = b.stranger(hp.entrance, hp.unit.unit_id)
            b.behaviours.append(Caregiver(carer, host, (0, p.days)))
            told = register_carer(b, hp, carer)
            how = "a card" if told else "a visitor pass"
            trap(
                b,
                hp,
                "caregiver",
                0,
                None,
                [host.ident, carer.ident],
                f"daily carer on {how}, not on Sundays",
                told,
            )
        if rng.random() < p.weekend_family:
            visitors = [b.stranger(hp.entrance, hp.unit.unit_id) for _ in range(rng.randint(1, 3))]
            b.behaviours.append(WeekendFamily(visitors, hp.members[0].actor))
            trap(b, hp, "weekend_family", 0, None, [v.ident for v in visitors])
        _late_registrations(b, hp)
    for hp in list(b.households):
        if p.days > 30 and rng.random() < p.turnover and not hp.used:
            hp.used = True  # no violation planned on a flat that changes hands
            day = rng.randrange(5, p.days - 25)
            new = turnover(b, hp, day)
            arrive = (new.household.move_in - p.start).days if new.household.move_in else day
            trap(
                b,
                hp,
                "turnover",
                day,
                arrive,
                [m.person.person_id for m in hp.members + new.members],
                f"moved out; {new.household.household_id} moved in",
            )
    hosts = [hp.members[0].actor for hp in b.households]
    if hosts:
        couriers = [b.stranger(0, None) for _ in range(max(3, len(hosts) // 60))]
        b.behaviours.append(Couriers(couriers, hosts, p.delivery_per_day, p.exit_logged))
        b.behaviours.append(OneOffVisitors(hosts, p.visitor_pass_per_day))


def _late_registrations(b: EstateBuilder, hp: HouseholdPlan) -> None:
    p, rng = b.p, b.rng
    young = [m for m in hp.members if 22 <= m.age <= 38 and m.person.gender == "F"]
    if young and hp.kind in ("couple", "family") and rng.random() < p.baby:
        mother = young[0]
        born = rng.randrange(0, max(1, p.days - 10))
        registered = born + rng.randint(20, 60)
        baby = b.new_person(0)
        b.reg.household_members.append(
            HouseholdMember(
                hp.household.household_id, baby.person_id, "member", b.date_of(registered), None
            )
        )
        mother.actor.away.append((born - 1, born + rng.randint(3, 6)))
        trap(
            b,
            hp,
            "baby_born",
            born,
            registered,
            [baby.person_id, mother.person.person_id],
            "registered weeks after birth; mother in hospital for the birth",
        )
    if rng.random() < p.grandparent and p.days > 20:
        arrive = rng.randrange(5, max(6, p.days - 15))
        registered = arrive + rng.randint(21, 60)
        m = b.add_member(hp, rng.randint(68, 85), "member", from_day=registered)
        m.actor.active = (arrive, 10**6)
        m.actor.credential_from = registered
        m.actor.enrolled = False  # enrolls, if ever, after registration
        b._pending_faces = [f for f in b._pending_faces if f[1] is not m.actor]
        trap(
            b,
            hp,
            "late_registration",
            arrive,
            registered,
            [m.person.person_id],
            "grandparent moved in, registered later",
        )
