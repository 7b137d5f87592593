"""Counts the daily pass keeps from day to day instead of working them out afresh: each
must give what the fresh computation gives, on random days as the window slides
(rules.quiet's kept answer, the window's cluster links, the unit clocks)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from anju_platform.detect.building import BuildingWatch
from anju_platform.detect.model import Member, Presence, UnitClock, UnitFacts
from anju_platform.detect.rules.building import Sighting
from anju_platform.detect.rules.quiet import PLAIN, DayMarks, Tally, brief_rows, marks_of, quiet
from anju_platform.detect.settings import DetectSettings
from anju_platform.detect.window_links import ClusterLinks, cluster_links
from tests.detect.helpers import bare_pass

START = date(2026, 1, 5)
# thresholds these random days reach either side of
CALM = DetectSettings(
    sublet_max_member_days=8, sublet_min_stranger_days=6, regular_days=6, use_visitors_per_day=0.4
)
FACTS = UnitFacts("f1", "e1", None, "h1", (Member("p1"), Member("p2")))
OTHER = UnitFacts("f1", "e1", None, "h1", (Member("p1"),))


def _rows(rng: random.Random, day: date, home: float, busy: float) -> list[Presence]:
    """One flat's rows of a day: members (by face, or on a card with an unknown face),
    strangers staying or not, some on passes, visitors."""
    rows = []
    for person in ("p1", "p2"):
        if rng.random() < home:
            cluster = rng.choice([None, None, None, "u-card1", "u-card2"])
            rows.append(
                Presence("f1", day, person, "member", "card", cluster,
                         n_face=rng.choice([0, 1, 1]), last_in=rng.random() < 0.5)
            )  # fmt: skip
    for who in ("u-card1", "u-lodger", "u-aunt"):
        if rng.random() < busy:
            via = rng.choice(["tailgate", "tailgate", "visitor", "card"])
            rows.append(
                Presence("f1", day, who, "stranger", via, who,
                         n_in=rng.choice([0, 1]), last_in=rng.random() < 0.6)
            )  # fmt: skip
    if rng.random() < busy:
        rows.append(Presence("f1", day, f"pass:{day}", "visitor", "visitor", n_face=0))
    return sorted(rows, key=lambda p: p.identity)


def _mark(day_rows: tuple[date, list[Presence]]) -> DayMarks:
    _, others = marks_of([day_rows])
    return others[0][1] if others else PLAIN


def test_the_kept_quiet_answer_is_quiet_afresh() -> None:
    """Tally.quiet keeps a True answer while the marks that came or went cannot move a
    bound toward a rule; every day it must equal quiet() on the window's marks."""
    answers = {True: 0, False: 0}
    kept = 0
    for seed in range(40):
        rng = random.Random(seed)
        tally, window = Tally(), []
        facts, taken = FACTS, frozenset[str]()
        home, busy = 0.8, 0.1
        for i in range(150):
            day = START + timedelta(days=i)
            if rng.random() < 0.05:  # the household leaves, comes back; lodgers come, go
                home = rng.choice([0.9, 0.5, 0.1, 0.0])
            if rng.random() < 0.05:
                busy = rng.choice([0.0, 0.05, 0.2, 0.6])
            if rng.random() < 0.03:
                taken = rng.choice([frozenset(), frozenset({"u-card1"}), frozenset({"u-card2"})])
            if rng.random() < 0.03:
                facts = rng.choice([FACTS, OTHER])
            rows = brief_rows(_rows(rng, day, home, busy))
            if rows:
                window.append((day, rows))
                tally.add(day, _mark((day, rows)))
            while window and window[0][0] <= day - timedelta(days=28):
                tally.drop(_mark(window.pop(0)))
            before = tally.calm is not None and tally.slack >= 0
            got = tally.quiet(facts, day, taken, CALM)
            assert got == quiet(*marks_of(window), facts, day, taken, CALM), (seed, i)
            answers[got] += 1
            kept += before and got
    assert min(answers.values()) > 500 and kept > 1000  # both answers, the kept one used


def test_the_kept_cluster_links_are_cluster_links_afresh() -> None:
    rng = random.Random(3)
    kept = ClusterLinks(share=0.8, stay_days=1)
    window: dict[date, list[Presence]] = {}
    for i in range(120):
        day = START + timedelta(days=i)
        window[day] = [
            Presence(rng.choice(["f1", "f2", "f3"]), day, f"u-{rng.randint(0, 12)}",
                     rng.choice(["stranger", "stranger", "visitor", "member"]),
                     last_in=rng.random() < 0.3)
            for _ in range(rng.randint(0, 8))
        ]  # fmt: skip
        for old in [d for d in window if d <= day - timedelta(days=28)]:
            del window[old]
        if i == 60:  # a day's rows replaced (a day run again)
            window[day - timedelta(days=2)] = []
        per_day = [
            sorted({(p.identity, p.unit_id) for p in rows if p.role == "stranger"})
            for rows in window.values()
        ]
        stayed = [
            sorted({(p.identity, p.unit_id) for p in rows if p.role == "stranger" and p.last_in})
            for rows in window.values()
        ]
        assert kept.update(window) == cluster_links(per_day, 2, 0.8, stayed, 1)
    assert kept.linked  # some links were made


def _ticked(clocks: dict[str, UnitClock], rows: list[Presence], watched: date) -> None:
    """The unit clocks ticked a row at a time (the pass did so before)."""
    for p in rows:
        clock = clocks.get(p.unit_id) or UnitClock(None, None, None, watched)
        any_day = p.day if p.role != "visitor" else clock.last_any_day
        if p.role == "member":
            clock = UnitClock(any_day, p.day, p.last_in, clock.watched_from)
        else:
            clock = UnitClock(any_day, clock.last_member_day, clock.last_member_in, watched)
        clocks[p.unit_id] = clock


def test_a_clock_per_unit_is_the_clock_ticked_a_row_at_a_time() -> None:
    rng = random.Random(5)
    ep = bare_pass(START)
    clocks: dict[str, UnitClock] = {}
    for i in range(30):
        day = START + timedelta(days=i)
        rows = [
            Presence(f"f{rng.randint(0, 9)}", day, "x", rng.choice(["member", "stranger",
                     "visitor", "caregiver"]), last_in=rng.random() < 0.5)
            for _ in range(rng.randint(0, 25))
        ]  # fmt: skip
        assert ep._tick_clocks(rows) == {p.unit_id for p in rows}
        _ticked(clocks, rows, START)
        assert ep.clocks == clocks


def test_the_building_window_kept_is_the_window_grouped_afresh() -> None:
    """BuildingWatch keeps each (entrance, stranger)'s rows, stays and earliest first
    sighting as days enter and leave (and a day run again)."""
    rng = random.Random(11)
    watch = BuildingWatch({}, {}, {})
    days: dict[date, list[Sighting]] = {}
    for i in range(90):
        day = START + timedelta(days=i)
        for d in [day] * (2 if i % 17 == 0 else 1):  # now and then the day run again
            keys = {(rng.choice(["b1", "b2"]), f"u-{rng.randint(0, 9)}") for _ in range(6)}
            rows = [
                Sighting(b, d, who, rng.randint(0, 2), rng.random() < 0.6, 21, None,
                         d - timedelta(days=rng.randint(0, 40)))
                for b, who in sorted(keys)
            ]  # fmt: skip
            watch.add(d, rows, 28)
            days[d] = rows
        window = {d: rows for d, rows in days.items() if d > day - timedelta(days=28)}
        fresh: dict[tuple[str, str], list[Sighting]] = {}
        for d in sorted(window):
            for x in window[d]:
                fresh.setdefault((x.place, x.identity), []).append(x)
        assert watch.by_key == fresh and watch.firsts.keys() == fresh.keys()
        for k, rows in fresh.items():
            assert watch.firsts[k] == Counter(x.first_seen for x in rows)
            assert watch.stays.get(k, 0) == sum(x.last_in and x.n_in > 0 for x in rows)
