"""The daily pass keeps each unit's window rows joined across days (day_pass._by_unit:
the oldest day's rows leave the front, the new day's are added): what it hands the rules
must be the window's rows joined afresh, as the window slides, on a resume and when a
day's rows are replaced."""

from __future__ import annotations

import random
from datetime import date, timedelta

from anju_platform.detect.model import Member, Presence, UnitFacts
from anju_platform.detect.rules.quiet import Tally, marks_of, quiet
from anju_platform.detect.rules.quiet import brief_rows as _brief
from anju_platform.detect.settings import DetectSettings
from tests.detect.helpers import bare_pass

START = date(2026, 1, 5)
UNITS = [f"f{i}" for i in range(12)]
FACTS = UnitFacts("f1", "e1", None, "h1", (Member("p1"),))
# thresholds these random days reach either side of
CALM = DetectSettings(
    sublet_max_member_days=12,
    sublet_min_stranger_days=12,
    regular_days=12,
    use_visitors_per_day=0.3,
)


def _day(rng: random.Random, day: date) -> list[Presence]:
    rows = []
    for unit in UNITS:
        for who, role in (
            ("p-" + unit, "member"),
            ("u-" + unit, "stranger"),
            ("pass:x", "visitor"),
            ("p2-" + unit, "member"),
        ):
            if rng.random() < 0.4:
                cluster = rng.choice([None, "u-c" + unit]) if role == "member" else None
                via = "visitor" if role == "visitor" else rng.choice(["card", "visitor"])
                if role == "stranger" and rng.random() < 0.2:  # a card's face on a pass
                    who = "u-c" + unit
                rows.append(Presence(unit, day, who, role, via, cluster, n_face=rng.randint(0, 2)))
    return sorted(rows, key=lambda p: (p.unit_id, p.identity))


def _joined(window: dict[date, list[Presence]], also: set[str]) -> dict[str, list[Presence]]:
    """The window's brief rows per unit joined afresh (the pass before it kept them)."""
    wanted = set(also) | {p.unit_id for rows in window.values() for p in rows if p.role != "member"}
    out: dict[str, list[Presence]] = {}
    for rows in window.values():
        groups: dict[str, list[Presence]] = {}
        for p in rows:
            groups.setdefault(p.unit_id, []).append(p)
        for unit, unit_rows in groups.items():
            if unit in wanted:
                out.setdefault(unit, []).extend(_brief(unit_rows))
    return out


def test_the_kept_window_is_the_window_joined_afresh() -> None:
    rng = random.Random(7)
    calm = {True: 0, False: 0}
    ep, days = bare_pass(START), 28
    for i in range(70):
        day = START + timedelta(days=i)
        ep.window[day] = _day(rng, day)
        for old in [d for d in ep.window if d <= day - timedelta(days=days)]:
            del ep.window[old]
        if i == 40:  # a day's rows replaced: joined anew
            ep.window[day - timedelta(days=3)] = _day(rng, day - timedelta(days=3))
        also = {rng.choice(UNITS)}
        assert ep._by_unit(also) == _joined(ep.window, also)
        for unit in UNITS:  # the rules.quiet marks kept beside them
            own = [(d, [p for p in rows if p.unit_id == unit]) for d, rows in ep.window.items()]
            fresh = marks_of([(d, _brief(rows)) for d, rows in own if rows])
            tally = ep.unit_tally.get(unit, Tally())
            assert (tally.plain, tally.marks) == fresh
            for taken in (frozenset(), frozenset({"u-c" + unit})):
                got = tally.quiet(FACTS, day, taken, CALM)
                assert got == quiet(*fresh, FACTS, day, taken, CALM)
                calm[got] += 1
        if i == 55:  # a resume: a new pass over the same window
            resumed = bare_pass(START)
            resumed.window = dict(ep.window)
            ep = resumed
    assert min(calm.values()) > 100  # quiet and not, both compared
