"""Issue 16 item 1 at building level, on in-memory observations: a stranger tied to no
flat who stays in a building on most nights is pinned to the flat whose members it
follows in, or to the one flat whose household stopped appearing; else it is a
building-level finding. Traps: a neighbour's visitor, a delivery rider, a carer (also
minding the flat of a family away for the festival), a newborn or a grandparent
before registration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import numpy as np

from anju_platform.detect.building import BuildingWatch, building_findings, collect
from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.model import Member, Presence, UnitFacts
from anju_platform.detect.passages import EventRow, Passage
from anju_platform.detect.presence import Resolver
from anju_platform.detect.register import Register
from anju_platform.detect.rules import daily
from anju_platform.detect.rules.building import (
    Flat,
    Sighting,
    building_links,
    came_back,
    known_face,
    residents,
    silent_from,
    stopped,
)
from anju_platform.detect.settings import DetectSettings

S = DetectSettings()
DAY = date(2026, 4, 28)
DAYS = [DAY - timedelta(days=i) for i in range(1, 28)]  # the window before DAY


WATCHED = DAY - timedelta(days=90)  # watching began 90 days ago
NEW = DAY - timedelta(days=30)  # a newcomer's first sighting
STRONG = S.building_occupant_stay_days


def _s(ident: str, d: date, hour: int = 21, last_in: bool = True, followed: str | None = None,
       first: date = NEW) -> Sighting:  # fmt: skip
    return Sighting("b1", d, ident, 1, last_in, hour, followed, first, (f"e-{ident}-{d}",))


def _stopped(quiet: dict[str, date]) -> Callable[[list[str]], dict[str, date | None]]:
    """The last day of each household's regular presence (none: never regular)."""
    return lambda units: {u: quiet.get(u) for u in units}


LEFT = {
    "f3": NEW - timedelta(days=2),
    "f5": NEW + timedelta(days=2),
    "f6": NEW - timedelta(days=40),
}


def _links(
    rows: list[Sighting], flats: list[Flat], left: dict[str, date] | None = None
) -> list[tuple[str | None, str]]:
    got = building_links(rows, lambda b: flats, _stopped(LEFT if left is None else left), DAY,
                         WATCHED, S)  # fmt: skip
    return [(v.unit_id, v.why) for v in got]


def _flats(quiet: tuple[str, ...] = (), n: int = 6) -> list[Flat]:
    """Flats f1..fn of building b1: those in `quiet` had members on 2 days of the window
    (the holder dropping by), the others every day."""
    out = []
    for i in range(1, n + 1):
        u = f"f{i}"
        seen = frozenset(DAYS[:2]) if u in quiet else frozenset(DAYS)
        out.append(Flat(u, True, seen, max(seen)))
    return out


def test_tailgating_subtenant_is_pinned_to_the_flat_whose_household_stopped_appearing() -> None:
    """The newcomer arrived 2 days after f3's household stopped coming home; f6's left
    40 days before (away, or a flat between households): not the same story."""
    rows = [_s("u-sub", d) for d in DAYS[:14]]
    assert _links(rows, _flats(quiet=("f3", "f6"))) == [("f3", "quiet_flat")]
    assert _links(rows, _flats(quiet=("f6",))) == [(None, "no_flat")]


def test_household_back_from_a_trip_or_away_on_an_approved_absence_is_not_pinned() -> None:
    """The Spring Festival: f3's household went away as the newcomer came and is home
    again (regular for the last days), f4's is away on an approved absence, f5's left a
    week after the newcomer came (not a handover). None of them is the newcomer's flat."""
    rows = [_s("u-new", d) for d in DAYS[:14]]
    back = {"f3": DAY - timedelta(days=2)}
    assert _links(rows, _flats(quiet=("f3",)), back) == [(None, "no_flat")]
    flats = _flats(quiet=("f4",))
    trip = ((LEFT["f3"], DAY + timedelta(days=10)),)
    flats[3] = Flat("f4", True, flats[3].member_days, flats[3].last_member_day, away=trip)
    assert _links(rows, flats, {"f4": LEFT["f3"]}) == [(None, "no_flat")]
    assert _links(rows, _flats(quiet=("f5",)), {"f5": NEW + timedelta(days=7)}) == [
        (None, "no_flat")
    ]
    # the same flats without the return, the absence or the week: pinned
    assert _links(rows, _flats(quiet=("f4",)), {"f4": LEFT["f3"]}) == [("f4", "quiet_flat")]


def test_stopped_is_the_last_day_of_regular_presence() -> None:
    d = date(2026, 3, 1)
    days = [d, d + timedelta(days=1), d + timedelta(days=3), d + timedelta(days=20)]
    assert stopped(days) == d + timedelta(days=3)  # day 20: the holder dropping by
    assert stopped([d, d + timedelta(days=9)]) is None


def test_follower_of_one_flat_is_pinned_to_it() -> None:
    rows = [_s("u-f", d, followed="f2" if i % 3 else None) for i, d in enumerate(DAYS[:12])]
    assert _links(rows, _flats(quiet=("f3",))) == [("f2", "follows")]
    # behind a neighbour now and then by chance (3 of 20 days): not theirs
    now_and_then = [_s("u-g", d, followed="f4" if i < 3 else None) for i, d in enumerate(DAYS[:20])]
    assert _links(now_and_then, _flats()) == [(None, "no_flat")]


def test_follower_of_a_family_with_a_member_not_seen_on_their_own_is_not_pinned() -> None:
    """A registered member without card or enrolment (a student home after months away)
    follows the family in: the family already counts them, so they are neither a second
    unregistered occupant of the flat nor a finding for staff."""
    rows = [_s("u-son", d, followed="f2") for d in DAYS[:14]]
    flats = _flats()
    flats[1] = Flat("f2", True, flats[1].member_days, flats[1].last_member_day, unseen_members=1)
    got = building_links(rows, lambda b: flats, _stopped(LEFT), DAY, WATCHED, S)
    assert [(v.unit_id, v.why) for v in got] == [(None, "family_member")]
    assert building_findings(got, BuildingWatch({}, {}, {}), DAY, STRONG) == {}


def test_someone_living_there_all_along_is_settled_not_pinned() -> None:
    """Children without a card of their own follow their parents in every day since
    watching began: not pinned to their flat (two would be 'overcrowding') nor to the one
    quiet flat, and no finding (nor for a newcomer of long ago)."""
    kid = [_s("u-kid", d, hour=17, followed="f2", first=WATCHED) for d in DAYS]
    old = [_s("u-old", d, first=DAY - timedelta(days=70)) for d in DAYS]
    assert _links(kid + old, _flats(quiet=("f3",))) == [(None, "settled"), (None, "settled")]
    v = building_links(kid, lambda b: _flats(quiet=("f3",)), _stopped(LEFT), DAY, WATCHED, S)
    assert building_findings(v, BuildingWatch({}, {}, {}), DAY, STRONG) == {}


def test_a_residents_new_cluster_is_no_newcomer() -> None:
    """Crowded faces (issue 18): a pupil without a card tailgates home every day; for a
    month their sightings went to a neighbour's cluster, then one far enough from every
    leader started a cluster of their own, which is new. Its face passed the entrance on
    most days before: settled, not pinned to the quiet flat. A real newcomer's face was
    not there before (a look-alike now and then is)."""
    rng = np.random.default_rng(7)
    centre = rng.normal(0.0, 0.05, 128)
    leader = centre + rng.normal(0.0, 0.025, 128)  # its first sighting, ~0.28 from the centre
    before = [NEW - timedelta(days=i) for i in range(1, 27)]
    mine = np.stack([centre + rng.normal(0.0, 0.025, 128) for _ in before])  # ~0.4 apart
    others = np.stack([rng.normal(0.0, 0.05, 128) for _ in before])  # other people, ~0.8
    assert known_face(leader, before, mine, S)
    assert not known_face(leader, before, others, S)
    assert not known_face(leader, [], np.zeros((0, 128)), S)
    # a look-alike on a few days (crowded faces) is not the face living there
    few = np.concatenate([mine[:4], others[4:]])
    assert not known_face(leader, before, few, S)
    rows = [_s("u-pupil", d) for d in DAYS[:14]]
    flats = _flats(quiet=("f3", "f6"))
    got = building_links(rows, lambda b: flats, _stopped(LEFT), DAY, WATCHED, S, lambda r: True)
    assert [(v.unit_id, v.why) for v in got] == [(None, "settled")]
    got = building_links(rows, lambda b: flats, _stopped(LEFT), DAY, WATCHED, S, lambda r: False)
    assert [(v.unit_id, v.why) for v in got] == [("f3", "quiet_flat")]


def test_two_quiet_flats_or_none_leave_it_to_staff() -> None:
    """Open for staff only when the newcomer has stayed on most nights (20 of the 28):
    on 14 nights it is a watch item (a relative over the holidays, a pin still to come),
    and with no flat whose household stopped appearing it stays one."""
    rows = [_s("u-sub", d) for d in DAYS[:22]]
    two = building_links(rows, lambda b: _flats(quiet=("f3", "f5")), _stopped(LEFT), DAY,
                         WATCHED, S)  # fmt: skip
    assert [(v.unit_id, v.why, v.candidates) for v in two] == [
        (None, "several_quiet_flats", ("f3", "f5"))
    ]
    none = building_links(rows, lambda b: _flats(), _stopped(LEFT), DAY, WATCHED, S)
    assert [(v.unit_id, v.why) for v in none] == [(None, "no_flat")]
    strong = S.building_occupant_stay_days
    short = BuildingWatch({}, {}, {})
    for d in sorted(DAYS[:14]):
        short.add(d, [x for x in rows if x.day == d], S.window_days)
    assert building_findings(two, short, DAY, strong)["b1"].score < 0.6
    watch = BuildingWatch({}, {}, {})
    for d in sorted(DAYS[:22]):
        watch.add(d, [x for x in rows if x.day == d], S.window_days)
    f2 = building_findings(two, watch, DAY, strong)["b1"]
    f0 = building_findings(none, watch, DAY, strong)["b1"]
    assert f2.type == "building_occupant" and f2.score >= 0.6 and "f3, f5" in f2.reason_en
    assert f0.score < 0.6  # nothing to tie it to: a watch item, not an inspection
    assert len(f2.evidence) == 12 and f2.persons == ("u-sub",)


def test_household_gone_in_the_festival_season_is_no_quiet_flat_until_it_is_over() -> None:
    """Many families travel for the Spring Festival without telling anyone, and relatives
    come to stay in the building: a newcomer arriving then is not pinned to a flat whose
    household went quiet in the season until 14 days after it (as the sublet rule)."""
    season = S.holidays[0]
    came = season[0] + timedelta(days=3)
    rows = [_s("u-guest", came + timedelta(days=i), first=came) for i in range(14)]
    during = came + timedelta(days=20)
    flats = _flats(quiet=("f3",))
    left = {"f3": came - timedelta(days=1)}
    watched = came - timedelta(days=60)
    got = building_links(rows, lambda b: flats, _stopped(left), during, watched, S)
    assert [(v.unit_id, v.why) for v in got] == [(None, "no_flat")]
    after = season[1] + timedelta(days=15)
    got = building_links(rows, lambda b: flats, _stopped(left), after, watched, S)
    assert [(v.unit_id, v.why) for v in got] == [("f3", "quiet_flat")]


def test_household_last_seen_on_the_eve_of_the_season_is_no_quiet_flat_in_it() -> None:
    """Held-out default 16: a tenant left for the festival on the season's first morning
    (last seen the evening before); a returning neighbour family's children without a
    card came in daily from then on and were pinned to her flat (a sublet, then, she
    home again, overcrowding). Her silence began in the season: no quiet flat until 14
    days after it. Trap kept: a household that stopped appearing a week before the
    season is a handover."""
    a = S.holidays[0][0]
    came = a + timedelta(days=1)
    rows = [_s("u-new", came + timedelta(days=i), first=came) for i in range(14)]
    during = came + timedelta(days=20)
    flats = _flats(quiet=("f3",))
    watched = came - timedelta(days=60)
    eve = {"f3": a - timedelta(days=1)}
    got = building_links(rows, lambda b: flats, _stopped(eve), during, watched, S)
    assert [(v.unit_id, v.why) for v in got] == [(None, "no_flat")]
    s0 = S.with_overrides({"holiday_lead_days": 0})
    got = building_links(rows, lambda b: flats, _stopped(eve), during, watched, s0)
    assert [(v.unit_id, v.why) for v in got] == [("f3", "quiet_flat")]
    # a newcomer who came before her last evening was no one minding the flat for a trip
    before = [_s("u-sub", a - timedelta(days=2) + timedelta(days=i), first=a - timedelta(days=2))
              for i in range(14)]  # fmt: skip
    got = building_links(before, lambda b: flats, _stopped(eve), during, watched, S)
    assert [(v.unit_id, v.why) for v in got] == [("f3", "quiet_flat")]
    # a handover a few days before the season: the newcomer came as they left
    early = a - timedelta(days=5)
    rows = [_s("u-sub", early + timedelta(days=2 + i), first=early + timedelta(days=2))
            for i in range(14)]  # fmt: skip
    got = building_links(rows, lambda b: flats, _stopped({"f3": early}), during, watched, S)
    assert [(v.unit_id, v.why) for v in got] == [("f3", "quiet_flat")]


def test_a_silence_that_began_on_the_eve_of_the_season_is_a_festival_trip() -> None:
    """Held-out crowded sparse 15: a retiree's last regular days were five days before
    the season; seen once more on its eve, she left on its first morning. Her silence
    began then: no quiet flat in the season (a newcomer was pinned to her flat, a false
    sublet). Trap kept: a holder dropping by weeks after the household left does not
    move the start of its silence."""
    a = S.holidays[0][0]
    end = a - timedelta(days=5)
    assert silent_from(end, frozenset({end, a - timedelta(days=1)}), S.building_gone_days) == (
        a - timedelta(days=1)
    )
    late = end + timedelta(days=S.building_gone_days + 3)
    assert silent_from(end, frozenset({end, late}), S.building_gone_days) == end
    came = a + timedelta(days=1)
    rows = [_s("u-new", came + timedelta(days=i), first=came) for i in range(14)]
    during = came + timedelta(days=20)
    seen = frozenset({end - timedelta(days=1), end, a - timedelta(days=1)})
    flats = [Flat("f3", True, seen, a - timedelta(days=1))]
    watched = came - timedelta(days=60)
    got = building_links(rows, lambda b: flats, _stopped({"f3": end}), during, watched, S)
    assert [(v.unit_id, v.why) for v in got] == [(None, "no_flat")]
    flats = [Flat("f3", True, frozenset({end - timedelta(days=1), end}), end)]
    got = building_links(rows, lambda b: flats, _stopped({"f3": end}), during, watched, S)
    assert [(v.unit_id, v.why) for v in got] == [("f3", "quiet_flat")]


def test_newcomer_arriving_with_a_household_with_uncarded_members_is_one_of_them() -> None:
    """Held-out sparse 14 and default 16: a family moved in (or came back from months
    away) on the day a newcomer first came in behind others, and two of its registered
    members (a child, a spouse) have no card and no enrolled face; a household of the
    entrance had left on a trip three days before. The newcomer is the family's member,
    not a subtenant of the quiet flat (it was pinned there: a false sublet, then, the
    household home again, overcrowding). Traps kept: a household whose members are all
    seen on their own, or that came back ten days before the newcomer, explains nothing."""
    rows = [_s("u-new", d) for d in DAYS[:14]]
    flats = _flats(quiet=("f3",))

    def with_f4(unseen: int, back: date | None) -> list[Flat]:
        f4 = flats[3]
        return [*flats[:3], Flat("f4", True, f4.member_days, f4.last_member_day,
                                 unseen_members=unseen, back=back), *flats[4:]]  # fmt: skip

    assert _links(rows, with_f4(2, NEW)) == [(None, "family_member")]
    assert _links(rows, with_f4(2, NEW + timedelta(days=2))) == [(None, "family_member")]
    got = building_links(rows, lambda b: with_f4(2, NEW), _stopped(LEFT), DAY, WATCHED, S)
    assert building_findings(got, BuildingWatch({}, {}, {}), DAY, STRONG) == {}
    assert _links(rows, with_f4(0, NEW)) == [("f3", "quiet_flat")]
    assert _links(rows, with_f4(2, NEW - timedelta(days=10))) == [("f3", "quiet_flat")]
    assert _links(rows, with_f4(2, None)) == [("f3", "quiet_flat")]
    tight = S.with_overrides({"building_arrived_with_days": 1})  # the setting decides
    late = with_f4(2, NEW + timedelta(days=2))
    got = building_links(rows, lambda b: late, _stopped(LEFT), DAY, WATCHED, tight)
    assert [(v.unit_id, v.why) for v in got] == [("f3", "quiet_flat")]


def test_came_back_is_the_first_day_of_the_present_stay_after_weeks_unseen() -> None:
    since = date(2026, 1, 5)
    daily_ = [since + timedelta(days=i) for i in range(60)]
    assert came_back(daily_, since, S.building_gone_days) is None  # there all along
    away = [d for d in daily_ if not date(2026, 1, 20) <= d < date(2026, 2, 10)]
    assert came_back(away, since, S.building_gone_days) == date(2026, 2, 10)
    moved_in = [d for d in daily_ if d >= date(2026, 2, 4)]
    assert came_back(moved_in, since, S.building_gone_days) == date(2026, 2, 4)
    # back, seen again 3 days later (the camera missed the member in between): back
    sparse = [*daily_[:10], date(2026, 2, 4), date(2026, 2, 7), date(2026, 2, 9)]
    assert came_back(sparse, since, S.building_gone_days) == date(2026, 2, 4)
    # the holder dropping by once in the weeks away is not back
    once = [*daily_[:10], date(2026, 2, 1)]
    assert came_back(once, since, S.building_gone_days) is None


def test_delivery_rider_in_daytime_hours_is_no_resident() -> None:
    # in every day at lunch or in the afternoon; the exit button leaves no record
    rows = [_s("u-rider", d, hour=12 + i % 5) for i, d in enumerate(DAYS)]
    assert residents(rows, S) == []
    assert _links(rows, _flats(quiet=("f3",))) == []


def test_neighbours_visitor_and_carer_are_no_residents() -> None:
    # the visitor follows the host in some evenings and leaves again (or stays a night
    # now and then); the carer minds the flat of a family away for the festival by day
    visitor = [_s("u-vis", d, last_in=i % 4 == 0, followed="f2") for i, d in enumerate(DAYS)]
    carer = [_s("u-carer", d, hour=10) for d in DAYS[:20]]
    assert residents(visitor + carer, S) == []


def test_newborn_or_grandparent_follows_the_family_and_is_one_occupant_only() -> None:
    """Pinned to the family's flat by the entries it follows; the overcrowding rule then
    sees one unregistered regular, which is not overcrowding (two are)."""
    gran = [_s("u-gran", d, followed="f2") for d in DAYS[:16]]
    assert _links(gran, _flats()) == [("f2", "follows")]
    facts = UnitFacts("f2", "e01", "g1", "h2", (Member("p1"), Member("p2")))
    fam = [Presence("f2", d, "p1", "member", "face") for d in DAYS]

    def stays(who: str) -> list[Presence]:
        return [Presence("f2", d, who, "stranger", "tailgate", last_in=True) for d in DAYS[:16]]

    assert daily.overcrowding(fam + stays("u-gran"), facts, DAY, S) is None
    assert daily.overcrowding(fam + stays("u-gran") + stays("u-x"), facts, DAY, S) is not None


T = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)  # 20:00 local


def test_collect_keeps_unlinked_strangers_and_whom_they_follow() -> None:
    """A member comes in on their card; 4 s later an unknown face with no credential:
    a sighting for the building, following the member's flat. A visitor on a pass
    (linked to a flat) and a recognized resident are not sightings."""
    reg = Register("e01", units={"f2": "g1"})
    cl = Clusterer(0.6)
    res = Resolver(reg, cl, timedelta(hours=8), 0.6)
    rng = np.random.default_rng(1)
    member = res.resolve(
        Passage("gw1", T, "in", face=EventRow(T, "m1", "face", "gw1", "in", person_id="p1"),
                event_ids=["m1"])
    )  # fmt: skip
    member.unit_id, member.role = "f2", "member"  # the register part is tested elsewhere
    t2 = T + timedelta(seconds=4)
    emb = rng.normal(size=128).astype(np.float32) * 0.06
    face = EventRow(t2, "x1", "face", "gw1", "in", embedding=emb)
    stranger = res.resolve(Passage("gw1", t2, "in", face=face, event_ids=["x1"]))
    late = T + timedelta(minutes=5)
    other = res.resolve(
        Passage("gw2", late, "in",
                face=EventRow(late, "x2", "face", "gw2", "in", embedding=emb * -1),
                event_ids=["x2"])
    )  # fmt: skip
    got = collect([member, stranger, other], {"gw1": "b1"}, cl.first_seen, timedelta(hours=8),
                  10.0)  # fmt: skip
    assert [(x.place, x.identity, x.followed, x.last_in, x.last_hour, x.first_seen)
            for x in got] == [("b1", stranger.cluster_id, "f2", True, 20, T.date())]  # fmt: skip
    # gw2 belongs to no known building


def test_the_window_keeps_each_stranger_s_stays_as_days_come_and_go() -> None:
    watch = BuildingWatch({}, {}, {})
    start = DAY - timedelta(days=40)
    for i in range(40):
        d = start + timedelta(days=i)
        watch.add(d, [_s("u-a", d, last_in=i % 2 == 0), _s("u-b", d)], S.window_days)
    assert sorted(watch.window) == [start + timedelta(days=i) for i in range(12, 40)]
    assert watch.stays[("b1", "u-b")] == 28 and watch.stays[("b1", "u-a")] == 14
    assert [x.day for x in watch.rows_of("u-a", "b1")] == sorted(watch.window)
