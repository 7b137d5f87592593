"""A lone tenant coming home unlogged (issue 16, held-out seeds: sparse 20's and crowded
citywide 22's missed care checks). A tenant who went out logged and came back unknown to
the gateways (behind someone, a face-only entry the gallery did not match) leaves an
exit as their last record: the welfare rule reads that as "went out" and waits. Their
own face coming in at their entrance after that exit, tied to no flat (a building-level
sighting), is them coming home: the face learned for their card (cardfaces.CardFaces
.learned, a tenant without enrolment), or a stranger cluster whose leader lies within
welfare_own_face_distance of their enrolment (with crowded faces the gateways leave many
of an enrolled tenant's sightings unmatched). A look-alike's entry then costs a care
call, not a missed check; the face stays on the platform: it is never shown as the
tenant's identity and never opens a door (docs/privacy.md). Only the unit clock moves,
once per logged exit (it then reads coming home): the face never counts as the tenant
seen again, so a look-alike who comes in daily cannot keep a check from opening."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import numpy as np

from anju_platform.detect.building import BuildingWatch
from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.model import UnitClock
from anju_platform.detect.presence import Resolved
from anju_platform.detect.register import Register
from anju_platform.detect.rules.building import Sighting
from anju_platform.detect.rules.common import welfare_tenant
from anju_platform.detect.settings import DetectSettings


def came_home(
    day: date,
    sightings: list[Sighting],
    resolved: list[Resolved],
    watch: BuildingWatch,
    own: Callable[[], dict[str, set[str]]],
    clocks: dict[str, UnitClock],
    reg: Register,
    clusters: Clusterer,
    s: DetectSettings,
) -> set[str]:
    """The units whose clock now reads their lone elderly tenant coming home on `day`
    (`clocks` updated in place): the last logged passage was the tenant's exit, and
    the day's last passage of the tenant's own face (`own`: learned for their card; or
    near their enrolment) at the flat's entrance (or building) was an entry after it."""
    entered = {x.identity: x for x in sightings if x.last_in}
    if not s.welfare_own_face_home or not entered:
        return set()
    faces: dict[str, set[str]] = {}
    for unit, learned in own().items():
        if hit := {f for f in learned if f in entered}:
            faces[unit] = hit
    at: dict[str, list[Sighting]] = {}
    for x in entered.values():
        at.setdefault(x.place, []).append(x)
    for unit, place in watch.unit_place.items():  # enrolled tenants whose clock went out
        if not _went_out(clocks.get(unit)):
            continue
        near = at.get(place, [])
        building = watch.unit_building[unit]
        if not watch.units_at.get(building):  # no flat placed at the building itself
            near = near + at.get(building, [])
        for x in near:
            if _near(reg, clusters, unit, x.identity, day, s):
                faces.setdefault(unit, set()).add(x.identity)
    got: set[str] = set()
    for unit, mine in sorted(faces.items()):
        clock = clocks.get(unit)
        if clock is None or not _went_out(clock):
            continue
        places = {watch.unit_place.get(unit), watch.unit_building.get(unit)}
        here = {f for f in mine if entered[f].place in places}
        if not here or not welfare_tenant(reg.facts_on(unit, day), day, s):
            continue
        where = {entered[f].place for f in here}
        if _after_exit(resolved, unit, here, where, watch.gate_place):
            last_any = clock.last_any_day
            clocks[unit] = UnitClock(
                day if last_any is None else max(last_any, day), day, True, clock.watched_from
            )
            got.add(unit)
    return got


def _went_out(clock: UnitClock | None) -> bool:
    return clock is not None and clock.last_member_in is False and clock.last_member_day is not None


def _near(
    reg: Register, clusters: Clusterer, unit: str, cid: str, day: date, s: DetectSettings
) -> bool:
    """The cluster's leader within welfare_own_face_distance of the enrolment of the
    unit's lone member (asked only of flats whose clock went out: a few)."""
    members = reg.facts_on(unit, day).members
    emb = reg.enrollments.get(members[0].person_id) if len(members) == 1 else None
    leader = clusters.leader(cid) if emb is not None else None
    if emb is None or leader is None:
        return False
    return float(np.linalg.norm(leader - emb)) <= s.welfare_own_face_distance


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
