"""events.payload holds only what no column holds (issue 20 item 2), and every reader
still gets the whole event back: on plain PostgreSQL and on TimescaleDB."""

from __future__ import annotations

import uuid
from datetime import timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from anju_common.events import (
    AccessEvent,
    AnyEvent,
    CredentialType,
    DenyReason,
    Direction,
    FaceSighting,
    QrPurpose,
    QrResult,
    QrScan,
)
from anju_ingest.decode import to_row
from anju_ingest.store import Store

from .helpers import ESTATE, GATEWAY, register_gateway, sample_events

pytestmark = pytest.mark.both_databases

# what the columns of `events` hold, per kind (also a QR scan's pass_id: credential_ref)
IN_COLUMNS = {"schema_version", "event_id", "time", "kind", "estate_id", "gateway_id"}
IN_COLUMNS |= {"device_id", "door_id", "direction", "credential_type", "credential_ref"}
IN_COLUMNS |= {"granted", "person_id", "pass_id", "embedding", "snapshot_ref"}


def _events() -> list[AnyEvent]:
    """Every kind, and the variants whose fields land in other places: a denied access
    with a reason, a face credential, a matched face, a QR patrol checkpoint."""
    out = sample_events(10)
    t = out[-1].time
    common = {"estate_id": ESTATE, "gateway_id": GATEWAY}
    out += [
        AccessEvent(
            **common, event_id=uuid.uuid4(), time=t + timedelta(seconds=1), device_id="door-a",
            door_id="b1-e1", direction=Direction.OUT, credential_type=CredentialType.CARD,
            credential_ref="ab" * 32, granted=False, reason=DenyReason.EXPIRED,
        ),
        AccessEvent(
            **common, event_id=uuid.uuid4(), time=t + timedelta(seconds=2), device_id="door-a",
            door_id="b1-e1", direction=Direction.IN, credential_type=CredentialType.FACE,
            credential_ref="p001", granted=True,
        ),
        FaceSighting(
            **common, event_id=uuid.uuid4(), time=t + timedelta(seconds=3), device_id="cam-1",
            track_id="t9", person_id="p001", distance=0.3, quality=0.9, direction=Direction.IN,
        ),
        QrScan(
            **common, event_id=uuid.uuid4(), time=t + timedelta(seconds=4), device_id="qr-1",
            purpose=QrPurpose.PATROL_CHECKPOINT, result=QrResult.VALID, pass_id="n1",
            checkpoint_id="cp-3", token="tok",
        ),
    ]  # fmt: skip
    return out


def _store(url: str, events: list[AnyEvent]) -> None:
    register_gateway(url)
    store = Store(url)
    try:
        assert store.write([to_row(e) for e in events], [], []) == len(events)
    finally:
        store.close()


def test_payload_keeps_only_what_no_column_holds(pg_url: str) -> None:
    """Failed before: every payload was the whole message (event_id, time, estate,
    gateway, device, door, credential...), about half of its bytes repeating columns."""
    events = _events()
    _store(pg_url, events)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT event_id::text, kind, payload FROM events").fetchall()
        # what the SQL readers (detection, live stream, patrols, dashboards) take from it
        readers = conn.execute(
            "SELECT payload->>'reason', payload->>'purpose', payload->>'result',"
            " payload->>'unit_id', payload->>'checkpoint_id', credential_ref"
            " FROM events WHERE kind IN ('access', 'qr') ORDER BY time"
        ).fetchall()
    assert len(rows) == len(events)
    for _eid, kind, payload in rows:
        assert not set(payload) & IN_COLUMNS, (kind, payload)
    granted_card = next(p for _, k, p in rows if k == "access" and not p)
    assert granted_card == {}
    expected = []
    for e in sorted(events, key=lambda e: e.time):
        if isinstance(e, AccessEvent):
            reason = e.reason.value if e.reason else None
            expected.append((reason, None, None, None, None, e.credential_ref))
        elif isinstance(e, QrScan):
            expected.append(
                (None, e.purpose.value, e.result.value, e.unit_id, e.checkpoint_id, e.pass_id)
            )
    assert readers == expected


def _same(stored: AnyEvent, sent: AnyEvent) -> None:
    """Equal, the embedding at float32 precision (as event_faces keeps it)."""
    if isinstance(sent, FaceSighting) and sent.embedding is not None:
        assert isinstance(stored, FaceSighting) and stored.embedding is not None
        assert stored.embedding == pytest.approx(sent.embedding, abs=1e-6)
        stored = stored.model_copy(update={"embedding": sent.embedding})
    assert stored == sent


def test_whole_event_rebuilt_from_row_payload_and_face_data(pg_url: str) -> None:
    """event_from_stored (the contract's one place) gives back every stored event, and
    the export (`anju sim export`) writes them whole, face data included."""
    from anju_common.events import event_from_stored, parse_event
    from anju_sim.dbload import iter_stored_events

    events = _events()
    _store(pg_url, events)
    by_id = {e.event_id: e for e in events}
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT e.*, f.embedding AS face_embedding, f.snapshot_ref FROM events e"
            " LEFT JOIN event_faces f USING (event_id, time)"
        ).fetchall()
        exported = [parse_event(b) for b in iter_stored_events(conn, estate=ESTATE)]
    assert len(rows) == len(events)
    for r in rows:
        face = {"embedding": r["face_embedding"], "snapshot_ref": r["snapshot_ref"]}
        _same(event_from_stored(r, r["payload"], face), by_id[r["event_id"]])
    door_events = [e for e in events if e.kind in ("access", "face", "qr")]
    assert len(exported) == len(door_events)
    for got in exported:
        _same(got, by_id[got.event_id])
