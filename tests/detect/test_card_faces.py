"""Faces learned for card holders without enrolment (issue 18 item 4, issue 16 item 3)
on in-memory presence: the cluster that usually comes with the card is learned; a
different cluster taking the card over is a stranger on the card (sublet, lend,
overcrowding evidence). Traps: the holder's own face at a second entrance, a spouse
using the holder's card now and then, a card seen only after the takeover (nothing to
learn from), a look-alike's cluster taking some of the holder's sightings, a one-off
visitor clustered with the holder's face."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from anju_platform.detect.cardfaces import CardFaces, known_face, own_window
from anju_platform.detect.model import Member, Presence, UnitFacts
from anju_platform.detect.rules import daily
from anju_platform.detect.rules.common import summarise
from anju_platform.detect.settings import DetectSettings

S = DetectSettings()
DAY = date(2026, 5, 30)
UNIT = "e01-1-1-0101"


def card_use(d: date, cid: str, pid: str = "p1") -> Presence:
    return Presence(UNIT, d, pid, "member", "card", cid)


def days(first: int, last: int, step: int = 1) -> list[date]:
    """Days first..last days ago, oldest first."""
    return [DAY - timedelta(days=i) for i in range(first, last - 1, -step)]


def learn(rows: list[Presence]) -> CardFaces:
    cf = CardFaces()
    for d in sorted({r.day for r in rows}):
        cf.add_day([r for r in rows if r.day == d])
    return cf


def facts() -> UnitFacts:
    return UnitFacts(UNIT, "e01", "g1", "h1", (Member("p1", 1980),), date(2020, 1, 1))


def test_a_new_face_taking_the_card_is_a_stranger_on_it() -> None:
    holder = [card_use(d, "u-own") for d in days(60, 28)]  # the holder, 33 days
    newcomer = [card_use(d, "u-new") for d in days(27, 0)]  # then someone else, daily
    cf = learn(holder + newcomer)
    assert cf.foreign("p1") == {"u-new"}
    taken = cf.taken()
    assert taken == {UNIT: {"u-new"}}
    window = [r for r in holder + newcomer if r.day > DAY - timedelta(days=S.window_days)]
    # without the learned face the newcomer is the holder: no sublet
    assert daily.sublet(window, facts(), DAY, S) is None
    w = summarise(window, facts(), taken[UNIT])
    assert "u-new" in w.card_strangers and len(w.member_days) <= S.sublet_max_member_days
    f = daily.sublet(window, facts(), DAY, S, w)
    assert f is not None and "u-new" in f.persons and "not the holder's" in f.reason_en
    # the evidence names the face on the card, not the holder, as the one seen
    ev = f.evidence[0]
    assert ev.code == "presence_card" and dict(ev.params)["who"] == "u-new"
    assert dict(ev.params)["holder"] == "p1" and "u-new on p1's card" in ev.note


def test_a_face_sharing_the_card_while_the_holder_uses_it_is_not_counted() -> None:
    """Crowded faces: a look-alike's cluster takes some of the holder's own sightings
    while the holder still comes home daily: no takeover (the holder's days stay)."""
    holder = [card_use(d, "u-own") for d in days(60, 0)]
    alike = [card_use(d, "u-alike") for d in days(20, 0, step=2)]
    assert learn(holder + alike).taken() == {}
    # the holder dropping by on 4 days after the newcomer came is still a takeover
    gone = [r for r in holder if r.day < DAY - timedelta(days=20)]
    gone += [card_use(DAY - timedelta(days=k), "u-own") for k in (18, 11, 4)]
    assert learn(gone + alike).taken() == {UNIT: {"u-alike"}}


def test_nothing_learned_nothing_taken() -> None:
    """The card seen only with the newcomer (the takeover began before the history):
    which face is the holder's cannot be told."""
    cf = learn([card_use(d, "u-new") for d in days(20, 0)])
    assert cf.foreign("p1") == set() and cf.taken() == {}


def test_few_days_are_not_a_takeover() -> None:
    rows = [card_use(d, "u-own") for d in days(60, 0)] + [card_use(DAY, "u-visitor")]
    rows += [card_use(DAY - timedelta(days=5), "u-visitor")]
    assert learn(rows).taken() == {}


def test_own_face_at_another_entrance_is_not_a_takeover() -> None:
    rows = [card_use(d, "u-own") for d in days(60, 21)]
    rows += [card_use(d, "u-own-gate2") for d in days(20, 0)]  # uses the back door now
    cf = learn(rows)
    assert cf.taken(lambda a, b: {a, b} == {"u-own", "u-own-gate2"}) == {}
    assert cf.taken() == {UNIT: {"u-own-gate2"}}  # without the leaders' comparison


def test_a_spouse_on_the_holders_card_is_family() -> None:
    """p2's face is learned on p2's own card; it is no stranger on p1's card."""
    rows = [card_use(d, "u-p1") for d in days(60, 0)]
    rows += [card_use(d, "u-p2", "p2") for d in days(60, 0)]
    rows += [card_use(d, "u-p2") for d in days(20, 10)]  # p2 took p1's card for a while
    assert learn(rows).taken() == {}


def test_a_one_off_visitor_merged_with_the_holders_face_is_no_stranger() -> None:
    """Crowded faces: a visitor on a pass once, clustered with the holder's face."""
    rows = [card_use(d, "u-own") for d in days(27, 0)]
    rows += [Presence(UNIT, DAY - timedelta(days=3), "u-own", "stranger", "visitor")]
    w = summarise(rows, facts())
    assert len(w.member_days) == 28  # the holder's card days stay theirs
    assert w.stranger_days["u-own"] == {DAY - timedelta(days=3)}  # the visit itself
    # a look-alike visitor on a second day: 2 pass days of 28 card days, still the holder
    rows += [Presence(UNIT, DAY - timedelta(days=9), "u-own", "stranger", "visitor")]
    assert len(summarise(rows, facts()).member_days) == 28
    # on passes on a fifth of the card days, the face is someone who needs passes
    rows += [
        Presence(UNIT, DAY - timedelta(days=k), "u-own", "stranger", "visitor")
        for k in (12, 15, 18, 21)
    ]
    assert not summarise(rows, facts()).member_days
    assert len(summarise(rows, facts(), pass_share=0.5).member_days) == 28


def test_a_subtenant_on_the_holders_card_and_on_passes_is_a_stranger() -> None:
    """Someone else on the card comes on visitor passes too (a quarter of the entries),
    from the start: two pass days are enough early on."""
    rows = [card_use(d, "u-sub") for d in days(6, 0)]
    rows += [
        Presence(UNIT, DAY - timedelta(days=k), "u-sub", "stranger", "visitor") for k in (5, 2)
    ]
    w = summarise(rows, facts())
    assert not w.member_days and len(w.stranger_days["u-sub"]) == 7


def test_a_card_the_family_shares_has_no_face_to_learn() -> None:
    """Five relatives take turns with one card; a grandparent then uses it daily before
    being registered: no takeover (DOMAIN: one regular is no overcrowding either)."""
    family = ["u-son", "u-wife", "u-kid", "u-son", "u-aunt", "u-son", "u-wife"]
    rows = [card_use(d, family[i % len(family)]) for i, d in enumerate(days(60, 21))]
    rows += [card_use(d, "u-gran") for d in days(20, 0)]
    assert learn(rows).taken() == {}


def test_an_entrances_early_cluster_is_nobodys_own_face() -> None:
    """Crowded faces: in the first days a neighbour's daily carer's cluster (on visitor
    passes for flat 0403) takes in look-alikes of the whole entrance, the holder's card
    uses among them; once the holder's own cluster forms it takes their sightings. That
    is no takeover: the carer's cluster was never this card's face."""
    carer = [
        Presence("e01-1-1-0403", d, "u-carer", "stranger", "visitor", "u-carer")
        for d in days(60, 0)
    ]
    others = [
        Presence(
            f"e01-1-1-0{k}01", DAY - timedelta(days=60 - k), f"p{k}", "member", "card", "u-carer"
        )
        for k in range(2, 6)
    ]
    early = [card_use(d, "u-carer") for d in days(60, 54)]
    own = [card_use(d, "u-own") for d in days(53, 0)]
    cf = learn(carer + others + early + own)
    assert cf.taken() == {}
    # the same card uses without the carer's other flats: the early face was learned and
    # the holder's own cluster reads as a takeover (what the share of flat days prevents)
    assert learn(early + own).taken() == {UNIT: {"u-own"}}
    # a newcomer taking the card from the holder's own (later-learned) face still counts
    newcomer = [card_use(d, "u-new") for d in days(20, 0)]
    kept = [r for r in own if r.day < DAY - timedelta(days=20)]
    assert learn(carer + others + early + kept + newcomer).taken() == {UNIT: {"u-new"}}


def test_the_own_share_is_a_setting() -> None:
    from typing import Any

    from anju_platform.detect.clustering import Clusterer
    from anju_platform.detect.day_pass import EstatePass
    from anju_platform.detect.register import Register

    no_conn: Any = None
    settings = DetectSettings(card_face_own_share=0.3)
    estate_pass = EstatePass(no_conn, "e01", settings, Register("e01"), DAY, Clusterer(0.6))
    assert estate_pass.card_faces.own_share == 0.3


def test_a_learned_face_still_going_about_was_a_look_alike_not_the_holder() -> None:
    """Crowded faces (issue 18): a neighbour without a card tailgates home daily; their
    cluster took in the holder's first card uses and was learned as the card's face. Five
    weeks later the holder's own cluster forms and takes every card use: a 'takeover'.
    But the learned face is still seen at the entrance, tied to no flat, on most days
    since: a holder who lent the card would be gone. No takeover. Seen on a few days only
    (a look-alike of the gone holder now and then), the takeover stands."""
    rows = [card_use(d, "u-neighbour") for d in days(60, 28)]
    rows += [card_use(d, "u-own") for d in days(27, 0)]
    cf = learn(rows)
    assert cf.taken() == {UNIT: {"u-own"}}
    for d in days(60, 0):
        cf.add_about(d, ["u-neighbour", "u-someone"])
    assert cf.taken() == {}
    few = learn(rows)
    for k in (20, 9):
        few.add_about(DAY - timedelta(days=k), ["u-neighbour"])
    assert few.taken() == {UNIT: {"u-own"}}
    # the share is a setting; a card face nobody learned is not asked
    strict = learn(rows)
    strict.still_share = 1.1
    for d in days(60, 0):
        strict.add_about(d, ["u-neighbour"])
    assert strict.taken() == {UNIT: {"u-own"}}


def _faces(rng_seed: int, centre: np.ndarray, n: int, sigma: float = 0.026) -> np.ndarray:
    """n sightings of one face (128-d, noise as one person's: 0.34-0.51 apart)."""
    rng = np.random.default_rng(rng_seed)
    return (centre[None, :] + rng.normal(0.0, sigma, (n, 128))).astype(np.float32)


def test_the_holder_s_own_new_cluster_after_a_look_alike_s_is_no_takeover() -> None:
    # crowded faces (issue 18): the holder's first card uses went to a neighbour's
    # cluster (learned as the card's face) until one sighting started the holder's own
    # cluster, which then took every use: the faces that came with the card on the
    # learned face's days were the holder's, close to the new leader
    rng = np.random.default_rng(5)
    holder, neighbour = rng.normal(0, 0.06, 128), rng.normal(0, 0.06, 128)
    early = [card_use(d, "u-neighbour") for d in days(40, 28)]  # 13 days
    own = [card_use(d, "u-own") for d in days(27, 0)]
    cf = learn(early + own)
    assert cf.taken() == {UNIT: {"u-own"}}  # without the faces: a takeover, a false sublet
    before = [r.day for r in early]
    leader = _faces(1, holder, 1)[0]
    seen = _faces(2, holder, len(before))  # what the camera saw with the card then
    calls: list[tuple[str, str, list[date]]] = []

    def known(person: str, cluster: str, own_days: list[date]) -> bool:
        calls.append((person, cluster, own_days))
        return known_face(leader, own_days, before, seen, S.card_face_known_share,
                          S.card_face_known_days, S.card_face_known_distance)  # fmt: skip

    assert cf.taken(known=known) == {}
    assert calls == [("p1", "u-own", before)]
    # the trap it must not fall into: a subtenant taking the card over was not there
    # before; the holder's faces on those days are far from the subtenant's leader
    other = _faces(3, neighbour + rng.normal(0, 0.06, 128), 1)[0]

    def subtenant(person: str, cluster: str, own_days: list[date]) -> bool:
        return known_face(other, own_days, before, seen, S.card_face_known_share,
                          S.card_face_known_days, S.card_face_known_distance)  # fmt: skip

    assert cf.taken(known=subtenant) == {UNIT: {"u-own"}}


def test_a_holder_back_from_an_approved_trip_is_weighed_against_the_weeks_before_it() -> None:
    """Held-out crowded sparse 17: the holder's card uses went to look-alikes' clusters
    (one learned as the card's face) for two weeks, then she left on an approved festival
    trip of 27 days; back, her own face started a cluster of its own. The window before
    it held only 2 own-face days (the rest of it was the trip): too few to tell she was
    there before, so it read as a takeover and a false sublet. Without the trip's days,
    the window reaches the weeks she used the card before. Trap kept: a subtenant who
    takes the card over after the household's trip (cover for a sublet) was not there
    before, whatever the window."""
    rng = np.random.default_rng(11)
    holder, sub = rng.normal(0, 0.06, 128), rng.normal(0, 0.06, 128)
    trip = (DAY - timedelta(days=36), DAY - timedelta(days=10))
    own_days = [*days(50, 37), DAY - timedelta(days=8), DAY - timedelta(days=6)]  # 14 + 2
    seen = _faces(2, holder, len(own_days))  # the holder's faces with the card then
    args = (S.card_face_known_share, S.card_face_known_days, S.card_face_known_distance)
    mine, theirs = _faces(5, holder, 1)[0], _faces(6, sub, 1)[0]
    window = own_window(own_days, S, [trip])
    assert window == own_days
    assert known_face(mine, window, own_days, seen, *args)
    off = S.with_overrides({"card_face_known_skip_absences": False})
    assert own_window(own_days, off, [trip]) == own_days[-2:]
    assert not known_face(mine, own_window(own_days, off, [trip]), own_days, seen, *args)
    assert own_window(own_days, S, []) == own_days[-2:]  # no trip reported: as before
    assert not known_face(theirs, window, own_days, seen, *args)


def test_known_face_needs_a_share_of_the_own_days() -> None:
    rng = np.random.default_rng(8)
    holder, other = rng.normal(0, 0.06, 128), rng.normal(0, 0.06, 128)
    leader = _faces(1, holder, 1)[0]
    own_days = days(20, 11)  # 10 days
    # the holder's face on 3 of them, someone else's on the rest: a family sharing it
    faces = np.concatenate([_faces(2, holder, 3), _faces(4, other, 7)])
    args = (S.card_face_known_share, S.card_face_known_days, S.card_face_known_distance)
    assert not known_face(leader, own_days, own_days, faces, *args)
    faces = np.concatenate([_faces(2, holder, 6), _faces(4, other, 4)])
    assert known_face(leader, own_days, own_days, faces, *args)
    assert not known_face(leader, [], [], np.zeros((0, 128), np.float32), *args)


def test_a_look_alike_visitor_while_the_holder_is_home_is_not_someone_on_her_card() -> None:
    """Crowded cover 14: the holder lives alone, no face enrolled; a visitor who looks
    like her came on a pass on 2 of her 10 card days, on days her card came with her
    face too, and left again: two people in one cluster, not a stranger on her card."""
    card = [card_use(d, "u-own") for d in days(9, 0)]

    def visit(k: int, last_in: bool = False) -> Presence:
        return Presence(UNIT, DAY - timedelta(days=k), "u-own", "stranger", "visitor", "u-own",
                        last_in=last_in)  # fmt: skip

    rows = [*card, visit(7), visit(0)]
    w = summarise(rows, facts())
    assert len(w.member_days) == 10 and "u-own" not in w.stay_days
    assert daily.sublet(rows, facts(), DAY, S) is None
    # the trap: someone else on her card who also comes home on passes and stays
    stays = [*card, visit(7, last_in=True), visit(0, last_in=True)]
    assert not summarise(stays, facts()).member_days
    # ...or who needs a pass on the days the card is not with that face
    apart = [r for r in card if r.day not in days(7, 2, 5)] + [visit(7), visit(2)]
    assert not summarise(apart, facts()).member_days
