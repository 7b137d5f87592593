"""The sublet rule during an approved absence (issue 16 item 2) against the household's
own unregistered occupants: those who lived with it before it left and stayed on are
overcrowding, not subtenants; anyone who moves in when it leaves is still a sublet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from anju_platform.detect.model import Member, Presence, UnitClock, UnitFacts
from anju_platform.detect.rules import daily
from anju_platform.detect.settings import DetectSettings

S = DetectSettings()
DAY = date(2026, 5, 30)  # outside the holiday seasons
UNIT = "e04-1-3-0602"
LEFT = DAY - timedelta(days=30)  # the approved absence began; it runs on for months
AWAY = ((LEFT, DAY + timedelta(days=60)),)
GONE = UnitClock(None, LEFT - timedelta(days=1), False, date(2025, 1, 1))
FACTS = UnitFacts(
    UNIT, "e04", "g1", "h1", (Member("p1", 1980), Member("p2", 1982)), date(2020, 1, 1),
    absences=AWAY,
)  # fmt: skip


def stay(d: date, who: str) -> Presence:
    return Presence(UNIT, d, who, "stranger", "tailgate")


def home(d: date) -> list[Presence]:
    return [Presence(UNIT, d, p, "member", "card,face") for p in ("p1", "p2")]


def window(*who: str) -> list[Presence]:
    """The last 28 days: the household away, `who` staying every night."""
    return [stay(DAY - timedelta(days=i), k) for i in range(S.window_days) for k in who]


def before_absence(*who: str, nights: int = 20) -> Callable[[date], list[Presence]]:
    """The unit's stored rows before a day: the household at home with `who` staying on
    the last `nights` nights before it."""

    def rows(d: date) -> list[Presence]:
        assert d == LEFT  # asked for the days before the absence began
        out: list[Presence] = []
        for i in range(1, S.window_days + 1):
            day = d - timedelta(days=i)
            out += home(day)
            out += [stay(day, k) for k in who if i <= nights]
        return out

    return rows


def test_household_occupants_staying_on_through_its_absence_are_not_a_sublet() -> None:
    # seed 15, western default: a family with four unregistered occupants went on an
    # approved absence; the four stayed on and the rule read them as subtenants
    rows = window("u-a", "u-b", "u-c", "u-d")
    assert daily.sublet(rows, FACTS, DAY, S, clock=GONE) is not None  # without the history
    got = daily.sublet(
        rows, FACTS, DAY, S, clock=GONE, before=before_absence("u-a", "u-b", "u-c", "u-d")
    )
    assert got is None


def test_a_subtenant_moving_in_during_the_absence_is_still_a_sublet() -> None:
    # the trap: the absence is cover and someone moves in as the household leaves
    f = daily.sublet(window("u-sub"), FACTS, DAY, S, clock=GONE, before=before_absence())
    assert f is not None and f.type == "sublet" and "approved absence" in f.reason_en
    # ...also next to an occupant who lived there before: the newcomer is not explained
    f = daily.sublet(
        window("u-a", "u-sub"), FACTS, DAY, S, clock=GONE, before=before_absence("u-a")
    )
    assert f is not None and "u-sub" in f.persons


def test_a_few_nights_with_the_household_do_not_make_an_occupant() -> None:
    # a subtenant who came to see the flat and stayed two nights before the family left
    short = before_absence("u-sub", nights=S.sublet_cover_cohabit_days - 1)
    assert daily.sublet(window("u-sub"), FACTS, DAY, S, clock=GONE, before=short) is not None
    enough = before_absence("u-sub", nights=S.sublet_cover_cohabit_days)
    assert daily.sublet(window("u-sub"), FACTS, DAY, S, clock=GONE, before=enough) is None


def test_an_occupant_split_into_a_new_cluster_is_the_same_person() -> None:
    # crowded faces: one occupant's face may come as a second cluster (issue 18)
    before = before_absence("u-a")

    def same(a: str, b: str) -> bool:
        return {a, b} == {"u-a", "u-a2"}

    rows = window("u-a2")
    assert daily.sublet(rows, FACTS, DAY, S, clock=GONE, before=before) is not None
    assert daily.sublet(rows, FACTS, DAY, S, clock=GONE, before=before, same_face=same) is None


def test_without_an_approved_absence_the_history_is_not_asked() -> None:
    # the household gone without telling anyone: the rule does not look further back
    plain = UnitFacts(UNIT, "e04", "g1", "h1", FACTS.members, FACTS.move_in)

    def never(d: date) -> list[Presence]:
        raise AssertionError("asked for the history without an approved absence")

    assert daily.sublet(window("u-a"), plain, DAY, S, clock=GONE, before=never) is not None
