"""Issue 16 item 6 over a real database: a foreign face on the lease holder's card in a
sublet flat is sublet evidence, not a card/face mismatch alert of its own."""

from __future__ import annotations

import psycopg

from anju_platform.detect.engine import run_estate
from anju_sim.params import ViolationCounts, small_params
from anju_sim.portfolio import generate
from tests.detect.helpers import load_portfolio


def test_mismatch_on_sublet_flats_feeds_the_sublet_alert(pg_url: str) -> None:
    p = small_params(seed=8, days=60, flats=150)
    many = ViolationCounts(sublet=60, lend=30, card_face_mismatch=14)
    # subtenants always come with the holder's card (60% of their entries)
    p = p.model_copy(
        update={"violations": many, "world": p.world.model_copy(update={"occupant_card": 1.0})}
    )
    pf = generate(p)
    subs = {lab.unit_id for lab in pf.labels if lab.type in ("sublet", "lend")}
    lent = {lab.unit_id for lab in pf.labels if lab.type == "card_face_mismatch"}
    assert len(subs) >= 8 and lent
    with psycopg.connect(pg_url) as conn:
        load_portfolio(conn, pf)
        run_estate(conn, "e01")
        rows = conn.execute(
            "SELECT unit_id, type, reason_en FROM alerts WHERE opened_day IS NOT NULL"
            " AND coalesce(close_reason, '') NOT LIKE 'superseded%'"
        ).fetchall()
    mismatch = {u for u, t, _ in rows if t == "card_face_mismatch"}
    sublet = {u: r for u, t, r in rows if t == "sublet"}
    assert not (mismatch & subs), "a mismatch alert of its own on a sublet flat"
    assert any("not the holder's" in sublet[u] for u in subs & set(sublet))
    assert mismatch & lent  # a card lent now and then still opens alone
