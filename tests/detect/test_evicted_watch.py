"""Issue 16 item 4: eviction is an explicit end reason in the register; evicted persons'
enrolments stay on a watch list for a configured period and unknown faces are compared
with it on the platform, so a return by tailgating is evicted_reentry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import psycopg

from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.engine import run_estate
from anju_platform.detect.passages import EventRow, Passage
from anju_platform.detect.presence import Resolver
from anju_platform.detect.register import Household, Membership, Register
from anju_platform.detect.rules.realtime import realtime_findings
from anju_platform.detect.settings import DetectSettings
from anju_sim.params import ViolationCounts, small_params, with_world
from anju_sim.portfolio import generate
from tests.detect.helpers import load_portfolio

S = DetectSettings()
LEFT = date(2026, 3, 1)
T = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)  # 10:00 local, 19 days after the eviction


def _register(reason: str | None, revoked: bool = True) -> tuple[Register, np.ndarray]:
    rng = np.random.default_rng(1)
    enrol = (rng.normal(size=128) * 0.06).astype(np.float32)
    reg = Register("e01", units={"u1": "g1", "u2": "g1"})
    reg.households = {
        "h1": Household("h1", "u1", date(2020, 1, 1), LEFT, reason),
        "h2": Household("h2", "u2", date(2020, 1, 1), None),
    }
    reg.memberships = {"p1": [Membership("h1", "u1", date(2020, 1, 1), LEFT)]}
    reg.enrollments = {"p1": enrol}
    if revoked:
        from anju_platform.detect.register import Cred

        end = datetime(2026, 3, 1, tzinfo=UTC)
        reg.creds = {("card", "c1"): [Cred("p1", datetime(2020, 1, 1, tzinfo=UTC), end, end)]}
    reg.index()
    return reg, enrol


def _face_at_door(emb: np.ndarray, t: datetime = T) -> Passage:
    """Followed someone in: a face, no credential."""
    face = EventRow(t, "f1", "face", "gw1", "in", embedding=emb)
    return Passage("gw1", t, "in", face=face, event_ids=["f1"])


def _resolver(reg: Register) -> Resolver:
    return Resolver(
        reg, Clusterer(0.6), timedelta(hours=8), 0.6,
        watch_days=S.evicted_watch_days, watch_distance=S.evicted_match_distance,
    )  # fmt: skip


def _near(enrol: np.ndarray, dist: float) -> np.ndarray:
    d = np.random.default_rng(2).normal(size=128).astype(np.float32)
    return enrol + d / np.linalg.norm(d) * dist


def test_evicted_face_following_someone_in_is_evicted_reentry() -> None:
    reg, enrol = _register("evicted")
    r = _resolver(reg).resolve(_face_at_door(_near(enrol, 0.45)))
    assert r.face_person == "p1" and r.former_unit == "u1"
    found = realtime_findings([r], reg, S, {})
    assert [(f.type, f.unit_id) for f in found] == [("evicted_reentry", "u1")]


def test_a_stranger_who_looks_alike_is_not_them() -> None:
    reg, enrol = _register("evicted")
    r = _resolver(reg).resolve(_face_at_door(_near(enrol, 0.72)))
    assert r.face_person is None and realtime_findings([r], reg, S, {}) == []


def test_ordinary_move_out_is_not_watched_even_with_cards_revoked() -> None:
    # trap: the household moved out normally and the office revoked the cards anyway
    reg, enrol = _register("moved_out", revoked=True)
    assert not reg.evicted("p1")
    r = _resolver(reg).resolve(_face_at_door(_near(enrol, 0.45)))
    assert r.face_person is None and realtime_findings([r], reg, S, {}) == []


def test_watch_ends_after_the_configured_period() -> None:
    reg, enrol = _register("evicted")
    late = LEFT + timedelta(days=S.evicted_watch_days + 1)
    at = datetime(late.year, late.month, late.day, 2, tzinfo=UTC)
    r = _resolver(reg).resolve(_face_at_door(_near(enrol, 0.45), at))
    assert r.face_person is None
    off = Resolver(reg, Clusterer(0.6), timedelta(hours=8), 0.6, watch_days=0)
    assert off.resolve(_face_at_door(_near(enrol, 0.45))).face_person is None


def test_register_without_end_reasons_falls_back_to_revoked_cards() -> None:
    reg, _ = _register(None, revoked=True)
    assert reg.evicted("p1")
    reg, _ = _register("evicted", revoked=False)
    assert reg.evicted("p1")


def test_evicted_returning_by_tailgating_are_found(pg_url: str) -> None:
    p = with_world(small_params(seed=6, days=60, flats=200), "tailgate")
    p = p.model_copy(
        update={
            "violations": ViolationCounts(evicted_reentry=25),
            "world": p.world.model_copy(update={"evicted_card_attempt": 0.0}),
        }
    )
    pf = generate(p)
    want = {lab.unit_id for lab in pf.labels if lab.type == "evicted_reentry"}
    assert len(want) >= 3
    with psycopg.connect(pg_url) as conn:
        load_portfolio(conn, pf)
        run_estate(conn, "e01")
        got = {
            u
            for (u,) in conn.execute(
                "SELECT unit_id FROM alerts WHERE type = 'evicted_reentry'"
                " AND opened_day IS NOT NULL"
            )
        }
        reasons = dict(conn.execute("SELECT household_id, end_reason FROM households").fetchall())
    assert want <= got
    assert {reasons[lab.household_id] for lab in pf.labels if lab.type == "evicted_reentry"} == {
        "evicted"
    }
