"""A lone tenant coming home unlogged (issue 16, held-out seeds: sparse 20's missed care
check). A tenant without an enrolled face who went out on their card or pass and came
back behind someone leaves a logged exit as their last record: the welfare rule reads
that as "went out" and waits. The face learned for their card (cardfaces.CardFaces
.learned) coming in at their entrance after that exit, tied to no flat (a building-level
sighting), is them coming home. A look-alike's entry then costs a care call, not a
missed check; the learned face stays on the platform: it is never shown as the
tenant's identity and never opens a door (docs/privacy.md). Only the unit clock moves,
once per logged exit (it then reads coming home): the face never counts as the tenant
seen again, so a look-alike who comes in daily cannot keep a check from opening."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from anju_platform.detect.building import BuildingWatch
from anju_platform.detect.model import UnitClock, UnitFacts
from anju_platform.detect.presence import Resolved
from anju_platform.detect.rules.building import Sighting
from anju_platform.detect.rules.common import age
from anju_platform.detect.settings import DetectSettings


def came_home(
    day: date,
    sightings: list[Sighting],
    resolved: list[Resolved],
    watch: BuildingWatch,
    own: Callable[[], dict[str, set[str]]],
    clocks: dict[str, UnitClock],
    facts_on: Callable[[str, date], UnitFacts],
    s: DetectSettings,
) -> set[str]:
    """The units whose clock now reads their lone elderly tenant coming home on `day`
    (`clocks` updated in place): the last logged passage was the tenant's exit, and
    the day's last passage of a face learned for the tenant's card at the flat's
    entrance (or building) was an entry after it (the places of `watch`)."""
    entered = {x.identity: x for x in sightings if x.last_in}
    if not s.welfare_own_face_home or not entered:
        return set()
    gate_place, unit_place, unit_building = watch.gate_place, watch.unit_place, watch.unit_building
    got: set[str] = set()
    for unit, faces in own().items():
        clock = clocks.get(unit)
        if clock is None or clock.last_member_in is not False or clock.last_member_day is None:
            continue
        mine = unit_place.get(unit), unit_building.get(unit)
        hits = [entered[f] for f in faces if f in entered and entered[f].place in mine]
        if not hits or not _lone_elderly(facts_on(unit, day), day, s):
            continue
        ids = {x.identity for x in hits}
        if _after_exit(resolved, unit, ids, {x.place for x in hits}, gate_place):
            last_any = clock.last_any_day
            clocks[unit] = UnitClock(
                day if last_any is None else max(last_any, day), day, True, clock.watched_from
            )
            got.add(unit)
    return got


def _lone_elderly(facts: UnitFacts, day: date, s: DetectSettings) -> bool:
    """The welfare rule's tenant: one member, of welfare age, no registered carer."""
    if len(facts.members) != 1 or facts.caregivers:
        return False
    years = age(facts.members[0].birth_year, day)
    return years is not None and years >= s.welfare_age


def _after_exit(
    resolved: list[Resolved],
    unit: str,
    faces: set[str],
    places: set[str],
    gate_place: dict[str, str],
) -> bool:
    """The faces' last entry at `places` came after the unit's members' last passage of
    the day (none: the exit was on an earlier day)."""
    member: datetime | None = None
    entry: datetime | None = None
    for r in resolved:
        t = r.passage.time
        if r.unit_id == unit and r.role == "member":
            member = t if member is None else max(member, t)
        elif (
            r.unit_id is None
            and r.cluster_id in faces
            and r.face_person is None
            and r.passage.direction == "in"
            and gate_place.get(r.passage.gateway_id) in places
        ):
            entry = t if entry is None else max(entry, t)
    return entry is not None and (member is None or entry > member)
