"""Building-level reasoning about occupants who follow others in (issue 16 item 1): a
stranger no card, pass or enrolment ties to a flat, who enters a building on most
nights and is not seen leaving again, is set against the members whose entries they
follow and against the flats of that building whose households stopped appearing.
Pinned to one flat, the stranger counts for it (the flat rules decide: sublet when the
household is gone, overcrowding when it lives there with 2+ such people); otherwise it
is a building-level finding for staff."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from anju_platform.detect.settings import DetectSettings


@dataclass(frozen=True, slots=True)
class Sighting:
    """One unlinked stranger cluster at one entrance (stairwell) of a building, or the
    building where its gateway names no entrance, on one local day."""

    place: str
    day: date
    identity: str
    n_in: int
    last_in: bool  # the day's last passage was an entry
    last_hour: int  # local hour of the day's last passage
    followed: str | None  # the flat whose member it came in right behind
    first_seen: date  # the stranger's first sighting at that entrance (local day)
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Flat:
    """A flat of the building as the window shows it."""

    unit_id: str
    household: bool  # a registered household with members holds it
    member_days: frozenset[date]
    last_member_day: date | None  # ever, since watching began (the unit clock)


def stopped(member_days: list[date]) -> date | None:
    """The last day of the household's regular presence: seen that day and on one of
    the two days before (the holder dropping by now and then is not)."""
    seen = set(member_days)
    regular = [d for d in seen if d - timedelta(days=1) in seen or d - timedelta(days=2) in seen]
    return max(regular, default=None)


@dataclass
class Resident:
    """A stranger who appears to live in the building."""

    identity: str
    place: str
    stay_days: set[date] = field(default_factory=set)
    days: set[date] = field(default_factory=set)
    followed: dict[str, set[date]] = field(default_factory=dict)
    rows: list[Sighting] = field(default_factory=list)

    @property
    def arrived(self) -> date:
        return min(x.first_seen for x in self.rows)


@dataclass(frozen=True, slots=True)
class Verdict:
    identity: str
    place: str
    unit_id: str | None  # pinned flat, or None
    why: str  # follows | settled | quiet_flat | several_quiet_flats | no_flat
    candidates: tuple[str, ...] = ()


def _evening(hour: int, s: DetectSettings) -> bool:
    """Coming home: outside the working and delivery hours of the day."""
    return not s.building_day_start_hour <= hour < s.building_day_end_hour


def residents(sightings: list[Sighting], s: DetectSettings) -> list[Resident]:
    """Strangers who stayed (the day's last passage an entry) on `building_stay_days`
    days of the window, mostly coming home in the evening or at night (a delivery rider
    or a day carer comes in daytime hours; a neighbour's visitor leaves again or comes
    now and then)."""
    by: dict[tuple[str, str], Resident] = {}
    for x in sightings:
        r = by.setdefault((x.place, x.identity), Resident(x.identity, x.place))
        r.rows.append(x)
        r.days.add(x.day)
        if x.last_in and x.n_in > 0:
            r.stay_days.add(x.day)
        if x.followed is not None:
            r.followed.setdefault(x.followed, set()).add(x.day)
    out = []
    for key in sorted(by):
        r = by[key]
        if len(r.stay_days) < s.building_stay_days:
            continue
        late = sum(1 for x in r.rows if x.day in r.stay_days and _evening(x.last_hour, s))
        if late >= s.building_evening_share * len(r.stay_days):
            out.append(r)
    return out


def pin(
    r: Resident,
    flats_of: Callable[[str], list[Flat]],
    stopped_of: Callable[[list[str]], dict[str, date | None]],
    day: date,
    watched_from: date,
    s: DetectSettings,
) -> Verdict:
    """The flat a newcomer living in the building (first seen `building_settled_days`
    after watching began, and within the last `building_new_days`) belongs to: the one
    whose members it follows in on `building_follow_days` days and on
    `building_follow_share` of the days it was seen. Else the flat of the building
    whose household stopped appearing (members on at most `sublet_max_member_days`
    days of the window) within `building_handover_days` of the newcomer's arrival
    (`stopped_of(units)`: the last day of each household's regular presence). Two such
    flats or none: not pinned, for staff. Someone living there since before (children
    without a card of their own, a long-standing unregistered occupant) is 'settled':
    neither pinned nor a finding."""
    # children without a card of their own live there since before and follow their
    # parents (or, by chance, a neighbour) in: never pinned, whatever they follow
    new = (r.arrived - watched_from).days >= s.building_settled_days
    if not new or (day - r.arrived).days > s.building_new_days:
        return Verdict(r.identity, r.place, None, "settled")
    # the flats are looked at only when needed
    if r.followed:
        held = {f.unit_id for f in flats_of(r.place) if f.household}
        follows = sorted(
            ((len(d), u) for u, d in r.followed.items() if u in held), key=lambda t: (-t[0], t[1])
        )
        top = follows[0][0] if follows else 0
        need = max(s.building_follow_days, s.building_follow_share * len(r.days))
        if top >= need:  # behind that flat's members on most days: not by chance
            return Verdict(r.identity, r.place, follows[0][1], "follows")
    flats = flats_of(r.place)
    quiet = sorted(
        f.unit_id
        for f in flats
        if f.household
        and f.last_member_day is not None
        and len(f.member_days) <= s.sublet_max_member_days
    )
    ends = stopped_of(quiet) if quiet else {}
    near = tuple(
        u
        for u in quiet
        if (end := ends.get(u)) is not None
        and abs((r.arrived - end).days) <= s.building_handover_days
    )
    if len(near) == 1:
        return Verdict(r.identity, r.place, near[0], "quiet_flat", near)
    why = "several_quiet_flats" if near else "no_flat"
    return Verdict(r.identity, r.place, None, why, near)


def building_links(
    sightings: list[Sighting],
    flats_of: Callable[[str], list[Flat]],
    stopped_of: Callable[[list[str]], dict[str, date | None]],
    day: date,
    watched_from: date,
    s: DetectSettings,
) -> list[Verdict]:
    """Every building resident of the window with its verdict (pinned or not);
    `flats_of(place)` is asked only for places with a resident, `stopped_of` only
    for a newcomer's quiet flats."""
    return [pin(r, flats_of, stopped_of, day, watched_from, s) for r in residents(sightings, s)]
