"""rules.quiet: the daily pass skips summarising a unit whose window cannot make a sublet,
overcrowding or change of use finding. Whenever it says so, the three rules on the
window summarised (any faces taken, learned or on passes) must find nothing; and it must
say so often enough to be worth it."""

from __future__ import annotations

import random
from datetime import date, timedelta

from anju_platform.detect.model import Member, Presence, UnitFacts
from anju_platform.detect.rules import daily
from anju_platform.detect.rules.common import summarise
from anju_platform.detect.rules.quiet import PLAIN, day_marks, marks_of, quiet
from anju_platform.detect.rules.quiet import brief_rows as _brief
from anju_platform.detect.settings import DetectSettings

DAY = date(2026, 3, 28)
FACTS = UnitFacts("f1", "e1", None, "h1", (Member("p1", 1950), Member("p2", 1980)))


def _day_rows(
    rng: random.Random, day: date, home: float, busy: float, shop: list[int], vias: list[str]
) -> list[Presence]:
    rows = []
    for person in ("p1", "p2"):
        if rng.random() < home:
            cluster = rng.choice([None, None, "u-card1", "u-card2"])
            via = rng.choice(["card", "face", "card,face"])
            rows.append(
                Presence(
                    "f1",
                    day,
                    person,
                    "member",
                    via,
                    cluster,
                    n_face=rng.choice([0, 1, 1]),
                    last_in=rng.random() < 0.5,
                )
            )
    for cluster in ("u-card1", "u-card2", "u-guest", "u-lodger", "u-aunt"):
        if rng.random() < busy:
            via = rng.choice(vias)
            rows.append(
                Presence(
                    "f1",
                    day,
                    cluster,
                    "stranger",
                    via,
                    cluster,
                    n_in=rng.choice([0, 1]),
                    last_in=rng.random() < 0.6,
                )
            )
    for k in range(rng.choice(shop)):  # a shop's stream of visitors, or a few
        rows.append(Presence("f1", day, f"pass:{day}:{k}", "visitor", "visitor", n_face=0))
    rng.shuffle(rows)
    return sorted(rows, key=lambda p: p.identity)


def _window(rng: random.Random) -> list[tuple[date, list[Presence]]]:
    home = rng.choice([0.7, 0.1])  # the household at home, or hardly ever seen
    busy = rng.choice([0.05, 0.2, 0.5])
    shop = rng.choice([[0, 0, 1, 3, 8], [2, 4, 6, 8]])
    # or nobody on a visitor pass: no card face can be a visitor's (quiet's usual case)
    vias = rng.choice([["visitor", "card", "tailgate", "visitor,card"], ["card", "tailgate"]])
    days = [DAY - timedelta(days=27 - i) for i in range(28)]
    out = []
    for d in days:
        rows = _brief(_day_rows(rng, d, home, busy, shop, vias)) if rng.random() < 0.9 else []
        if rows:
            out.append((d, rows))
    return out


def test_quiet_only_where_no_rule_finds_anything() -> None:
    settings = DetectSettings(sublet_max_member_days=6, sublet_min_stranger_days=5, regular_days=4)
    calm = found = 0
    for seed in range(1500):
        rng = random.Random(seed)
        window = _window(rng)
        rows = [p for _, day_rows in window for p in day_rows]
        if not rows:
            continue
        taken = rng.choice([frozenset(), frozenset({"u-card2"}), frozenset({"u-card1"})])
        own = rng.choice([frozenset(), frozenset({"u-card1"})])
        facts = rng.choice([FACTS, FACTS, UnitFacts("f1", "e1", None, "h1", ())])
        w = summarise(rows, facts, taken, 0.2, 5, 0.2, own)
        got = [
            daily.sublet(rows, facts, DAY, settings, w),
            daily.overcrowding(rows, facts, DAY, settings, w),
            daily.change_of_use(rows, facts, DAY, settings, w),
        ]
        if quiet(*marks_of(window), facts, DAY, taken, settings):
            calm += 1
            assert got == [None, None, None], seed
        found += any(got)
    assert found > 50 and calm > 300  # both sides were tried


def _stays(cluster: str, days: int) -> list[tuple[date, list[Presence]]]:
    """A holder's card used with `cluster`'s face, coming home, on `days` days; the
    household seen by face on none."""
    return [
        (
            d,
            [Presence("f1", d, "p1", "member", "card", cluster, n_face=1, last_in=True)],
        )
        for d in (DAY - timedelta(days=i) for i in range(days))
    ]


def test_a_taken_card_face_is_a_strangers_stay() -> None:
    """The trap: a face that took a holder's card over reads as a member's row, but
    summarise counts it as a stranger staying: the window is no longer quiet."""
    settings = DetectSettings()
    window = _stays("u-new", 12)
    rows = [p for _, day_rows in window for p in day_rows]
    assert quiet(*marks_of(window), FACTS, DAY, frozenset(), settings)  # the holder's own face
    assert daily.sublet(rows, FACTS, DAY, settings, summarise(rows, FACTS)) is None
    taken = frozenset({"u-new"})
    assert not quiet(*marks_of(window), FACTS, DAY, taken, settings)
    w = summarise(rows, FACTS, taken)
    assert daily.sublet(rows, FACTS, DAY, settings, w) is not None


def test_a_card_face_on_visitor_passes_is_a_strangers_stay() -> None:
    """The card's face also came on visitor passes for the flat: summarise may count its
    card days as a stranger's, so the window is not quiet (no `taken` needed)."""
    settings = DetectSettings()
    window = _stays("u-sub", 12)
    for i in (13, 14):
        d = DAY - timedelta(days=i)
        window.append((d, [Presence("f1", d, "u-sub", "stranger", "visitor", "u-sub")]))
    window.sort(key=lambda x: x[0])
    assert not quiet(*marks_of(window), FACTS, DAY, frozenset(), settings)


def test_the_usual_day_is_one_shared_mark() -> None:
    rows = [Presence("f1", DAY, "p1", "member", "face", None, n_face=1)]
    assert day_marks(rows) is PLAIN


def _lodger_and_card(face: int) -> list[tuple[date, list[Presence]]]:
    """A lodger staying 12 days; the holder's card, with an unknown face of theirs or
    none, on 8 of them."""
    window = []
    for i in range(12):
        d = DAY - timedelta(days=i)
        rows = [Presence("f1", d, "u-lodger", "stranger", "tailgate", "u-lodger")]
        if i < 8:
            rows.append(Presence("f1", d, "p1", "member", "card", "u-card1", n_face=face))
        window.append((d, rows))
    return sorted(window, key=lambda x: x[0])


def test_a_card_without_a_face_is_no_member_day() -> None:
    """A card alone may be in other hands: summarise counts no member day for it, so a
    lodger's stays may still be a sublet; with the holder's face on it, the household
    was seen on 8 days and no sublet can be."""
    settings = DetectSettings()
    for face, calm in ((0, False), (1, True)):
        window = _lodger_and_card(face)
        rows = [p for _, day_rows in window for p in day_rows]
        found = daily.sublet(rows, FACTS, DAY, settings, summarise(rows, FACTS))
        assert (found is None) == calm
        assert quiet(*marks_of(window), FACTS, DAY, frozenset(), settings) == calm
