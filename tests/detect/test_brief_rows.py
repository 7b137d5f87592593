"""The daily pass gives the rules a unit's rows in brief (day_pass._brief: a member's
own rows without an unknown face reduced to one a day): summaries and findings must be
those of every row."""

from __future__ import annotations

import random
from datetime import date, timedelta

from anju_platform.detect.model import Member, Presence, UnitFacts
from anju_platform.detect.rules import daily
from anju_platform.detect.rules.common import Window, summarise
from anju_platform.detect.rules.quiet import brief_rows as _brief
from anju_platform.detect.settings import DetectSettings

DAY = date(2026, 3, 28)


def _day_rows(rng: random.Random, day: date) -> list[Presence]:
    rows = []
    for person in ("p1", "p2", "p3"):
        if rng.random() < 0.6:
            cluster = rng.choice([None, None, None, "u-card1", "u-card2"])
            via = rng.choice(["card", "face", "card,face", "qr"])
            rows.append(
                Presence("f1", day, person, "member", via, cluster, n_face=rng.choice([0, 1, 2]))
            )
    for cluster in ("u-card1", "u-card2", "u-guest", "u-lodger"):
        if rng.random() < 0.3:
            via = rng.choice(["visitor", "card", "tailgate", "visitor,card"])
            rows.append(
                Presence("f1", day, cluster, "stranger", via, cluster, last_in=rng.random() < 0.5)
            )
    for k in range(rng.choice([0, 0, 1, 6])):
        rows.append(Presence("f1", day, f"pass:{day}:{k}", "visitor", "visitor", n_face=0))
    if rng.random() < 0.1:
        rows.append(Presence("f1", day, "carer1", "caregiver", "card"))
    rng.shuffle(rows)
    return sorted(rows, key=lambda p: p.identity)


def test_brief_rows_summarise_and_decide_as_every_row() -> None:
    settings = DetectSettings(sublet_min_stranger_days=3, regular_days=3)
    facts = UnitFacts(
        "f1", "e1", None, "h1", (Member("p1", 1950), Member("p2", 1980)), date(2020, 1, 1)
    )
    decided = 0
    for seed in range(300):
        rng = random.Random(seed)
        days = [DAY - timedelta(days=27 - i) for i in range(28)]
        per_day = [_day_rows(rng, d) for d in days]
        full = [p for rows in per_day for p in rows]
        brief = [p for rows in per_day for p in _brief(rows)]
        assert len(brief) <= len(full) and bool(brief) == bool(full)
        taken = rng.choice([frozenset(), frozenset({"u-card2"})])
        w_full, w_brief = summarise(full, facts, taken), summarise(brief, facts, taken)
        assert _fields(w_brief) == _fields(w_full)
        for rule in (daily.sublet, daily.overcrowding, daily.change_of_use):
            a = rule(full, facts, DAY, settings, w_full)
            b = rule(brief, facts, DAY, settings, w_brief)
            assert a == b
            decided += a is not None
    assert decided > 10  # the rules found something to compare on


def _fields(w: Window) -> list[object]:
    """Every field, dicts with their order (the rules iterate them)."""
    return [
        w.member_days,
        list(w.stranger_days.items()),
        list(w.stay_days.items()),
        list(w.visitors_per_day.items()),
        list(w.rows.items()),
        w.card_strangers,
    ]
