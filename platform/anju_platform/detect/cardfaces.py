"""Faces learned for card holders without face enrolment (issue 18 item 4, issue 16
item 3).

A holder who refused enrolment is counted by their card; their face still passes the
camera as an unknown face, clustered like any (clustering.py). The stranger cluster
that usually comes with the card is learned from the presence rows; when a different
cluster takes the card over (or shares it) for days, that is someone else using it:
evidence for lend, sublet or overcrowding, and the rules count it as a stranger on the
card. The learned cluster stays on the platform: it never opens a door (gateways never
receive clusters) and it is never shown as the holder's identity (docs/privacy.md).
It is kept as the unknown-face clusters and presence rows are, with their retention."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from anju_platform.detect.clustering import near_days
from anju_platform.detect.model import Presence
from anju_platform.detect.settings import DetectSettings

# (person, new cluster, the days the card came with its own faces before that cluster's
# first sighting) -> whether the new cluster's face came with the card on those days
Known = Callable[[str, str, list[date]], bool]


@dataclass(slots=True)
class Seen:
    """One cluster with one person's card: first and last day, days, the day learned."""

    first: date
    last: date
    days: int = 1
    learned_on: date | None = None
    on: list[date] = field(default_factory=list)  # the days, in order


@dataclass
class CardFaces:
    """Per card holder without enrolment: the clusters that came with their card."""

    learn_days: int = 5  # a face that came with the card on this many days is learned
    takeover_days: int = 3  # a later face on this many days has taken the card over...
    own_days: int = 4  # ...while the learned face came with it on at most this many since
    # the learned face came on at least this share of the card's days: a card that comes
    # with several faces (a family sharing it) has no face of its own to learn
    learn_share: float = 0.5
    # ...and on at least this share of the days it came for any flat (another flat's
    # card, a visitor pass): with crowded faces an early cluster takes in look-alikes of
    # a whole entrance, so it is nobody's own face (issue 18)
    own_share: float = 0.5
    by_person: dict[str, dict[str, Seen]] = field(default_factory=dict)
    unit_of: dict[str, str] = field(default_factory=dict)  # person -> unit (latest row)
    card_days: dict[str, list[date]] = field(default_factory=dict)  # person -> days seen
    # cluster -> unit -> the days it came for that unit (member card, stranger), in order
    unit_days: dict[str, dict[str, list[date]]] = field(default_factory=dict)
    # cluster -> the days it was seen at its entrance tied to no flat (building level)
    about: dict[str, list[date]] = field(default_factory=dict)
    # a learned face still seen so about on this share of the days since a new face came
    # with the card was no holder who lent it (crowded faces: a look-alike's cluster)
    still_share: float = 0.3
    last_day: date | None = None

    def add_about(self, day: date, clusters: Iterable[str]) -> None:
        """Clusters seen on `day` at an entrance, tied to no flat (days come in order)."""
        for cid in clusters:
            _add_day(self.about.setdefault(cid, []), day)

    def add_day(self, rows: Iterable[Presence]) -> None:
        """A day's presence rows (in day order): member rows with a cluster are a card
        (or tenant QR) used with an unknown face."""
        rows = list(rows)
        newest = max((r.day for r in rows), default=None)
        if newest is not None and (self.last_day is None or self.last_day < newest):
            self.last_day = newest
        for r in rows:
            cid = r.cluster_id
            if cid is None or r.role not in ("member", "stranger"):
                continue
            _add_day(self.unit_days.setdefault(cid, {}).setdefault(r.unit_id, []), r.day)
            if r.role != "member":
                continue
            self.unit_of[r.identity] = r.unit_id
            seen = self.card_days.setdefault(r.identity, [])
            _add_day(seen, r.day)
            per = self.by_person.setdefault(r.identity, {})
            s = per.get(cid)
            if s is None:
                s = per[cid] = Seen(r.day, r.day, on=[r.day])
            elif s.last < r.day:
                s.last, s.days = r.day, s.days + 1
                s.on.append(r.day)
            if (
                s.learned_on is None
                and s.days >= self.learn_days
                and s.days >= self.learn_share * len(seen)
            ):
                s.learned_on = r.day

    def foreign(
        self,
        person: str,
        same_face: Callable[[str, str], bool] | None = None,
        known: Known | None = None,
    ) -> set[str]:
        """Clusters that took `person`'s card over: first seen after the card's own face
        was learned, on takeover_days or more, while the own faces came with the card on
        at most own_days since (the holder gone, dropping by now and then); not the own
        face seen at another entrance (`same_face`), nor a face that came with the card
        on its own faces' days before (`known`: the holder's sightings went to a
        look-alike's cluster until one started a cluster of their own, issue 18).
        Nothing before a face is learned:
        who came first is unknown. (A face that only shares the card while the holder
        still uses it is not counted: with crowded faces a look-alike's cluster takes
        some of the holder's own sightings.)"""
        per = self.by_person.get(person)
        since = self._learned(person, per) if per else None
        if per is None or since is None:
            return set()
        return self._foreign(person, per, since, same_face, known)

    def _foreign(
        self,
        person: str,
        per: dict[str, Seen],
        since: date,
        same_face: Callable[[str, str], bool] | None,
        known: Known | None,
    ) -> set[str]:
        own = [c for c, s in per.items() if s.first <= since]
        learned = [c for c in own if per[c].learned_on is not None]
        return {
            c
            for c, s in per.items()
            if s.first > since
            and s.days >= self.takeover_days
            and sum(d >= s.first for o in own for d in per[o].on) <= self.own_days
            and not (same_face and any(same_face(c, o) for o in own))
            and not self._still_about(learned, s.first)
            and not (known is not None and known(person, c, _days_before(per, own, s.first)))
        }

    def _still_about(self, learned: list[str], since: date) -> bool:
        """A learned face still seen at the entrance, tied to no flat, on `still_share` of
        the days since `since` (3 at least): the holder who lent the card is gone, so
        that face was a look-alike's cluster that took in the holder's first card uses
        (issue 18: a neighbour without a card who tailgates home daily), and the new face
        is the holder's own."""
        if self.last_day is None:
            return False
        span = (self.last_day - since).days + 1
        seen = {d for c in learned for d in self.about.get(c, ()) if d >= since}
        return len(seen) >= max(3, self.still_share * span)

    def learned(self) -> dict[str, set[str]]:
        """unit -> the faces learned for its people's cards (a member's own face)."""
        out: dict[str, set[str]] = {}
        for person, per in self.by_person.items():
            unit = self.unit_of[person]
            for c, s in per.items():
                if s.learned_on is not None and self._owned(c, unit):
                    out.setdefault(unit, set()).add(c)
        return out

    def taken(
        self, same_face: Callable[[str, str], bool] | None = None, known: Known | None = None
    ) -> dict[str, set[str]]:
        """unit -> the clusters that took a card of one of its people, without the faces
        learned for the unit's other cards (family members sharing a card)."""
        owners: dict[str, set[str]] = {}
        learned: list[tuple[str, dict[str, Seen], date]] = []  # each card's learned once
        for person, per in self.by_person.items():
            since = self._learned(person, per)
            if since is not None:
                learned.append((person, per, since))
                own = {c for c, s in per.items() if s.first <= since}
                owners.setdefault(self.unit_of[person], set()).update(own)
        out: dict[str, set[str]] = {}
        for person, per, since in learned:  # foreign() is empty for the others
            unit = self.unit_of[person]
            got = self._foreign(person, per, since, same_face, known) - owners.get(unit, set())
            if got:
                out.setdefault(unit, set()).update(got)
        return out

    def _learned(self, person: str, per: dict[str, Seen]) -> date | None:
        """The day the card's own face was learned: the first cluster to reach learn_days
        that is this card's rather than an entrance's (own_share of its flat days)."""
        unit, got = self.unit_of[person], None
        for c, s in per.items():  # the earliest learned face that is owned
            on = s.learned_on
            if on is not None and (got is None or on < got) and self._owned(c, unit):
                got = on
        return got

    def _owned(self, cluster: str, unit: str) -> bool:
        per_unit = self.unit_days.get(cluster, {})
        total = sum(len(v) for v in per_unit.values())
        return len(per_unit.get(unit, ())) >= self.own_share * total


def _days_before(per: dict[str, Seen], own: list[str], first: date) -> list[date]:
    """The days before `first` the card came with one of its own faces, in order."""
    return sorted({d for c in own for d in per[c].on if d < first})


def own_window(
    own_days: list[date], s: DetectSettings, away: list[tuple[date, date]]
) -> list[date]:
    """The card's own-face days (in order) within `window_days` of the last; with
    `card_face_known_skip_absences` the days of `away` (the household's approved absences,
    inclusive) not counted: the card was away with its holder, so a face new after a
    festival trip is weighed against the weeks the holder used it before, not against the
    few days since the return."""
    if not own_days:
        return []
    last = own_days[-1]
    if not s.card_face_known_skip_absences:
        away = []
    out = []
    for d in own_days:
        gone = sum(max(0, (min(b, last) - max(a, d)).days + 1) for a, b in away)
        if (last - d).days - gone < s.window_days:
            out.append(d)
    return out


def known_face(
    leader: np.ndarray,
    own_days: list[date],
    days: list[date],
    faces: np.ndarray,
    share: float,
    min_days: int,
    distance: float,
) -> bool:
    """Whether a new cluster's face came with the card before it was a cluster: on
    `share` of the card's own-face days (`own_days`; `min_days` at least) one of the
    faces seen with the card (`faces`, seen on `days`) lies within `distance` of its
    leader. One person's sightings are 0.34-0.51 apart; another person's rarely come
    within 0.5 (docs/detection.md). A subtenant taking the card over was not there
    before; the holder whose first sightings a look-alike's cluster took in was."""
    if not own_days or not len(days):
        return False
    hit = near_days(leader, days, faces, distance) & set(own_days)
    return len(hit) >= max(min_days, share * len(own_days))


def _add_day(days: list[date], day: date) -> None:
    """Add a day to a list of days kept in order (days come in order, rows repeat them)."""
    if not days or days[-1] < day:
        days.append(day)
