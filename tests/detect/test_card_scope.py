"""Issue 16 item 5: card keys scoped to the housing authority (cards issued city-wide)
make one card one hash at every estate, and card_clone compares across estates."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb
from test_realtime_merge import DAY, S, T, card_passage, resolved

from anju_common import settings as common_settings
from anju_common.cardhash import card_hash, scoped_card_key
from anju_ingest.decode import ROW_COLUMNS
from anju_platform.cards import hash_number
from anju_platform.detect.engine import run_estates
from anju_platform.detect.passages import Passage
from anju_platform.detect.realtime_loop import RealtimeState, run_realtime
from anju_platform.detect.rules import realtime
from anju_sim.params import SimParams, with_world
from anju_sim.portfolio import generate
from tests.detect.helpers import load_portfolio


@pytest.fixture
def authority(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ANJU_CARD_KEY_SCOPE", "authority")
    common_settings.card_key_scope.cache_clear()
    yield
    monkeypatch.delenv("ANJU_CARD_KEY_SCOPE")
    common_settings.card_key_scope.cache_clear()


def test_key_scope_estate_or_authority() -> None:
    m = b"master"
    assert scoped_card_key(m, "e01") != scoped_card_key(m, "e02")
    assert scoped_card_key(m, "e01", "authority") == scoped_card_key(m, "e02", "authority")
    assert card_hash(scoped_card_key(m, "e01", "authority"), "0012345") == card_hash(
        scoped_card_key(m, "e09", "authority"), "12345"
    )
    with pytest.raises(ValueError, match="estate, authority"):
        scoped_card_key(m, "e01", "city")


def test_platform_hashes_under_the_configured_scope(authority: None) -> None:
    assert hash_number(b"m", "e01", "777") == hash_number(b"m", "e02", "777")


def test_clone_elsewhere_before_or_after_within_the_window() -> None:
    here = resolved(card_passage(T, "gw-e01-01-1"), owner="p1")
    later = realtime.CardUse(T + timedelta(seconds=120), "gw-e02-03-1", "x2")
    f = realtime.clone_elsewhere(here, [later], "e01-1-1-0101", S)
    assert f is not None and f.type == "card_clone" and f.unit_id == "e01-1-1-0101"
    assert [e.code for e in f.evidence] == ["clone_second", "clone_first"]
    assert "gw-e02-03-1" in f.reason_en and "120 s" in f.reason_en
    earlier = realtime.CardUse(T - timedelta(seconds=60), "gw-e02-03-1", "x1")
    f = realtime.clone_elsewhere(here, [earlier], "e01-1-1-0101", S)
    assert f is not None and [e.code for e in f.evidence] == ["clone_first", "clone_second"]


def test_holder_at_another_estate_hours_later_is_no_clone() -> None:
    # trap: the tenant visits their mother at another estate in the afternoon
    here = resolved(card_passage(T, "gw-e01-01-1"), owner="p1")
    visit = realtime.CardUse(T + timedelta(hours=5), "gw-e02-03-1", "x2")
    assert realtime.clone_elsewhere(here, [visit], "e01-1-1-0101", S) is None
    denied = resolved(card_passage(T, "gw-e01-01-1", granted=False), owner="p1")
    near = realtime.CardUse(T + timedelta(seconds=30), "gw-e02-03-1", "x3")
    assert realtime.clone_elsewhere(denied, [near], "e01-1-1-0101", S) is None
    assert isinstance(here.passage, Passage) and DAY


def test_clones_at_other_estates_are_found(pg_url: str, authority: None) -> None:
    p = SimParams(seed=5, days=20, offices=[60, 50, 40], estates_per_office=[1, 1, 1])
    p = p.model_copy(update={"violations": p.violations.model_copy(update={"card_clone": 20})})
    p = with_world(p, "citywide")
    p = p.model_copy(update={"world": p.world.model_copy(update={"clone_other_estate": 1.0})})
    pf = generate(p)
    far = [lab for lab in pf.labels if lab.type == "card_clone" and "gw-e" in (lab.note or "")]
    far = [lab for lab in far if f"gw-{lab.estate_id}" not in (lab.note or "")]
    assert far, "clones used at another estate"
    with psycopg.connect(pg_url) as conn:
        load_portfolio(conn, pf)
        run_estates(pg_url, sorted({e.estate_id for e in pf.register.estates}), workers=1)
        got = {
            u
            for (u,) in conn.execute(
                "SELECT unit_id FROM alerts WHERE type = 'card_clone' AND opened_day IS NOT NULL"
            )
        }
        assert {lab.unit_id for lab in far} <= got

        # the real-time loop: a use copied to another estate's door a minute later
        row = conn.execute(
            "SELECT e.time, e.estate_id, e.credential_ref, e.payload, g.gateway_id, g.estate_id"
            " FROM events e JOIN gateways g ON g.estate_id <> e.estate_id"
            " WHERE e.kind = 'access' AND e.credential_type = 'card' AND e.granted"
            " AND e.credential_ref IN (SELECT ref FROM credentials WHERE type = 'card'"
            " AND valid_to IS NULL AND revoked_at IS NULL)"
            " ORDER BY e.time DESC, e.event_id, g.gateway_id LIMIT 1"
        ).fetchone()
        assert row is not None
        t, home, ref, payload, gw, other = row
        conn.execute("DELETE FROM alerts WHERE type = 'card_clone'")
        # the bulk load happened seconds ago: as if ingested earlier, so the loop's
        # read-back overlap (5 s) does not bring it all back in one poll
        conn.execute("UPDATE events SET received_at = received_at - interval '1 hour'")
        st = RealtimeState(mark=datetime.now(UTC))
        eid = str(uuid.uuid4())
        at = t + timedelta(seconds=60)
        new = dict(payload, event_id=eid, gateway_id=gw, estate_id=other, time=at.isoformat())
        conn.execute(
            f"INSERT INTO events ({ROW_COLUMNS}) VALUES (%s, %s, 'access', %s, %s, %s, NULL, 'in',"
            " 'card', %s, NULL, true, %s)",
            (at, eid, other, gw, gw + "door", ref, Jsonb(new)),
        )
        hit: list[tuple[str, str]] = []
        deadline = time.monotonic() + 5  # the platform's loop polls every second
        while not hit and time.monotonic() < deadline:
            run_realtime(conn, st)
            hit = conn.execute(
                "SELECT a.estate_id, a.type FROM alert_evidence v JOIN alerts a"
                " USING (alert_id) WHERE v.event_id = %s",
                (eid,),
            ).fetchall()
        assert hit == [(home, "card_clone")]


def test_keys_card_prints_one_key_for_the_authority(
    authority: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from anju_cli.main import app

    monkeypatch.setenv("ANJU_CARD_KEY_SECRET", "s3cret")
    keys = [
        CliRunner().invoke(app, ["keys", "card", "--estate", e]).output.strip()
        for e in ("e01", "e02")
    ]
    assert len(keys[0]) == 64 and keys[0] == keys[1]
