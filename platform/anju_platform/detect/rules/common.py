"""Shared helpers of the rules: a unit's window of presence summarised."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from anju_platform.detect.model import Evidence, Presence, UnitFacts
from anju_platform.detect.settings import DetectSettings


@dataclass
class Window:
    member_days: set[date] = field(default_factory=set)
    # days a member was surely there: recognised, their enrolled face with their card, or
    # the face learned for their card (not any unknown face with it: crowded faces split
    # a subtenant on the holder's card into many clusters, some not yet told apart)
    home_days: set[date] = field(default_factory=set)
    stranger_days: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))
    # days a stranger's last passage was coming in (not seen leaving): they stay the night
    stay_days: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))
    visitors_per_day: dict[date, set[str]] = field(default_factory=lambda: defaultdict(set))
    rows: dict[str, list[Presence]] = field(default_factory=lambda: defaultdict(list))
    # strangers whose face came with a member's card (a card/face mismatch)
    card_strangers: set[str] = field(default_factory=set)

    def any_stranger_days(self) -> set[date]:
        return set().union(*self.stranger_days.values()) if self.stranger_days else set()

    def any_stay_days(self) -> set[date]:
        return set().union(*self.stay_days.values()) if self.stay_days else set()

    def regulars(self, min_days: int) -> list[str]:
        return sorted(k for k, v in self.stranger_days.items() if len(v) >= min_days)

    def occupants(self, min_days: int) -> list[str]:
        """Strangers who stayed (came in, not seen leaving) on at least min_days days."""
        return sorted(k for k, v in self.stay_days.items() if len(v) >= min_days)


def summarise(
    rows: list[Presence],
    facts: UnitFacts,
    taken: frozenset[str] | set[str] = frozenset(),
    pass_share: float = 0.2,
    visit_days: int = 5,
    visit_share: float = 0.2,
    own: frozenset[str] | set[str] = frozenset(),
) -> Window:
    """Members' days, strangers' days per identity (and the days they stayed), distinct
    visitors entering per day. A member's credential used with a face that also comes on
    visitor passes for this unit (on 2+ days, `pass_share` of its card days) is a
    stranger's use (a non-enrolled tenant with a card never needs a visitor pass), and
    so is one with a face that took the card over from the face learned for it
    (`taken`, cardfaces.py). A face that came in on visitor passes on `visit_days`
    days and left again on them (stayed on less than `visit_share` of those days) is a
    day visitor: it stays only on its pass days (`day_visitor`)."""
    w = Window()
    # only passes from the first use of the card on: a family member who came on visitor
    # passes until registered late, then on their own card, is that member
    card_from: dict[str, date] = {}
    card_days: dict[str, set[date]] = defaultdict(set)  # the days a face came with a card
    on_passes = []  # strangers' rows on visitor passes (one loop over the rows, not two)
    for r in rows:
        role = r.role
        if role == "member":
            cid = r.cluster_id
            if cid is not None:
                card_days[cid].add(r.day)
                first = card_from.get(cid)
                if first is None or r.day < first:
                    card_from[cid] = r.day
        elif role == "stranger" and "visitor" in r.via:
            on_passes.append(r)
    # on 2+ days: with crowded faces (issue 18) a cluster at 0.6 may take in a one-off
    # visitor who looks like the holder. Not a day the face came with the card too and
    # the one on the pass left again: a visitor let in while the holder was home on her
    # card, two people in one cluster (crowded cover 14: the holder's face on her card
    # and a look-alike visitor on a pass on 2 of 10 days read her card as someone else's)
    pass_days: dict[str, set[date]] = defaultdict(set)
    if card_from:
        for r in on_passes:
            k = r.identity
            first = card_from.get(k)
            if first is not None and r.day >= first and (r.last_in or r.day not in card_days[k]):
                pass_days[k].add(r.day)
    # ...and on pass_share of the days it came with the card: with crowded faces the
    # holder's own cluster takes in a look-alike visitor of the flat now and then, while
    # someone else on the card needs a pass often (issue 18)
    visitor_faces = {
        k for k, v in pass_days.items() if len(v) >= max(2, pass_share * len(card_days[k]))
    } | set(taken)
    # locals: this runs for every unit with visitors on every day of a pass
    carers, member_days = facts.caregivers, w.member_days
    stranger_days, stay_days, by_id, per_day = (
        w.stranger_days,
        w.stay_days,
        w.rows,
        w.visitors_per_day,
    )
    for r in rows:
        role, ident = r.role, r.identity
        if role == "caregiver" or ident in carers:
            continue
        if role == "member":
            cid = r.cluster_id
            if cid is not None and cid in visitor_faces:
                stranger_days[cid].add(r.day)
                by_id[cid].append(r)
                if r.last_in:
                    stay_days[cid].add(r.day)
                if cid in taken:
                    w.card_strangers.add(cid)
            elif r.n_face > 0:  # a card alone may be in other hands
                member_days.add(r.day)
                if cid is None or cid in own:  # `own`: faces learned for the unit's cards
                    w.home_days.add(r.day)
            continue
        if role == "stranger":
            stranger_days[ident].add(r.day)
            by_id[ident].append(r)
            if r.last_in:
                stay_days[ident].add(r.day)
            if "card" in r.via:
                w.card_strangers.add(ident)
        if r.n_in > 0 and "visitor" in r.via and role in ("stranger", "visitor"):
            per_day[r.day].add(ident)
    day_visitor(w, on_passes, visit_days, visit_share)
    return w


def day_visitor(w: Window, on_passes: list[Presence], min_days: int, share: float) -> None:
    """A face that comes in on visitor passes and leaves again on them (a day carer) does
    not live there: its face-only entries not seen leaving (the way out by the button is
    not logged) are visits too, or a look-alike's taken into its cluster (crowded faces,
    issue 18: a carer's cluster linked to the flat took in a neighbour's entries and read
    as a subtenant staying on 10 days). Its stays are kept only on its pass days. A
    subtenant on passes comes home on them and stays: most of its pass days are stays."""
    days: dict[str, set[date]] = defaultdict(set)
    stays: dict[str, set[date]] = defaultdict(set)
    for r in on_passes:
        if r.via == "visitor":  # a day on the pass alone
            days[r.identity].add(r.day)
            if r.last_in:
                stays[r.identity].add(r.day)
    for k, on in days.items():
        if len(on) >= min_days and len(stays[k]) < share * len(on) and k in w.stay_days:
            w.stay_days[k] &= stays[k]


def day_evidence(
    rows: list[Presence], kind: str, note: str, limit: int = 12
) -> tuple[Evidence, ...]:
    """The latest days' first events as evidence an inspector can look up."""
    out = []
    for r in sorted(rows, key=lambda r: (r.day, r.identity), reverse=True)[:limit]:
        eid = r.event_ids[0] if r.event_ids else None
        at = datetime.combine(r.day, time(12), tzinfo=UTC)
        counts: tuple[tuple[str, str | int], ...] = (
            ("via", r.via),
            ("n", r.n),
            ("night", r.n_night),
        )
        said = f"({r.via}, {r.n} passages, {r.n_night} at night)"
        if r.role == "member" and r.cluster_id is not None:
            # a member's card counted as a stranger's (summarise: the face on it came on
            # visitor passes or took the card over): the one seen is that face, on the
            # member's card; naming the member as the unregistered person misled
            text, code = f"{note}: {r.cluster_id} on {r.identity}'s card {said}", "presence_card"
            params: tuple[tuple[str, str | int], ...] = (
                ("who", r.cluster_id),
                ("holder", r.identity),
                *counts,
            )
        else:
            text, code = f"{note}: {r.identity} {said}", "presence"
            params = (("who", r.identity), *counts)
        out.append(
            Evidence(
                key=f"{kind}:{r.day}:{r.identity}",
                at=at,
                day=r.day,
                kind=kind,
                note=text,
                event_id=eid,
                code=code,
                params=params,
            )
        )
    return tuple(out)


def holder_days(rows: list[Presence], w: Window, on: bool = True) -> tuple[set[date], set[date]]:
    """The window's member days and home days (`w`) without the days the card was in
    other hands (`on`: sublet_card_other_hands): a member's card came with a face that is
    not the holder's that day (a card stranger), and the members' only sightings were
    their cards with a face the gateways did not recognise (near the holder's enrolment,
    or none). One card is in one pair of hands: with crowded faces a relative's or
    subtenant's face on the holder's card now and then comes within the threshold of the
    holder's enrolment (issue 18), and read as the holder dropping by it hid a lend."""
    if not on or not w.card_strangers:
        return w.member_days, w.home_days
    lent = {
        r.day for k in w.card_strangers for r in w.rows[k] if r.role == "member" or "card" in r.via
    }
    sure = {
        r.day
        for r in rows
        if r.role == "member"
        and r.day in lent
        and r.n_face > 0
        and ("face" in r.via or (r.cluster_id is not None and r.cluster_id not in w.stranger_days))
    }
    lent -= sure
    return w.member_days - lent, w.home_days - lent


def age(facts_birth: int | None, d: date) -> int | None:
    return None if facts_birth is None else d.year - facts_birth


def welfare_tenant(facts: UnitFacts, day: date, s: DetectSettings) -> bool:
    """The welfare rule's tenant: one member, of welfare age, no registered carer."""
    if len(facts.members) != 1 or facts.caregivers:
        return False
    years = age(facts.members[0].birth_year, day)
    return years is not None and years >= s.welfare_age
