"""Real-time rules, passage grouping, stranger clustering and the alert merge, on
in-memory values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from anju_platform.detect.alertbook import merge_policy
from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.merge import Live, Policy, decide, stale, with_day
from anju_platform.detect.model import Finding
from anju_platform.detect.passages import EventRow, Passage, passages
from anju_platform.detect.presence import Resolved
from anju_platform.detect.rules import realtime
from anju_platform.detect.settings import DetectSettings

S = DetectSettings()
T = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
CARD = "a" * 64


def acc(t: datetime, gw: str = "gw1", granted: bool = True, **kw: object) -> EventRow:
    return EventRow(t, f"id-{t.timestamp()}-{gw}", "access", gw, "in", "card", CARD,
                    granted=granted, **kw)  # type: ignore[arg-type]  # fmt: skip


def resolved(p: Passage, **kw: object) -> Resolved:
    return Resolved(p, DAY, False, **kw)  # type: ignore[arg-type]


def card_passage(t: datetime, gw: str = "gw1", granted: bool = True) -> Passage:
    a = acc(t, gw, granted)
    return Passage(gw, t, "in", access=a, event_ids=[a.event_id])


def test_passages_group_face_qr_door_and_skip_misreads() -> None:
    face = EventRow(T - timedelta(seconds=2), "f1", "face", "gw1", "in", embedding=np.zeros(128))
    misread = acc(T - timedelta(seconds=4), reason="invalid", granted=False)
    qr = EventRow(T - timedelta(seconds=1), "q1", "qr", "gw1", purpose="visitor_pass", unit_id="u1")
    door = acc(T)
    other = acc(T + timedelta(seconds=1), gw="gw2")
    got = passages([misread, face, qr, door, other], S.pair_window_s)
    assert len(got) == 2
    assert got[0].face is face and got[0].qr is qr and got[0].access is door
    assert got[1].access is other and got[1].face is None


def test_card_clone_two_entrances_within_minutes() -> None:
    first = realtime.CardUse(T, "gw1", "e1")
    r = resolved(card_passage(T + timedelta(seconds=90), "gw2"), owner="p1")
    f = realtime.card_clone(r, first, "u1", S)
    assert f is not None and f.type == "card_clone" and len(f.evidence) == 2
    same_door = resolved(card_passage(T + timedelta(seconds=90), "gw1"))
    assert realtime.card_clone(same_door, first, "u1", S) is None
    later = resolved(card_passage(T + timedelta(seconds=S.clone_window_s + 1), "gw2"))
    assert realtime.card_clone(later, first, "u1", S) is None


def test_card_after_moveout_and_evicted_reentry() -> None:
    p = card_passage(T, granted=False)
    f = realtime.after_moveout(resolved(p, owner="p1", cred_state="ended"), "u1")
    assert f is not None and f.type == "card_after_moveout" and f.score < 0.8
    current = resolved(p, owner="p1", cred_state="valid")  # still a member: nothing
    assert realtime.after_moveout(current, None) is None
    revoked = resolved(p, owner="p1", cred_state="revoked", former_unit="u1")
    assert realtime.after_moveout(revoked, "u1") is None
    e = realtime.evicted_reentry(revoked, "u1", evicted=True)
    assert e is not None and e.type == "evicted_reentry"
    assert realtime.evicted_reentry(revoked, "u1", evicted=False) is None  # moved out normally


def test_card_face_mismatch_but_not_a_recognition_miss() -> None:
    p = card_passage(T)
    f = realtime.face_mismatch(resolved(p, owner="p1", mismatch=0.9, foreign=True), "u1", S)
    assert f is not None and f.type == "card_face_mismatch" and f.score < 0.6
    assert realtime.face_mismatch(resolved(p, owner="p1", mismatch=0.45), "u1", S) is None


def test_clustering_is_stable_and_separates_people() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 0.06, 128), rng.normal(0, 0.06, 128) + 0.09
    sightings = [(a + rng.normal(0, 0.025, 128), f"{i:012x}{0:020x}") for i in range(1, 6)]
    sightings += [(b + rng.normal(0, 0.025, 128), f"{i + 100:012x}{0:020x}") for i in range(5)]

    def run(cl: Clusterer) -> list[str]:
        return [cl.assign("gw1", eid, T + timedelta(minutes=i), v.astype(np.float32))
                for i, (v, eid) in enumerate(sightings)]  # fmt: skip

    first = run(Clusterer(S.cluster_distance))
    assert len(set(first[:5])) == 1 and len(set(first[5:])) == 1 and first[0] != first[5]
    assert first[0] == "u-" + sightings[0][1][:12]
    again = Clusterer(S.cluster_distance)
    for cid, v in ((first[0], sightings[0][0]), (first[5], sightings[5][0])):
        again.add_leader(cid, "gw1", T, v.astype(np.float32))
    assert run(again) == first  # a re-run with stored leaders gives the same ids


def finding(score: float, day: date = DAY, typ: str = "card_face_mismatch") -> Finding:
    return Finding(typ, "u1", day, score, "r", "r")


def test_merge_watch_then_open_when_evidence_repeats() -> None:
    d = decide(None, finding(0.5), cooling=False)
    assert (d.action, d.status) == ("create", "watch")
    live = Live(1, "u1", "card_face_mismatch", "watch", 0.5, 1, DAY, DAY, frozenset({DAY}))
    again = decide(live, finding(0.5), cooling=False)
    assert again.action == "none"  # same day, same evidence: no storm
    second = DAY + timedelta(days=3)
    nxt = decide(live, finding(0.5, second), cooling=False)
    assert (nxt.action, nxt.status) == ("update", "watch") and nxt.score > 0.5
    live2 = Live(1, "u1", "card_face_mismatch", "watch", nxt.score, 1, DAY, second,
                 frozenset({DAY, second}))  # fmt: skip
    third = decide(live2, finding(0.5, second + timedelta(days=2)), cooling=False)
    assert (third.action, third.status) == ("update", "open")  # the third day opens it


def test_merge_cooldown_escalation_and_close() -> None:
    assert decide(None, finding(0.9, typ="sublet"), cooling=True).action == "none"
    live = Live(2, "u1", "vacancy_warning", "open", 0.4, 1, DAY, DAY, frozenset({DAY}))
    f = Finding("vacancy_warning", "u1", DAY + timedelta(days=60), 0.7, "r", "r", level=2)
    up = decide(live, f, cooling=False)
    assert (up.action, up.level) == ("update", 2)
    assert stale(live, DAY + timedelta(days=8)) and not stale(live, DAY + timedelta(days=3))
    acked = Live(3, "u1", "sublet", "acknowledged", 0.9, 1, DAY, DAY)
    assert not stale(acked, DAY + timedelta(days=90))  # a person is handling it


def _mismatch(day: date) -> Finding:
    return Finding("card_face_mismatch", "u1", day, 0.5, "en", "zh")


def _merged(days: list[date], policy: Policy) -> Live | None:
    live: Live | None = None
    for n, day in enumerate(days):
        d = decide(live, _mismatch(day), False, policy)
        if live is None:
            live = Live(n, "u1", "card_face_mismatch", d.status, d.score, d.level, day, day,
                        frozenset({day}))  # fmt: skip
        else:
            live = with_day(live, d, day)
    return live


def test_card_face_mismatch_opens_and_closes_as_its_settings_say() -> None:
    days = [DAY + timedelta(days=i) for i in range(4)]
    default = _merged(days[:3], merge_policy(S))
    assert default is not None and default.status == "open"  # the 3rd day (the default)
    assert _merged(days[:2], merge_policy(S)).status == "watch"  # type: ignore[union-attr]
    four = merge_policy(DetectSettings(mismatch_min_days=4, mismatch_window_days=10))
    late = _merged(days[:3], four)
    assert late is not None and late.status == "watch" and late.score >= 0.6
    assert _merged(days, four).status == "open"  # type: ignore[union-attr]
    assert not stale(default, DAY + timedelta(days=2 + 30), merge_policy(S))
    assert stale(default, DAY + timedelta(days=2 + 31), merge_policy(S))
    assert stale(default, DAY + timedelta(days=2 + 11), four)
    assert not stale(default, DAY + timedelta(days=2 + 10), four)
