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
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from anju_platform.detect.clustering import near_days
from anju_platform.detect.model import Evidence, Finding
from anju_platform.detect.settings import DetectSettings

# a household whose silence began in a festival season may be travelling until this
# long after it (as the sublet rule waits)
FESTIVAL_GRACE = timedelta(days=14)


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
    away: tuple[tuple[date, date], ...] = ()  # the household's approved absences, inclusive
    unseen_members: int = 0  # registered members not seen on their own in the window
    # the first day of the household's presence now, when it moved in or came back after
    # building_gone_days or more unseen (`came_back`); None: it has lived there all along
    back: date | None = None

    def away_between(self, first: date, last: date) -> bool:
        """An approved absence overlaps first..last: the household's silence is explained."""
        return any(a <= last and first <= b for a, b in self.away)


def festival_trip(last: date, day: date, s: DetectSettings, newcomers_after: bool) -> bool:
    """A household last seen on `last` went for the festival: its silence began in a
    holiday season (seen last on the season's days, or `holiday_lead_days` before its
    first when the people staying came only after `last`, `newcomers_after`: the
    departure morning is rarely logged, and someone minding the flat comes when the
    family has gone; subtenants living there before are no one minding it), and `day`
    is at most FESTIVAL_GRACE after the season (it may be travelling until then)."""
    lead = timedelta(days=s.holiday_lead_days if newcomers_after else 0)
    return any(a - lead <= last <= b and day <= b + FESTIVAL_GRACE for a, b in s.holidays)


def came_back(member_days: list[date], since: date, gone_days: int) -> date | None:
    """The day the household's present stay began, when it moved in or came back after
    `gone_days` or more unseen (the days before `since` unknown: unseen), and seen again
    within `gone_days` after it (the holder dropping by once is not back; a member whose
    face the camera misses now and then is). None: seen regularly since `since`."""
    days = sorted(set(member_days))
    back, prev = None, since - timedelta(days=1)
    for i, d in enumerate(days):
        again = i + 1 < len(days) and (days[i + 1] - d).days <= gone_days
        if (d - prev).days > gone_days and again:
            back = d
        prev = d
    return back


def silent_from(end: date, member_days: frozenset[date], gone_days: int) -> date:
    """The last day a member was seen before the household's silence: the end of its
    regular presence, or a sighting after it each within `gone_days` of the one before
    (a retiree seen on one more day before leaving on the festival's first morning)."""
    last = end
    for d in sorted(x for x in member_days if x > end):
        if (d - last).days > gone_days:
            break
        last = d
    return last


def arrived_with(r: Resident, flats: list[Flat], s: DetectSettings) -> bool:
    """The newcomer came within `building_arrived_with_days` of a household of its
    entrance moving in or coming back from weeks away, a household with registered
    members never seen on their own (a child or a spouse without a card or an enrolled
    face): one of them, as a newcomer who follows that flat's members in is."""
    near = timedelta(days=s.building_arrived_with_days)
    return any(
        f.household
        and f.unseen_members > 0
        and f.back is not None
        and abs(r.arrived - f.back) <= near
        for f in flats
    )


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
    # follows | settled | family_member | quiet_flat | several_quiet_flats | no_flat
    why: str
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
    known: Callable[[Resident], bool] | None = None,
) -> Verdict:
    """The flat a newcomer living in the building (first seen `building_settled_days`
    after watching began, and within the last `building_new_days`) belongs to: the one
    whose members it follows in on `building_follow_days` days and on
    `building_follow_share` of the days it was seen, unless a registered member of that
    flat was not seen on their own in the window (the follower may be them: the family
    already counts them). Else the one quiet flat of the entrance (`quiet_flats`). Two
    such flats or none: not pinned, for staff. Someone living there since before
    (children without a card of their own, a long-standing unregistered occupant) is
    'settled': neither pinned nor a finding. So is a new cluster whose face passed the
    entrance before it (`known`, asked only here): with crowded faces (issue 18) a
    resident's sightings go to a look-alike's cluster for weeks, until one far enough from
    every leader starts a cluster of their own, which is new but not a newcomer."""
    # children without a card of their own live there since before and follow their
    # parents (or, by chance, a neighbour) in: never pinned, whatever they follow
    new = (r.arrived - watched_from).days >= s.building_settled_days
    if not new or (day - r.arrived).days > s.building_new_days:
        return Verdict(r.identity, r.place, None, "settled")
    if known is not None and known(r):
        return Verdict(r.identity, r.place, None, "settled")
    # the flats are looked at only when needed
    if r.followed:
        held = {f.unit_id: f for f in flats_of(r.place) if f.household}
        follows = sorted(
            ((len(d), u) for u, d in r.followed.items() if u in held), key=lambda t: (-t[0], t[1])
        )
        top = follows[0][0] if follows else 0
        need = max(s.building_follow_days, s.building_follow_share * len(r.days))
        if top >= need:  # behind that flat's members on most days: not by chance
            unit = follows[0][1]
            if held[unit].unseen_members:  # a member back from months away, no card
                return Verdict(r.identity, r.place, None, "family_member")
            return Verdict(r.identity, r.place, unit, "follows")
    if arrived_with(r, flats_of(r.place), s):  # held-out default 16 and sparse 14
        return Verdict(r.identity, r.place, None, "family_member")
    near = quiet_flats(r, flats_of(r.place), stopped_of, day, s)
    if len(near) == 1:
        return Verdict(r.identity, r.place, near[0], "quiet_flat", near)
    why = "several_quiet_flats" if near else "no_flat"
    return Verdict(r.identity, r.place, None, why, near)


def quiet_flats(
    r: Resident,
    flats: list[Flat],
    stopped_of: Callable[[list[str]], dict[str, date | None]],
    day: date,
    s: DetectSettings,
) -> tuple[str, ...]:
    """Flats of the entrance whose household stopped appearing as the newcomer arrived
    (since then members on at most `sublet_max_member_days` days: the holder dropping
    by), gone for `building_gone_days` at least: the last day
    of their regular presence (`stopped_of(units)`) at most `building_handover_before_days`
    after its arrival and at most `building_handover_days` before it. Not a household
    that came back (regular again within `building_gone_days`) nor one on an approved
    absence since (a declared trip explains the silence; strangers on the household's
    own credentials are the flat rules' to judge), nor one that went quiet in a festival
    season (`holidays`, `festival_trip`; its silence, `silent_from`) until 14 days after
    it."""
    quiet = [f for f in flats if f.household and f.last_member_day is not None]
    ends = stopped_of([f.unit_id for f in quiet]) if quiet else {}
    out = []
    for f in quiet:
        end = ends.get(f.unit_id)
        if end is None or (day - end).days < s.building_gone_days:
            continue
        if sum(1 for d in f.member_days if d > end) > s.sublet_max_member_days:
            continue  # more than the holder dropping by now and then
        after = (r.arrived - end).days  # the newcomer came this long after they left
        if not -s.building_handover_before_days <= after <= s.building_handover_days:
            continue
        if f.away_between(end + timedelta(days=1), day):
            continue
        gone = silent_from(end, f.member_days, s.building_gone_days)
        if festival_trip(gone, day, s, r.arrived > gone):
            continue  # gone at the festival: a trip until its season is over
        out.append(f.unit_id)
    return tuple(sorted(out))


def known_face(leader: np.ndarray, days: list[date], faces: np.ndarray, s: DetectSettings) -> bool:
    """Unknown faces (`faces`, one row per sighting, seen on `days`) that passed a new
    cluster's entrance before its first sighting: the face was there before if on
    `building_known_days` days one came within `building_known_distance` of its leader
    (one person's sightings are 0.34-0.51 apart; measured at the crowded profile, default
    portfolio: three residents' new clusters 12-22 days of 28, other estates' people at
    most 10 days, 99% of them at most 1)."""
    if not len(days):
        return False
    return len(near_days(leader, days, faces, s.building_known_distance)) >= s.building_known_days


def building_links(
    sightings: list[Sighting],
    flats_of: Callable[[str], list[Flat]],
    stopped_of: Callable[[list[str]], dict[str, date | None]],
    day: date,
    watched_from: date,
    s: DetectSettings,
    known: Callable[[Resident], bool] | None = None,
) -> list[Verdict]:
    """Every building resident of the window with its verdict (pinned or not);
    `flats_of(place)` is asked only for places with a resident, `stopped_of` only
    for a newcomer's quiet flats, `known` only for a newcomer."""
    return [
        pin(r, flats_of, stopped_of, day, watched_from, s, known) for r in residents(sightings, s)
    ]


def unpinned_finding(
    b: str, vs: list[Verdict], rows: list[Sighting], day: date, strong: bool
) -> Finding:
    """A building-level finding for staff: people tied to no flat live in the building;
    the flats they may belong to (households not seen lately), if any."""
    stays = sorted({x.day for x in rows if x.last_in and x.n_in > 0})
    cands = sorted({u for v in vs for u in v.candidates})
    listed = ", ".join(cands)
    ev = tuple(
        Evidence(
            key=f"building_stay:{x.day}:{x.identity}",
            at=datetime.combine(x.day, time(12), tzinfo=UTC),
            day=x.day,
            kind="building_stay",
            note=f"unregistered {x.identity} came in at {x.place}, not seen leaving",
            event_id=x.event_ids[0] if x.event_ids else None,
            code="building_stay",
            params=(("who", x.identity), ("place", x.place), ("hour", x.last_hour)),
        )
        for x in sorted(rows, key=lambda x: (x.day, x.identity), reverse=True)[:12]
        if x.last_in
    )
    flats_en = (
        f" Flats of the building whose households have not been seen lately: {listed}."
        if cands
        else " No flat of the building has a household that stopped appearing."
    )
    flats_zh = "该栋无住户长期未出现的房屋。"
    if cands:
        flats_zh = f"该栋近期未见登记住户出入的房屋：{listed}。"
    return Finding(
        "building_occupant",
        "",
        day,
        0.6 if strong else 0.3,
        f"{len(vs)} unregistered person(s) tied to no flat (no card, pass or enrolment) came "
        f"into building {b} and were not seen leaving on {len(stays)} days of the window: "
        f"they appear to live in the building.{flats_en}",
        f"{len(vs)}名未与任何房屋关联的未登记人员（无门卡、访客码或人脸登记）在{len(stays)}天内"
        f"进入{b}栋后未见离开，疑似居住在该栋。{flats_zh}",
        first_day=stays[0] if stays else day,
        persons=tuple(v.identity for v in vs),
        evidence=ev,
    )
