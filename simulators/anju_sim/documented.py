"""What the office was told: absences the household reported (approved) and carers
registered for a flat. Only a share is documented, as in real estates, so detection
can use the register to explain a silence or a daily stranger, but cannot rely on it."""

from __future__ import annotations

from datetime import time

from anju_common.cardhash import card_hash
from anju_sim.model import Absence, Actor, Caregiver, Credential
from anju_sim.register import EstateBuilder, HouseholdPlan

ABSENCE_KIND = {"spring_festival": "travel", "travel": "travel", "hospital_stay": "hospital"}


def _absence(
    b: EstateBuilder, hp: HouseholdPlan, kind: str, start: int, end: int, note: str
) -> None:
    """An approved absence row for days [start, end)."""
    hid = hp.household.household_id
    n = sum(1 for a in b.reg.absences[b.rows_absence0 :] if a.household_id == hid) + 1
    b.reg.absences.append(
        Absence(f"{hid}-a{n}", hid, kind, b.date_of(start), b.date_of(end - 1), note)
    )


def report_absence(
    b: EstateBuilder, hp: HouseholdPlan, trap_type: str, start: int, end: int
) -> bool:
    """Maybe record an approved absence for days [start, end); True if recorded."""
    if b.rng.random() >= b.p.absence_reported:
        return False
    _absence(b, hp, ABSENCE_KIND[trap_type], start, end, trap_type.replace("_", " "))
    return True


def cover_absence(b: EstateBuilder, hp: HouseholdPlan, start: int, days: int) -> None:
    """An approved absence ('working elsewhere') that covers a sublet or lend (worlds)."""
    _absence(b, hp, "other", start, start + days, "work elsewhere")


def register_carer(b: EstateBuilder, hp: HouseholdPlan, carer: Actor) -> bool:
    """Maybe register the carer: a person row, a caregivers row and a card; True if so."""
    if b.rng.random() >= b.p.carer_registered:
        return False
    person = b.new_person(b.rng.randint(35, 60))
    carer.ident = carer.person_id = person.person_id
    since = -b.rng.randint(30, 400)
    vf = b.utc_of(since)
    carer.card = card_hash(b.key, f"{b.rng.randrange(10**9, 10**10)}")
    b.reg.credentials.append(
        Credential(
            f"{person.person_id}-card1",
            person.person_id,
            b.estate_id,
            "card",
            carer.card,
            vf,
            None,
            None,
        )
    )
    b.reg.caregivers.append(
        Caregiver(
            f"{hp.unit.unit_id}-cg1",
            person.person_id,
            hp.unit.unit_id,
            [1, 2, 3, 4, 5, 6],
            time(8, 30),
            time(12, 30),
            b.date_of(since),
            None,
            "daily care",
        )
    )
    return True
