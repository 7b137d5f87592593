"""A cheap proof that a unit's window cannot make a sublet, overcrowding or change of use
finding, so the pass need not summarise it (rules.common.summarise, for every unit with
a visitor in 28 days, every day, was the largest share of the daily rules).

Each day's rows of a unit are reduced once to `DayMarks`: what they can at most add to
the summary. Over the window the marks give a lower bound of the members' days and upper
bounds of the strangers' stay days, of each stranger's, and of the recent visitors; when
each rule's threshold is out of reach of these bounds, every summary of those rows (any
faces `taken`, any day visitors) makes none of the three findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from anju_platform.detect.model import Presence, UnitFacts
from anju_platform.detect.settings import DetectSettings


@dataclass(frozen=True, slots=True)
class DayMarks:
    """One day's rows of a unit, as far as the bounds go (rows of a unit without a
    registered carer: summarise skips a carer's rows by their identity too)."""

    member: bool = False  # a member's row without a cluster, with a face: a member day
    # member rows with a cluster: (cluster, last passage in, with a face); summarise
    # counts one as a stranger's only if its cluster came on visitor passes or is taken
    cards: tuple[tuple[str, bool, bool], ...] = ()
    stays: frozenset[str] = frozenset()  # strangers whose last passage was coming in
    passes: frozenset[str] = frozenset()  # strangers on a visitor pass
    visitors: int = 0  # rows of strangers or visitors entering on a pass
    card_face: bool = False  # one of the cards came with a face
    # a member's face the gateways recognised; a stranger on a member's card: on such a
    # day without a recognised member the card may have been in other hands, and the
    # day is no member day (rules.common.holder_days; then member and card_face are off)
    recognised: bool = False
    card_stranger: bool = False


PLAIN = DayMarks(member=True)  # the usual day: the household seen, nobody else


def day_marks(rows: list[Presence]) -> DayMarks:
    member, cards, stays, passes, visitors = False, [], set(), set(), 0
    recognised = carded = False
    for r in rows:
        role = r.role
        if role == "member":
            if r.cluster_id is not None:
                cards.append((r.cluster_id, r.last_in, r.n_face > 0))
            elif r.n_face > 0:
                member = True
                recognised = recognised or "face" in r.via
            continue
        if role == "stranger":
            if r.last_in:
                stays.add(r.identity)
            if "visitor" in r.via:
                passes.add(r.identity)
            carded = carded or "card" in r.via
        if role in ("stranger", "visitor") and r.n_in > 0 and "visitor" in r.via:
            visitors += 1
    if member and not (cards or stays or passes or visitors):
        return PLAIN
    card_face = any(face for _, _, face in cards)
    if carded and not recognised:
        member = card_face = False
    return DayMarks(
        member, tuple(cards), frozenset(stays), frozenset(passes), visitors, card_face,
        recognised, carded,
    )  # fmt: skip


def quiet(
    plain: int,
    marks: Sequence[tuple[date, DayMarks]],
    facts: UnitFacts,
    day: date,
    taken: frozenset[str] | set[str],
    s: DetectSettings,
) -> bool:
    """True: a window of `plain` PLAIN days and these other days' marks (one per day)
    makes no sublet, no overcrowding and no change of use finding on `day`, whatever
    summarise decides about the faces on its cards. Only for a unit without registered
    carers."""
    if facts.caregivers:
        return False
    # the faces summarise may count as strangers' on a member's card (visitor_faces)
    maybe = set(taken)
    for _, m in marks:
        if m.passes:
            maybe |= m.passes
    since = day - timedelta(days=s.use_days - 1)
    member_days, stay_days, visitors = plain, 0, 0
    per: dict[str, int] = {}
    for d, m in marks:
        member, stays = m.member, m.stays
        if m.cards:
            if maybe:
                extra = set()
                lent = m.card_stranger
                for cid, last_in, face in m.cards:
                    if cid in maybe:
                        lent = True
                        if last_in:
                            extra.add(cid)
                    elif face:
                        member = True
                if lent:  # the card may have been in other hands (DayMarks.recognised)
                    member = m.recognised
                if extra:
                    stays = stays | extra
            else:  # the usual case: every card with a face is a member's
                member = member or m.card_face
        member_days += member
        if stays:
            stay_days += 1
            for k in stays:
                per[k] = per.get(k, 0) + 1
        if m.visitors and d >= since:
            visitors += m.visitors
    return _calm(member_days, stay_days, per, visitors, facts, s)


def _calm(
    member_days: int,
    stay_days: int,
    per: dict[str, int],
    visitors: int,
    facts: UnitFacts,
    s: DetectSettings,
) -> bool:
    """The bounds out of each rule's reach: member days (at least), stay days, stays per
    stranger and recent visitor rows (at most)."""
    household = facts.household_id is not None
    sublet = (
        household
        and bool(facts.members)
        and member_days <= s.sublet_max_member_days
        and stay_days >= s.sublet_min_stranger_days
    )
    regulars = sum(n >= s.regular_days for n in per.values())
    crowded = household and regulars >= s.overcrowd_min_regulars
    # distinct visitors a day are at most the rows (the same division: same rounding)
    use = visitors / s.use_days >= s.use_visitors_per_day
    return not (sublet or crowded or use)


@dataclass(slots=True)
class Tally:
    """A unit's marks over the window, kept as days enter (at the end) and leave (from
    the front), with the sums quiet() takes when no face on a member's card was taken
    or came on a pass: then it reads no day but the recent visitors'."""

    plain: int = 0  # PLAIN days
    marks: list[tuple[date, DayMarks]] = field(default_factory=list)  # the others
    members: int = 0  # of those, days with a member's face (their card's or not)
    stays: int = 0  # days a stranger stayed
    per: dict[str, int] = field(default_factory=dict)  # stays per stranger
    # days per cluster on a member's card, and per stranger on a pass
    cards: dict[str, int] = field(default_factory=dict)
    passes: dict[str, int] = field(default_factory=dict)
    # quiet()'s last True answer (facts, taken, settings, day) and how many member days
    # were added since, at least (`slack`, less those that left). It holds on a later day
    # while that is not negative and no mark came that may add a stay, a pass or a
    # visitor: then every bound is as far from each rule's reach as it was or farther (a
    # later day counts fewer recent visitors; a mark leaving takes stays and passes away)
    calm: tuple[UnitFacts, frozenset[str] | set[str], DetectSettings, date] | None = None
    slack: int = 0

    def add(self, day: date, m: DayMarks) -> None:
        if m is PLAIN:
            self.plain += 1
            self.slack += 1
            return
        self.marks.append((day, m))
        self._count(m, 1)
        if self.calm is not None:
            if _may_stay(m, self.calm[1], self.passes):
                self.calm = None
            else:
                self.slack += m.member

    def drop(self, m: DayMarks) -> None:
        """The oldest day's mark leaves."""
        if m is PLAIN:
            self.plain -= 1
            self.slack -= 1
            return
        del self.marks[0]
        self._count(m, -1)
        self.slack -= m.member or m.card_face

    def _count(self, m: DayMarks, k: int) -> None:
        self.members += k * (m.member or m.card_face)
        self.stays += k * bool(m.stays)
        _add(self.per, m.stays, k)
        if m.cards:
            _add(self.cards, {cid for cid, _, _ in m.cards}, k)
        _add(self.passes, m.passes, k)

    def empty(self) -> bool:
        return not self.plain and not self.marks

    def quiet(
        self, facts: UnitFacts, day: date, taken: frozenset[str] | set[str], s: DetectSettings
    ) -> bool:
        """quiet() of these marks."""
        c = self.calm
        if (
            c is not None
            and self.slack >= 0
            and c[0] is facts
            and c[2] is s
            and c[3] <= day
            and c[1] == taken
        ):
            return True
        got = self._quiet(facts, day, taken, s)
        self.calm, self.slack = ((facts, taken, s, day) if got else None), 0
        return got

    def _quiet(
        self, facts: UnitFacts, day: date, taken: frozenset[str] | set[str], s: DetectSettings
    ) -> bool:
        if facts.caregivers:
            return False
        cards = self.cards
        if cards and not (cards.keys().isdisjoint(taken) and cards.keys().isdisjoint(self.passes)):
            # a card's face may be a stranger's: read day by day
            return quiet(self.plain, self.marks, facts, day, taken, s)
        # no card's face can be (visitor_faces): every card with a face is a member's
        since, visitors = day - timedelta(days=s.use_days - 1), 0
        for d, m in reversed(self.marks):
            if d < since:
                break
            visitors += m.visitors
        return _calm(self.plain + self.members, self.stays, self.per, visitors, facts, s)


def _may_stay(m: DayMarks, taken: frozenset[str] | set[str], passes: dict[str, int]) -> bool:
    """Whether a day's mark may add a stay, a pass or a visitor to a window whose faces on
    members' cards may be strangers' when `taken` or on a pass (quiet's `maybe`)."""
    if m.stays or m.passes or m.visitors:
        return True
    return any(last_in and (c in taken or c in passes) for c, last_in, _ in m.cards)


def marks_of(days: list[tuple[date, list[Presence]]]) -> tuple[int, list[tuple[date, DayMarks]]]:
    """A window's (day, unit rows) as quiet() takes them: the PLAIN days counted."""
    marks = [(d, day_marks(rows)) for d, rows in days]
    others = [(d, m) for d, m in marks if m is not PLAIN]
    return len(marks) - len(others), others


def _add(counts: dict[str, int], keys: Iterable[str], k: int) -> None:
    for key in keys:
        n = counts[key] = counts.get(key, 0) + k
        if not n:
            del counts[key]


def brief_rows(rows: list[Presence]) -> list[Presence]:
    """A unit's rows of a day as the rules read them when it has no registered carer:
    a member's own row without an unknown face (the most common row by far) only says
    the household was seen that day, so the first one seen with a face stands for all
    (rules.common.summarise counts the day; the rules read the rest through it)."""
    out, plain = [], None
    for p in rows:
        if p.role != "member" or p.cluster_id is not None:
            out.append(p)
        elif (
            plain is None
            or (p.n_face > 0 and plain.n_face == 0)
            or (p.n_face > 0 and "face" in p.via and "face" not in plain.via)  # holder_days
        ):
            plain = p
    if plain is not None:  # one kept even without a face: a unit with rows has a summary
        out.append(plain)
    return out
