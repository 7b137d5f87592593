"""Each rule on in-memory observations, with the traps of normal life (DOMAIN.md):
holiday absence, caregiver, night shift, late-registered family member, a tenant
with no face enrolled."""

from __future__ import annotations

from datetime import date, timedelta

from anju_platform.detect.model import Member, Presence, UnitClock, UnitFacts
from anju_platform.detect.rules import daily
from anju_platform.detect.rules.common import summarise
from anju_platform.detect.settings import DetectSettings

S = DetectSettings()
DAY = date(2026, 5, 30)  # outside the holiday seasons
UNIT = "e01-1-1-0101"


def days(n: int, step: int = 1) -> list[date]:
    return [DAY - timedelta(days=i) for i in range(0, n, step)]


def member(d: date, pid: str = "p1", **kw: object) -> Presence:
    return Presence(UNIT, d, pid, "member", kw.pop("via", "face"), **kw)  # type: ignore[arg-type]


def stranger(d: date, cid: str, via: str = "visitor", **kw: object) -> Presence:
    return Presence(UNIT, d, cid, "stranger", via, **kw)  # type: ignore[arg-type]


def facts(n_members: int = 2, carers: frozenset[str] = frozenset(), **kw: object) -> UnitFacts:
    members = tuple(Member(f"p{i + 1}", 1980) for i in range(n_members))
    return UnitFacts(UNIT, "e01", "g1", "h1", members, date(2020, 1, 1), carers, **kw)  # type: ignore[arg-type]


def clock(last_any: int | None, last_member: int | None = None, last_in: bool = True) -> UnitClock:
    def ago(n: int | None) -> date | None:
        return None if n is None else DAY - timedelta(days=n)

    return UnitClock(ago(last_any), ago(last_member), last_in, date(2025, 1, 1))


def window(*groups: list[Presence]) -> list[Presence]:
    return [p for g in groups for p in g if p.day > DAY - timedelta(days=S.window_days)]


# --- sublet -----------------------------------------------------------------------------


def test_sublet_strangers_live_there_members_gone() -> None:
    rows = window([stranger(d, "u-sub1") for d in days(20)], [member(DAY - timedelta(days=9))])
    f = daily.sublet(rows, facts(), DAY, S)
    assert f is not None and f.type == "sublet" and "u-sub1" in f.persons
    assert "转租" in f.reason_zh and "subletting" in f.reason_en and f.evidence


def test_sublet_holder_card_with_a_visitor_face_is_not_the_holder() -> None:
    # a tenant with no face enrolled: the card comes with a face that also uses visitor passes
    rows = window(
        [member(d, via="card", cluster_id="u-sub1") for d in days(20)],
        [stranger(d, "u-sub1") for d in days(20, 4)],
    )
    f = daily.sublet(rows, facts(1), DAY, S)
    assert f is not None and f.type == "sublet"


def test_tenant_without_face_is_present_by_card_and_own_face() -> None:
    rows = window([member(d, via="card", cluster_id="u-own") for d in days(28)])
    assert daily.sublet(rows, facts(1), DAY, S) is None
    assert daily.vacancy(facts(1), clock(0, 0), DAY, S) is None


def test_a_card_alone_does_not_prove_the_members_are_there() -> None:
    rows = window(
        [member(d, via="card", n_face=0) for d in days(28)],  # no face ever seen with it
        [stranger(d, "u-sub1") for d in days(20)],
    )
    assert daily.sublet(rows, facts(), DAY, S) is not None


def test_holiday_absence_is_not_a_sublet_nor_a_vacancy() -> None:
    rows = window([member(d) for d in days(28) if d < DAY - timedelta(days=20)])
    assert daily.sublet(rows, facts(), DAY, S) is None
    assert daily.vacancy(facts(), clock(20, 20), DAY, S) is None


def test_housebound_tenant_with_a_day_carer_is_not_a_sublet() -> None:
    # the tenant never leaves the flat (no passages); an unregistered carer comes every
    # morning on a visitor pass and leaves again on it: a visitor, not someone living there
    rows = window([stranger(d, "u-carer", last_in=False) for d in days(28) if d.weekday() < 6])
    assert daily.sublet(rows, facts(1), DAY, S) is None
    lives = window([stranger(d, "u-carer") for d in days(28) if d.weekday() < 6])
    assert daily.sublet(lives, facts(1), DAY, S) is not None  # stays the night: lives there


def test_day_carers_cluster_taking_in_a_neighbours_entries_is_not_a_sublet() -> None:
    """Crowded faces (issue 18): a housebound tenant without a credential is never seen;
    the unregistered carer comes in and leaves on a visitor pass every day but Sunday.
    Its cluster, linked to the flat, took in a neighbour's face-only entries on 12 days
    (not seen leaving: the exit button is not logged), which read as staying. A day
    visitor's stays count only on its pass days."""
    visits = [stranger(d, "u-carer", last_in=False) for d in days(28) if d.weekday() < 6]
    ghost = [stranger(d, "u-carer", via="tailgate") for d in days(28, step=2)[:12]]
    rows = window(visits, ghost)
    assert daily.sublet(rows, facts(1), DAY, S) is None
    w = daily.summarised(rows, facts(1), S)
    assert not w.stay_days["u-carer"] and len(w.stranger_days["u-carer"]) >= 24
    # the same without the rule: 12 stays, a sublet
    off = S.model_copy(update={"day_visitor_pass_days": 100})
    assert daily.sublet(rows, facts(1), DAY, off) is not None
    # a subtenant on visitor passes comes home on them and stays: still a sublet
    sub = window(
        [stranger(d, "u-sub") for d in days(28, step=2)],
        [stranger(d, "u-sub", via="tailgate") for d in days(28)[1::2]],
    )
    assert daily.sublet(sub, facts(1), DAY, S) is not None


def test_relative_moving_in_while_the_household_travels_is_not_yet_a_sublet() -> None:
    """A grandparent moved in (before registration) while the holder was still home, then
    the holder left on a trip: 12 days of the grandparent alone. The household's regular
    presence ended 11 days ago: a trip, not a sublet (sublet_gone_days). Gone longer, it
    is one; the holder dropping by now and then is not regular presence."""
    home = [member(DAY - timedelta(days=k)) for k in (15, 13, 11)]
    gran = [stranger(d, "u-gran") for d in days(13)]
    assert daily.sublet(window(home, gran), facts(1), DAY, S) is None
    off = S.model_copy(update={"sublet_gone_days": 0})
    assert daily.sublet(window(home, gran), facts(1), DAY, off) is not None
    later = DAY + timedelta(days=4)  # regular presence ended 15 days before
    gran_later = [stranger(later - timedelta(days=i), "u-gran") for i in range(17)]
    rows = [r for r in home + gran_later if r.day > later - timedelta(days=S.window_days)]
    assert daily.sublet(rows, facts(1), later, S) is not None
    # drop-bys a week apart are not regular presence: no wait
    drops = [member(DAY - timedelta(days=k)) for k in (9, 2)]
    subs = [stranger(d, "u-sub") for d in days(20)]
    assert daily.sublet(window(drops, subs), facts(1), DAY, S) is not None
    # crowded faces: the subtenants on the holder's card come with clusters not yet told
    # apart (member rows with an unknown face) on days close together: not the household
    split = [member(DAY - timedelta(days=k), via="card", cluster_id=f"u-x{k}") for k in (5, 4)]
    assert daily.sublet(window(split, subs), facts(1), DAY, S) is not None
    # the holder's card with the face learned for it is the holder home
    mine = [member(DAY - timedelta(days=k), via="card", cluster_id="u-own") for k in (15, 13, 11)]
    w = summarise(window(mine, gran), facts(1), own={"u-own"})
    assert daily.sublet(window(mine, gran), facts(1), DAY, S, w) is None
    assert daily.sublet(window(mine, gran), facts(1), DAY, S) is not None


def test_festival_longer_than_the_window_is_not_a_sublet() -> None:
    # the family left for the festival more than 28 days ago; relatives mind the flat
    day = date(2026, 3, 20)
    rows = [
        Presence(UNIT, day - timedelta(days=i), "u-aunt", "stranger", "visitor") for i in range(20)
    ]
    gone = UnitClock(None, date(2026, 2, 10), False, date(2025, 1, 1))
    assert daily.sublet(rows, facts(), day, S, clock=gone) is None
    before = UnitClock(None, date(2026, 1, 20), False, date(2025, 1, 1))  # left before it
    assert daily.sublet(rows, facts(), day, S, clock=before) is not None


def test_household_last_seen_on_the_eve_of_the_festival_season_went_for_it() -> None:
    """Held-out sparse 17: a tenant leaves for her home village on the season's first
    morning (not logged: exits are not filmed), last seen the evening before; a grandparent
    moves in before registration. Gone at the festival, not a sublet, until 14 days after
    the season. Traps kept: a household last seen days before the season began (a
    departure of its own), or still gone well after it, is a sublet when strangers live
    there."""
    a, b = S.holidays[0]
    day = a + timedelta(days=27)
    rows = [
        Presence(UNIT, day - timedelta(days=i), "u-gran", "stranger", "tailgate") for i in range(14)
    ]

    def gone(last: date) -> UnitClock:
        return UnitClock(None, last, True, date(2025, 1, 1))

    eve = gone(a - timedelta(days=1))
    assert daily.sublet(rows, facts(), day, S, clock=eve) is None
    assert daily.sublet(rows, facts(), day, S.with_overrides({"holiday_lead_days": 0}),
                        clock=eve) is not None  # fmt: skip
    week = gone(a - timedelta(days=7))  # left a week before the season
    assert daily.sublet(rows, facts(), day, S, clock=week) is not None
    late = b + timedelta(days=20)  # the season and its fortnight over, still gone
    rows_late = [r._replace(day=r.day + (late - day)) for r in rows]
    assert daily.sublet(rows_late, facts(), late, S, clock=eve) is not None
    # subtenants who lived there before the holder's last sighting on the eve are no one
    # minding the flat for a trip (held-out seeds: true sublets waited a month for it)
    day = a + timedelta(days=14)
    seen = [Presence(UNIT, a - timedelta(days=1), "p1", "member", "face")]
    subs = [Presence(UNIT, day - timedelta(days=i), "u-sub", "stranger", "tailgate")
            for i in range(20)]  # fmt: skip
    assert daily.sublet(subs + seen, facts(), day, S) is not None
    after = [r for r in subs if r.day >= a]  # 15 days, all after her last evening
    assert daily.sublet(after + seen, facts(), day, S) is None


def test_household_gone_for_the_festival_leaves_its_own_occupants_behind() -> None:
    """Held-out citywide 20: a retired couple with three unregistered occupants (already
    an overcrowding alert) leave for their home village on the season's first morning,
    last seen the evening before; the occupants stay on. They lived with the household,
    so they are no subtenants moving in as it leaves (as during an approved absence).
    Traps kept: strangers who lived in the flat before the eve while the household was
    not home with them, or a household still gone after the season and its fortnight,
    are a sublet."""
    a, b = S.holidays[0]
    eve = a - timedelta(days=1)
    day = a + timedelta(days=25)  # the window holds the eve and the days after it
    home = [eve - timedelta(days=i) for i in range(24)]
    household = [Presence(UNIT, d, p, "member", "face") for d in home for p in ("p1", "p2")]
    lodgers = [
        Presence(UNIT, d, c, "stranger", "visitor")
        for c in ("u-l1", "u-l2")
        for d in [*home[::2], *(a + timedelta(days=i) for i in range(26))]
    ]
    rows = household + lodgers

    def before(d: date) -> list[Presence]:
        return [r for r in rows if d - timedelta(days=S.window_days) <= r.day < d]

    def window_of(d: date) -> list[Presence]:
        return [r for r in rows if d - timedelta(days=S.window_days) < r.day <= d]

    assert daily.sublet(window_of(day), facts(), day, S, before=before) is None
    off = S.with_overrides({"holiday_lead_cohabitants": False})
    assert daily.sublet(window_of(day), facts(), day, off, before=before) is not None
    assert daily.sublet(window_of(day), facts(), day, S) is not None  # no earlier rows
    # still gone after the season and its fortnight: a sublet
    late = b + timedelta(days=16)
    more = [
        Presence(UNIT, late - timedelta(days=i), c, "stranger", "visitor")
        for c in ("u-l1", "u-l2")
        for i in range(28)
    ]
    gone = UnitClock(None, eve, True, date(2025, 1, 1))
    assert daily.sublet(more, facts(), late, S, clock=gone, before=before) is not None
    # subtenants who lived there while the household was not home (the holder seen on
    # the eve only, collecting the rent): not its occupants, a sublet
    subs = [r for r in lodgers if r.day >= a - timedelta(days=20)]
    alone = [*subs, Presence(UNIT, eve, "p1", "member", "face")]

    def before_alone(d: date) -> list[Presence]:
        return [r for r in alone if d - timedelta(days=S.window_days) <= r.day < d]

    w_alone = [r for r in alone if r.day > day - timedelta(days=S.window_days)]
    assert daily.sublet(w_alone, facts(), day, S, before=before_alone) is not None


def test_household_back_home_after_relatives_minded_the_flat_is_not_a_sublet() -> None:
    # relatives lived there for three weeks; the family is back and seen two days running
    rows = window(
        [stranger(d, "u-aunt") for d in days(24) if d < DAY - timedelta(days=1)],
        [member(DAY), member(DAY - timedelta(days=1))],
    )
    assert daily.sublet(rows, facts(), DAY, S) is None
    # back today after relatives minded the flat: wait a day to tell a return from a drop-by
    today = window([stranger(d, "u-aunt") for d in days(24)], [member(DAY)])
    assert daily.sublet(today, facts(), DAY, S) is None
    # the holder dropped by once yesterday (to collect the rent) and is gone again
    drop = window([stranger(d, "u-sub") for d in days(24)], [member(DAY - timedelta(days=1))])
    assert daily.sublet(drop, facts(), DAY, S) is not None


def test_approved_absence_is_no_cover_for_strangers_staying() -> None:
    # issue 16 item 2: 'working elsewhere' for months while strangers live in the flat
    away = ((DAY - timedelta(days=30), DAY + timedelta(days=150)),)
    rows = window([stranger(d, "u-sub1") for d in days(20)])
    gone = clock(None, 31)
    f = daily.sublet(rows, facts(absences=away), DAY, S, clock=gone)
    assert f is not None and f.type == "sublet" and "approved absence" in f.reason_en
    assert "报备外出" in f.reason_zh
    plain = daily.sublet(rows, facts(), DAY, S, clock=gone)
    assert plain is not None and f.score > plain.score


def test_approved_absence_with_someone_looking_in_is_not_a_sublet() -> None:
    # trap: the family is away (approved) and a carer or neighbour comes in most days to
    # water the plants, feed the cat: in on a pass, out again on it; nobody stays
    away = ((DAY - timedelta(days=30), DAY + timedelta(days=10)),)
    gone = clock(None, 31)
    rows = window([stranger(d, "u-carer", last_in=False) for d in days(28) if d.weekday() < 6])
    assert daily.sublet(rows, facts(absences=away), DAY, S, clock=gone) is None
    # one night now and then is not living there either
    rows = window([stranger(d, "u-son") for d in days(28, 4)])
    assert daily.sublet(rows, facts(absences=away), DAY, S, clock=gone) is None


def test_festival_absence_reported_with_a_carer_coming_in_is_not_a_sublet() -> None:
    # trap: the family reported its Spring Festival trip; a carer comes in daily for the
    # grandmother's cat and leaves again; a cousin stays over the festival nights
    day = date(2026, 3, 5)
    away = ((date(2026, 2, 9), date(2026, 3, 8)),)
    gone = UnitClock(None, date(2026, 2, 8), False, date(2025, 1, 1))
    rows = [
        Presence(UNIT, day - timedelta(days=i), "u-carer", "stranger", "visitor", last_in=False)
        for i in range(24)
    ] + [
        Presence(UNIT, day - timedelta(days=i), "u-cousin", "stranger", "visitor") for i in range(5)
    ]
    assert daily.sublet(rows, facts(absences=away), day, S, clock=gone) is None


def test_a_shop_or_hostel_is_a_change_of_use_not_a_sublet() -> None:
    rows = window(
        [stranger(d, f"u-{d}-{i}") for d in days(28) for i in range(6)],
        [stranger(d, "u-owner-friend") for d in days(28)],
    )
    assert daily.sublet(rows, facts(), DAY, S) is None
    assert daily.change_of_use(rows, facts(), DAY, S) is not None


def test_late_registered_member_on_passes_then_own_card_is_that_member() -> None:
    # came on visitor passes until registered, then on their own card with the same face
    joined = DAY - timedelta(days=10)
    rows = window(
        [stranger(d, "u-gran") for d in days(28) if d < joined],
        [member(d, "p2", via="card", cluster_id="u-gran") for d in days(28) if d >= joined],
    )
    w = summarise(rows, facts())
    assert max(w.stranger_days["u-gran"]) < joined  # their own card days are theirs
    assert {d for d in days(28) if d >= joined} <= w.member_days
    # a face that comes on passes (on 2+ days and a fifth of its 11 card days) after
    # using a member's card is someone else's; on fewer it may be a look-alike clustered
    # with it (issue 18)
    once = [*rows, stranger(DAY - timedelta(days=2), "u-gran")]
    assert DAY not in summarise(once, facts()).stranger_days["u-gran"]
    twice = [*once, stranger(DAY - timedelta(days=5), "u-gran")]
    assert DAY not in summarise(twice, facts()).stranger_days["u-gran"]
    assert DAY in summarise(twice, facts(), pass_share=0.1).stranger_days["u-gran"]
    late = [*twice, stranger(DAY - timedelta(days=7), "u-gran")]
    assert DAY in summarise(late, facts()).stranger_days["u-gran"]


def test_weekend_family_is_not_a_sublet() -> None:
    rows = window(
        [member(d) for d in days(28)],
        [stranger(d, "u-kid") for d in days(28) if d.weekday() >= 5],
    )
    assert daily.sublet(rows, facts(), DAY, S) is None
    assert daily.overcrowding(rows, facts(), DAY, S) is None


# --- overcrowding -----------------------------------------------------------------------


def test_overcrowding_two_regular_strangers_with_the_household() -> None:
    rows = window(
        [member(d) for d in days(28)],
        [stranger(d, "u-a") for d in days(28, 2)],
        [stranger(d, "u-b", n_night=1) for d in days(28, 2)],
    )
    f = daily.overcrowding(rows, facts(), DAY, S)
    assert f is not None and set(f.persons) == {"u-a", "u-b"}


def test_late_registered_grandparent_is_one_stranger_not_overcrowding() -> None:
    rows = window([member(d) for d in days(28)], [stranger(d, "u-grandma") for d in days(28)])
    assert daily.overcrowding(rows, facts(), DAY, S) is None


def test_a_grandparent_split_into_two_clusters_is_one_occupant() -> None:
    """Crowded faces: the clusters are cut tighter than one person's spread, so the
    grandparent before registration comes as two clusters on the same days."""
    rows = window(
        [member(d) for d in days(28)],
        [stranger(d, "u-gran1") for d in days(28)],
        [stranger(d, "u-gran2") for d in days(28, 2)],
    )
    alike = {frozenset({"u-gran1", "u-gran2"})}

    def same(a: str, b: str) -> bool:
        return frozenset({a, b}) in alike

    assert daily.overcrowding(rows, facts(), DAY, S, same_face=same) is None
    # two people who do not look alike are two occupants
    f = daily.overcrowding(rows, facts(), DAY, S, same_face=lambda a, b: False)
    assert f is not None and set(f.persons) == {"u-gran1", "u-gran2"}
    # the same face twice and a third person: two occupants, all clusters as evidence
    rows += [stranger(d, "u-lodger") for d in days(28)]
    f = daily.overcrowding(rows, facts(), DAY, S, same_face=same)
    assert f is not None and f.reason_en.startswith("2 unregistered people")
    assert set(f.persons) == {"u-gran1", "u-gran2", "u-lodger"}


def test_occupants_on_visitor_passes_are_not_a_stream_of_visitors() -> None:
    # three people live with the family and come home every evening on visitor passes
    rows = window(
        [member(d) for d in days(28)],
        *[[stranger(d, f"u-{k}") for d in days(28)] for k in "abc"],
    )
    f = daily.overcrowding(rows, facts(), DAY, S)
    assert f is not None and len(f.persons) == 3 and "过夜" in f.reason_zh


def test_day_carer_and_weekend_family_leaving_again_are_not_occupants() -> None:
    # an unregistered carer every weekday morning and family most weekends: both leave
    # again on the same pass, so the day does not end with them coming in
    rows = window(
        [member(d) for d in days(28)],
        [stranger(d, "u-carer", last_in=False) for d in days(28) if d.weekday() < 6],
        [stranger(d, "u-son", last_in=False) for d in days(28) if d.weekday() >= 4],
    )
    assert daily.overcrowding(rows, facts(1), DAY, S) is None
    stays = window(
        [member(d) for d in days(28)],
        [stranger(d, "u-carer", last_in=True) for d in days(28) if d.weekday() < 6],
        [stranger(d, "u-son", last_in=True) for d in days(28) if d.weekday() >= 4],
    )
    assert daily.overcrowding(stays, facts(1), DAY, S) is not None  # they sleep there


def test_caregivers_registered_or_not_do_not_alert() -> None:
    rows = window(
        [member(d, "p1") for d in days(28)],
        [Presence(UNIT, d, "k1", "caregiver", "card") for d in days(28) if d.weekday() < 6],
        [stranger(d, "u-carer") for d in days(28) if d.weekday() < 6],
    )
    one = facts(1, carers=frozenset({"k1"}))
    assert daily.overcrowding(rows, one, DAY, S) is None
    assert daily.sublet(rows, one, DAY, S) is None
    assert daily.change_of_use(rows, one, DAY, S) is None


def test_night_shift_worker_counts_as_present() -> None:
    rows = window([member(d, n_night=1, via="card", cluster_id="u-me") for d in days(28)])
    assert daily.sublet(rows, facts(1), DAY, S) is None
    assert daily.vacancy(facts(1), clock(0, 0), DAY, S) is None


# --- change of use ----------------------------------------------------------------------


def test_change_of_use_many_distinct_visitors() -> None:
    rows = window(
        [member(d) for d in days(28)],
        [stranger(d, f"u-{d}-{i}") for d in days(14) for i in range(8)],
    )
    f = daily.change_of_use(rows, facts(), DAY, S)
    assert f is not None and f.type == "change_of_use"
    assert daily.overcrowding(rows, facts(), DAY, S) is None  # a shop, not occupants


def test_occasional_visitors_are_not_a_change_of_use() -> None:
    rows = window([member(d) for d in days(28)], [stranger(d, f"u-{d}") for d in days(14, 2)])
    assert daily.change_of_use(rows, facts(), DAY, S) is None


# --- vacancy ----------------------------------------------------------------------------


def test_vacancy_threshold_and_early_warnings() -> None:
    assert daily.vacancy(facts(), clock(30), DAY, S) is None
    w1 = daily.vacancy(facts(), clock(70), DAY, S)
    w2 = daily.vacancy(facts(), clock(130), DAY, S)
    v = daily.vacancy(facts(), clock(190), DAY, S)
    assert w1 is not None and (w1.type, w1.level) == ("vacancy_warning", 1)
    assert w2 is not None and (w2.type, w2.level) == ("vacancy_warning", 2)
    assert v is not None and v.type == "vacancy" and "180" in v.reason_en and v.evidence


def test_approved_absence_does_not_count_towards_vacancy() -> None:
    away = ((DAY - timedelta(days=185), DAY - timedelta(days=100)),)
    f = daily.vacancy(facts(absences=away), clock(190), DAY, S)
    assert f is not None and f.type == "vacancy_warning"  # 190 - 86 days away = 104 days
    assert "104" in f.reason_en


def test_vacancy_counts_from_when_watching_began_and_needs_a_household() -> None:
    start = UnitClock(None, None, None, DAY - timedelta(days=100))
    f = daily.vacancy(facts(), start, DAY, S)
    assert f is not None and f.type == "vacancy_warning"
    empty = UnitFacts(UNIT, "e01", "g1", None)
    assert daily.vacancy(empty, clock(300), DAY, S) is None  # between tenants: no alert


# --- welfare ----------------------------------------------------------------------------


def elderly(**kw: object) -> UnitFacts:
    return UnitFacts(UNIT, "e01", "g1", "h1", (Member("p1", 1945),), date(2020, 1, 1), **kw)  # type: ignore[arg-type]


def test_welfare_elderly_alone_not_seen() -> None:
    f = daily.welfare(elderly(), clock(4, 4, True), [], DAY, S)
    assert f is not None and f.type == "elderly_not_seen" and "独居" in f.reason_zh
    assert daily.welfare(elderly(), clock(2, 2, True), [], DAY, S) is None


def test_welfare_carer_who_stopped_coming_with_them_knows() -> None:
    # a carer came every weekday until the tenant was last seen, then stopped (a hospital
    # stay): not a welfare case; a visitor only after the silence began does not count
    last = DAY - timedelta(days=6)
    before = [stranger(last - timedelta(days=i), "u-carer") for i in range(0, 10)]
    assert daily.welfare(elderly(), clock(6, 6), window(before), DAY, S) is None
    after = [stranger(last + timedelta(days=i), "u-x") for i in range(1, 6)]
    assert daily.welfare(elderly(), clock(6, 6), window(after), DAY, S) is not None
    # three weeks later the window shows only the last few days before the silence: what
    # it still shows of the carer no longer reaches the bar, so the check opens (once: the
    # bar does not fall with the window, test_welfare_one_silence_opens_one_check)
    long = DAY - timedelta(days=25)  # a Tuesday; the window starts on the Sunday before
    seen = [
        stranger(long, "u-carer"),
        Presence(UNIT, long - timedelta(days=1), "pass:1", "visitor", "visitor"),
    ]
    assert daily.welfare(elderly(), clock(25, 25), window(seen), DAY, S) is not None


def test_welfare_weekly_family_visitor_would_not_notice_in_time() -> None:
    # issue 16 (e03-4-2-0102): a relative on a QR pass about once a week, now and then
    # twice, came on 3+ weekdays of the window; that held the check back a day too long
    last = DAY - timedelta(days=3)  # a Wednesday
    visits = [stranger(last - timedelta(days=i), "u-family") for i in (1, 8, 9, 11, 15, 22)]
    assert sum(p.day.weekday() < 5 for p in visits) >= 3
    f = daily.welfare(elderly(), clock(3, 3), window(visits), DAY, S)
    assert f is not None and f.first_day == last + timedelta(days=1)
    # the same relative coming every other day would notice
    often = [stranger(last - timedelta(days=i), "u-family") for i in range(0, 14, 2)]
    assert daily.welfare(elderly(), clock(3, 3), window(often), DAY, S) is None


def test_welfare_carer_on_three_to_five_weekdays_keeps_it_quiet() -> None:
    last = DAY - timedelta(days=16)  # the silence is checked from day 3 to day 14
    weekdays = [last - timedelta(days=i) for i in range(0, 28)]
    for rota in ({0, 2, 4}, {0, 1, 2, 3}, {0, 1, 2, 3, 4}):
        rows = [stranger(d, "u-carer") for d in weekdays if d.weekday() in rota]
        for quiet in range(3, 15):
            day = last + timedelta(days=quiet)
            seen = [r for r in rows if r.day > day - timedelta(days=S.window_days)]
            tick = UnitClock(None, last, True, date(2020, 1, 1))
            assert daily.welfare(elderly(), tick, seen, day, S) is None, (rota, quiet)
    # the camera missed her once in the fortnight: still a carer
    last = DAY - timedelta(days=3)
    fortnight = [last - timedelta(days=i) for i in range(0, 14)]
    rows = [stranger(d, "u-carer") for d in fortnight if d.weekday() in {0, 2, 4}]
    assert len(rows) == 6
    assert daily.welfare(elderly(), clock(3, 3), rows[1:], DAY, S) is None
    # a stricter city: once per 2 days over the fortnight (7 visits) is not met by 3 a week
    strict = DetectSettings(welfare_days=2)
    assert daily.welfare(elderly(), clock(3, 3), rows, DAY, strict) is not None


def test_welfare_traps() -> None:
    away = ((DAY - timedelta(days=5), DAY + timedelta(days=5)),)
    assert daily.welfare(elderly(absences=away), clock(4, 4), [], DAY, S) is None  # approved
    assert daily.welfare(elderly(caregivers=frozenset({"k"})), clock(4, 4), [], DAY, S) is None
    assert daily.welfare(elderly(), clock(4, 4, False), [], DAY, S) is None  # left: a trip
    carer = [stranger(DAY - timedelta(days=i), "u-carer") for i in range(5, 15)]
    assert daily.welfare(elderly(), clock(4, 4), carer, DAY, S) is None
    festival = date(2026, 2, 20)
    seen = UnitClock(None, festival - timedelta(days=4), True, date(2025, 1, 1))
    # a care check is a phone call: by default the festival season does not hold it back
    assert daily.welfare(elderly(), seen, [], festival, S) is not None
    wait = DetectSettings(welfare_holiday_days=36)  # a city that prefers fewer calls then
    assert daily.welfare(elderly(), seen, [], festival, wait) is None  # holiday season: waits
    assert daily.welfare(elderly(), seen, [], festival + timedelta(days=40), wait) is not None
    eve = UnitClock(None, date(2026, 2, 5), True, date(2025, 1, 1))  # season from 7 Feb
    assert daily.welfare(elderly(), eve, [], date(2026, 2, 9), wait) is None  # left for it
    assert daily.welfare(elderly(), eve, [], date(2026, 2, 9), S) is not None
    young = UnitFacts(UNIT, "e01", "g1", "h1", (Member("p1", 1990),), date(2020, 1, 1))
    assert daily.welfare(young, clock(10, 10), [], DAY, S) is None


# --- card/face mismatch weighed against the flat's pattern (issue 16 item 6) ------------


def carded(d: date, cid: str, **kw: object) -> Presence:
    """A foreign face that came in on a member's card (resolved as a stranger via card)."""
    return stranger(d, cid, via="card", **kw)


def test_mismatch_face_living_in_the_flat_is_overcrowding_evidence() -> None:
    # the household is at home; two followers live with it, one on the father's card
    rows = window(
        [member(d) for d in days(28)],
        [carded(d, "u-cousin") for d in days(20)],
        [stranger(d, "u-friend") for d in days(20)],
    )
    w = summarise(rows, facts())
    assert daily.mismatch_explained("u-cousin", w, DAY, S) == "occupant"
    f = daily.overcrowding(rows, facts(), DAY, S, w)
    assert f is not None and "u-cousin" in f.persons
    assert "not the holder's" in f.reason_en and "人脸与持卡人不符" in f.reason_zh


def test_mismatch_on_a_flat_whose_members_are_gone_is_the_sublet_rules_business() -> None:
    rows = window([carded(d, "u-sub1") for d in days(12)])
    w = summarise(rows, facts(1))
    assert daily.mismatch_explained("u-sub1", w, DAY, S) == "sublet"
    f = daily.sublet(rows, facts(1), DAY, S, w, clock(0, 40))
    assert f is not None and "not the holder's" in f.reason_en


def test_card_lent_now_and_then_is_a_mismatch_of_its_own() -> None:
    # the household lives there; a friend borrows the card on a few days (trap for the
    # other rules: not an occupant) -> the mismatch is the best explanation
    rows = window([member(d) for d in days(28)], [carded(d, "u-friend") for d in days(28, 6)])
    w = summarise(rows, facts())
    assert daily.mismatch_explained("u-friend", w, DAY, S) is None
    assert daily.overcrowding(rows, facts(), DAY, S, w) is None


def test_grandparent_before_registration_on_a_members_card_raises_nothing() -> None:
    # trap: grandmother moved in, not registered yet, uses her son's card every day
    rows = window([member(d) for d in days(28)], [carded(d, "u-granny") for d in days(15)])
    w = summarise(rows, facts())
    assert daily.mismatch_explained("u-granny", w, DAY, S) == "occupant"
    assert daily.overcrowding(rows, facts(), DAY, S, w) is None  # one regular is not
    assert daily.sublet(rows, facts(), DAY, S, w) is None


def test_first_days_of_a_new_occupant_are_not_yet_explained() -> None:
    # two days on the card: not enough to call them an occupant (the mismatch may watch)
    rows = window([member(d) for d in days(28)], [carded(d, "u-new") for d in days(2)])
    w = summarise(rows, facts())
    assert daily.mismatch_explained("u-new", w, DAY, S) is None


def test_welfare_one_silence_opens_one_check() -> None:
    # a carer's visits leave the window as the silence grows: the check may open late,
    # but it must not open, close as the exception comes back, and open again
    last = DAY - timedelta(days=40)
    for rota in ({0, 2, 4}, {0, 3}, {1}, {0, 1, 2, 3, 4}):
        rows = [stranger(last - timedelta(days=i), "u-carer") for i in range(0, 28)]
        rows = [r for r in rows if r.day.weekday() in rota]
        states = []
        for quiet in range(3, 41):
            day = last + timedelta(days=quiet)
            seen = [r for r in rows if r.day > day - timedelta(days=S.window_days)]
            tick = UnitClock(None, last, True, date(2020, 1, 1))
            states.append(daily.welfare(elderly(), tick, seen, day, S) is not None)
        opened = sum(1 for a, b in zip([False, *states], states, strict=False) if b and not a)
        assert opened <= 1, (rota, states)
