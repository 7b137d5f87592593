"""Shared helpers of the rules: a unit's window of presence summarised."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from anju_platform.detect.model import Evidence, Presence, UnitFacts


@dataclass
class Window:
    member_days: set[date] = field(default_factory=set)
    stranger_days: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))
    # days a stranger's last passage was coming in (not seen leaving): they stay the night
    stay_days: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))
    visitors_per_day: dict[date, set[str]] = field(default_factory=lambda: defaultdict(set))
    rows: dict[str, list[Presence]] = field(default_factory=lambda: defaultdict(list))

    def any_stranger_days(self) -> set[date]:
        return set().union(*self.stranger_days.values()) if self.stranger_days else set()

    def any_stay_days(self) -> set[date]:
        return set().union(*self.stay_days.values()) if self.stay_days else set()

    def regulars(self, min_days: int) -> list[str]:
        return sorted(k for k, v in self.stranger_days.items() if len(v) >= min_days)

    def occupants(self, min_days: int) -> list[str]:
        """Strangers who stayed (came in, not seen leaving) on at least min_days days."""
        return sorted(k for k, v in self.stay_days.items() if len(v) >= min_days)


def summarise(rows: list[Presence], facts: UnitFacts) -> Window:
    """Members' days, strangers' days per identity (and the days they stayed), distinct
    visitors entering per day. A member's credential used with a face that also comes on
    visitor passes for this unit is a stranger's use (a non-enrolled tenant with a card
    never needs a visitor pass)."""
    w = Window()
    # only passes from the first use of the card on: a family member who came on visitor
    # passes until registered late, then on their own card, is that member
    card_from: dict[str, date] = {}
    for r in rows:
        if r.role == "member" and r.cluster_id is not None:
            card_from[r.cluster_id] = min(r.day, card_from.get(r.cluster_id, r.day))
    visitor_faces = {
        r.identity
        for r in rows
        if r.role == "stranger"
        and "visitor" in r.via
        and r.identity in card_from
        and r.day >= card_from[r.identity]
    }
    for r in rows:
        if r.role == "caregiver" or r.identity in facts.caregivers:
            continue
        if r.role == "member" and r.cluster_id is not None and r.cluster_id in visitor_faces:
            w.stranger_days[r.cluster_id].add(r.day)
            w.rows[r.cluster_id].append(r)
            if r.last_in:
                w.stay_days[r.cluster_id].add(r.day)
        elif r.role == "member" and r.n_face > 0:  # a card alone may be in other hands
            w.member_days.add(r.day)
        elif r.role == "stranger":
            w.stranger_days[r.identity].add(r.day)
            w.rows[r.identity].append(r)
            if r.last_in:
                w.stay_days[r.identity].add(r.day)
        if r.role in ("stranger", "visitor") and r.n_in > 0 and "visitor" in r.via:
            w.visitors_per_day[r.day].add(r.identity)
    return w


def day_evidence(
    rows: list[Presence], kind: str, note: str, limit: int = 12
) -> tuple[Evidence, ...]:
    """The latest days' first events as evidence an inspector can look up."""
    out = []
    for r in sorted(rows, key=lambda r: (r.day, r.identity), reverse=True)[:limit]:
        eid = r.event_ids[0] if r.event_ids else None
        at = datetime.combine(r.day, time(12), tzinfo=UTC)
        out.append(
            Evidence(
                key=f"{kind}:{r.day}:{r.identity}",
                at=at,
                day=r.day,
                kind=kind,
                note=f"{note}: {r.identity} ({r.via}, {r.n} passages, {r.n_night} at night)",
                event_id=eid,
            )
        )
    return tuple(out)


def age(facts_birth: int | None, d: date) -> int | None:
    return None if facts_birth is None else d.year - facts_birth
