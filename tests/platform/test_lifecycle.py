"""Personal data lifecycle over real HTTP and a real database: gateways upload face
snapshots, allowed roles view them (audited), a person is erased on request and proven
gone from every column of every table and from disk, strangers' snapshots expire, persons
long moved out are erased by the job, and the CLI asks before it erases."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import pytest
from platform_live import Live, live_server, seed_estate, seed_users
from psycopg import sql
from pydantic import SecretStr

from anju_common.events import FaceSighting, dump_event
from anju_ingest.decode import to_row
from anju_ingest.store import Store
from anju_platform.access import Principal, Role
from anju_platform.jobs import registered
from anju_platform.lifecycle import erase_moved_out, expire_strangers, sweep_erased
from anju_platform.settings import PlatformSettings
from anju_platform.settings_access import AuthSettings, FaceSettings
from anju_platform.workflow import erasure
from anju_platform.workflow.snapshots import (
    may_view_faces,
    snapshot_path,
    sniff,
    stranger_cutoff,
    upload_outcome,
)
from tests.pgservers import TestDatabases

NAME = "李秀英测"
DAY = date(2026, 11, 1)


# --- pure functions --------------------------------------------------------------------


def test_sniff_and_upload_outcome(faces_dir: Path) -> None:
    assert sniff((faces_dir / "obama" / "1.jpg").read_bytes()) == ("image/jpeg", ".jpg")
    assert sniff((faces_dir / "alex_lacamoire" / "3.png").read_bytes()) == ("image/png", ".png")
    assert sniff(b"GIF89a....") is None and sniff(b"") is None
    assert upload_outcome(None, "a") == "created"
    assert upload_outcome("a", "a") == "same"
    assert upload_outcome("a", "b") == "conflict"


def test_snapshot_path_is_estate_day_event() -> None:
    ev = uuid.UUID("12345678-1234-5678-1234-567812345678")
    t = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    local = t.astimezone(timezone(timedelta(hours=8)))  # 09:30 on the same day in China
    p = snapshot_path(Path("/s"), "E1", local, ev, ".jpg")
    assert p == Path(f"/s/E1/2026-11-02/{ev}.jpg")
    late = datetime(2026, 11, 2, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert snapshot_path(Path("/s"), "E1", late, ev, ".png").parent.name == "2026-11-03"  # UTC
    assert stranger_cutoff(t, 30) == t - timedelta(days=30)


def test_due_after_move_out() -> None:
    today = date(2026, 11, 22)
    old, recent = date(2025, 1, 1), date(2026, 10, 1)
    assert erasure.membership_end(None, None) is None
    assert erasure.membership_end(recent, old) == old
    assert erasure.due_after_move_out([(None, old)], today, 365)
    assert erasure.due_after_move_out([(old, None), (None, date(2025, 6, 1))], today, 365)
    assert not erasure.due_after_move_out([(old, None), (None, None)], today, 365)  # lives here
    assert not erasure.due_after_move_out([(recent, None)], today, 365)
    assert not erasure.due_after_move_out([(None, old)], today, 0)  # 0: off
    assert not erasure.due_after_move_out([], today, 365)  # never in a household


def test_anonymized_row_and_redaction() -> None:
    cols = [
        ("person_id", False),
        ("name", False),
        ("birth_year", True),
        ("gender", True),
        ("created_at", False),
        ("estate_id", True),
        ("phone", True),  # a column added later is cleared too
    ]
    assert erasure.anonymized(cols) == {
        "name": "已删除",
        "birth_year": None,
        "gender": None,
        "phone": None,
    }
    assert erasure.redactable_name(" 王芳 ") == "王芳"
    assert erasure.redactable_name("王") is None and erasure.redactable_name("已删除") is None
    assert erasure.replaced_ref("C1") == "erased:C1"
    assert erasure.cluster_ids(["ebb8994b-f1e6-43c9-93fd-ba810abb74fa"]) == ["u-ebb8994bf1e6"]


def test_files_to_remove_dedupes(tmp_path: Path) -> None:
    a = tmp_path / "a.img"
    files = [
        erasure.StoredFile(str(a), a),
        erasure.StoredFile(None, tmp_path / "b.jpg"),
        erasure.StoredFile(str(tmp_path / "old" / "c.img"), tmp_path / "c.img"),
    ]
    assert sorted(erasure.files_to_remove(files)) == sorted(
        [a, tmp_path / "b.jpg", tmp_path / "old" / "c.img", tmp_path / "c.img"]
    )


def test_may_view_faces() -> None:
    roles = [Role.ADMIN, Role.AUTHORITY, Role.MANAGER]
    mgr = Principal("m", "m", Role.MANAGER, estates=frozenset({"E1"}))
    insp = Principal(
        "i", "i", Role.INSPECTOR, grids=frozenset({"G1"}), grid_estates=frozenset({"E1"})
    )
    assert may_view_faces(Principal("a", "a", Role.AUTHORITY), roles, "E2")
    assert may_view_faces(mgr, roles, "E1") and not may_view_faces(mgr, roles, "E2")
    assert not may_view_faces(insp, roles, "E1")
    assert may_view_faces(insp, [*roles, Role.INSPECTOR], "E1")
    assert not may_view_faces(Principal("a", "a", Role.AUTHORITY), [Role.ADMIN], "E1")


def test_lifecycle_job_is_registered() -> None:
    assert "lifecycle" in {j.name for j in registered()}


# --- helpers ---------------------------------------------------------------------------


def _server(pg_url: str, tmp_path: Path, **overrides: object) -> Any:
    return live_server(
        pg_url,
        tmp_path,
        keep_enrollment_photos=True,
        snapshot_dir=tmp_path / "snapshots",
        jobs_enabled=False,
        **overrides,
    )


def _enroll(live: Live, person: str, photo: Path) -> str:
    with live.client("manager") as c:
        r = c.post(
            f"/api/v1/persons/{person}/enrollments",
            data={
                "estate_id": "E1",
                "consent_at": "2026-01-02T09:30:00+08:00",
                "consent_ref": "f1",
            },
            files={"photo": (photo.name, photo.read_bytes())},
        )
    assert r.status_code == 201, r.text
    eid: str = r.json()["enrollment_id"]
    return eid


def _gateway(live: Live, gw: str = "GW1") -> httpx.Client:
    with live.client("admin") as c:
        token = c.post(f"/api/v1/gateways/{gw}/token").json()["token"]
    return httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _put(
    gw: httpx.Client,
    event_id: str,
    data: bytes,
    taken_at: datetime,
    person: str | None = None,
    gateway: str = "GW1",
) -> httpx.Response:
    params = {"taken_at": taken_at.isoformat()}
    if person:
        params["person_id"] = person
    return gw.put(
        f"/api/v1/gateways/{gateway}/snapshots/{event_id}",
        params=params,
        content=data,
        headers={"Content-Type": "image/jpeg"},
    )


def _face(
    event_id: str, at: datetime, person: str | None, embedding: list[float] | None, ref: str | None
) -> FaceSighting:
    return FaceSighting(
        event_id=uuid.UUID(event_id),
        time=at,
        estate_id="E1",
        gateway_id="GW1",
        device_id="D1",
        track_id="t1",
        quality=0.9,
        person_id=person,
        embedding=embedding,
        snapshot_ref=ref,
    )


def _face_event(
    conn: psycopg.Connection,
    event_id: str,
    at: datetime,
    person: str | None,
    embedding: list[float] | None,
    ref: str | None,
) -> None:
    """Store a face event as ingest does: through its decoder's row and its Store."""
    ev = _face(event_id, at, person, embedding, ref)
    store = Store(conn.info.dsn)
    try:
        assert store.write([to_row(ev)], [], []) == 1
    finally:
        store.close()


def _legacy_face_event(
    conn: psycopg.Connection,
    event_id: str,
    at: datetime,
    person: str | None,
    embedding: list[float] | None,
    ref: str | None,
) -> None:
    """A face event as stored before migration 0010: face data inside the payload (and
    copied into event_faces by that migration, as the migration's own INSERT does)."""
    conn.execute("SELECT anju_ensure_partitions(%s::date, %s::date)", (at.date(), at.date()))
    ev = _face(event_id, at, person, embedding, ref)
    conn.execute(
        "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id, person_id,"
        " payload) VALUES (%s, %s, 'face', 'E1', 'GW1', 'D1', %s, %s)",
        (at, event_id, person, dump_event(ev).decode()),
    )
    conn.execute(
        "INSERT INTO event_faces (event_id, time, estate_id, person_id, embedding, snapshot_ref)"
        " SELECT event_id, time, estate_id, person_id, anju_f32le(payload->'embedding'),"
        " payload->>'snapshot_ref' FROM events WHERE event_id = %s",
        (event_id,),
    )
    conn.execute(
        "INSERT INTO anju_settings VALUES ('face_data_in_payload_until', now() + interval '1 day')"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    )


def _settings(tmp_path: Path) -> PlatformSettings:
    return PlatformSettings(
        auth=AuthSettings(secret_key=SecretStr("test-secret-key-0123456789")),
        faces=FaceSettings(photo_dir=tmp_path / "photos", snapshot_dir=tmp_path / "snapshots"),
    )


def _retention(settings: PlatformSettings, **days: int) -> PlatformSettings:
    shorter = settings.retention.model_copy(update=days)
    return settings.model_copy(update={"retention": shorter})


def _embedding(conn: psycopg.Connection, enrollment_id: str) -> list[float]:
    row = conn.execute(
        "SELECT embedding FROM face_enrollments WHERE enrollment_id = %s", (enrollment_id,)
    ).fetchone()
    assert row is not None
    return list(row[0])


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_NUM = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")


def _near(values: np.ndarray, sorted_emb: np.ndarray) -> int:
    """How many of `values` equal (within 1e-6) one of the embedding's values."""
    if not len(values):
        return 0
    i = np.clip(np.searchsorted(sorted_emb, values), 1, len(sorted_emb) - 1)
    d = np.minimum(np.abs(values - sorted_emb[i - 1]), np.abs(values - sorted_emb[i]))
    return int((d < 1e-6).sum())


def scan_database(
    db: str, texts: list[str], embedding: list[float], blobs: list[bytes]
) -> tuple[list[str], set[str]]:
    """Every text, varchar, json(b), array and bytea column of every table: where does
    one of `texts`, the embedding (>= 32 of its values in one field, as text or as
    float32 bytes) or one of `blobs` (raw, or by its SHA-256) appear? (hits, tables)."""
    emb = np.sort(np.asarray(embedding, dtype=np.float64))
    needles = [*texts, *(_sha(b) for b in blobs)]
    hits: list[str] = []
    with psycopg.connect(db) as conn:
        cols = conn.execute(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
            " AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb',"
            " 'ARRAY', 'bytea', 'USER-DEFINED') ORDER BY 1, 2"
        ).fetchall()
        tables = {c[0] for c in cols}
        for table, col, typ in cols:
            cast = sql.SQL("") if typ == "bytea" else sql.SQL("::text")
            q = sql.SQL("SELECT {c}{cast} FROM {t} WHERE {c} IS NOT NULL").format(
                c=sql.Identifier(col), t=sql.Identifier(table), cast=cast
            )
            for (v,) in conn.execute(q):
                where = f"{table}.{col}"
                if isinstance(v, bytes):
                    if any(n.encode() in v for n in needles) or any(
                        b[:64] in v or _sha(v) == _sha(b) for b in blobs
                    ):
                        hits.append(f"{where}: bytes")
                    as_f32 = len(v) % 4 == 0 and len(v) >= 128
                    if as_f32 and _near(np.frombuffer(v, "<f4").astype(np.float64), emb) >= 32:
                        hits.append(f"{where}: embedding (float32)")
                    v = v.decode("utf-8", "ignore")  # raw JSON messages, e.g. dead letters
                s = str(v)
                hits += [f"{where}: {n[:16]}" for n in needles if n in s]
                nums = np.asarray([float(x) for x in _NUM.findall(s)], dtype=np.float64)
                if _near(nums, emb) >= 32:
                    hits.append(f"{where}: embedding")
    return hits, tables


def files_with(root: Path, digests: set[str]) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and _sha(p.read_bytes()) in digests]


# --- erasure: one person with traces everywhere, erased once, checked test by test ----


@dataclass
class Erased:
    """What the scenario made and saw: the server (after the erasure), the person's own
    data (texts, embedding, image bytes) and another person's, and the scans' results."""

    live: Live
    root: Path  # the server's files: enrollment photos and snapshots
    e1: str  # snapshot events of the person
    e2: str
    e3: str  # one of the other person (P1)
    e4: str  # a stranger's
    other_ref: str
    other_enr: str
    other_emb: list[float]
    other_photo_path: str
    other_photo: bytes
    other_snap: bytes
    emb: list[float]
    texts: list[str]
    blobs: list[bytes]
    snapshot_codes: list[int]
    view_codes: dict[str, tuple[int, bool]]
    stored_before: list[str]
    before: list[str]
    tables: set[str]
    files_before: int
    response: httpx.Response

    @property
    def digests(self) -> set[str]:
        return {_sha(b) for b in self.blobs}


def _register_person(live: Live) -> None:
    with live.client("manager") as c:
        for path, body in (
            (
                "/api/v1/persons",
                {
                    "person_id": "PZ",
                    "name": NAME,
                    "birth_year": 1975,
                    "gender": "F",
                    "estate_id": "E1",
                },
            ),
            (
                "/api/v1/households/H1/members",
                {
                    "household_id": "H1",
                    "person_id": "PZ",
                    "role": "member",
                    "valid_from": "2025-03-01",
                },
            ),
            (
                "/api/v1/credentials",
                {
                    "credential_id": "CZ",
                    "estate_id": "E1",
                    "person_id": "PZ",
                    "type": "card",
                    "number": "99887766",
                    "valid_from": "2025-03-01T00:00:00Z",
                },
            ),
        ):
            r = c.post(path, json=body)
            assert r.status_code == 201, r.text


def _traces_in_database(
    conn: psycopg.Connection,
    refs: list[str],
    other_ref: str,
    emb: list[float],
    other_emb: list[float],
) -> None:
    """The person's face events, a detection cluster, an alert with evidence, a case
    visit, a notification and dead letters naming them (and the same of P1 beside)."""
    e1, e2 = (r.rsplit("/", 1)[1].removesuffix(".jpg") for r in refs)
    e3 = other_ref.rsplit("/", 1)[1].removesuffix(".jpg")
    t = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    _face_event(conn, e1, t, "PZ", emb, refs[0])
    _face_event(conn, e2, t + timedelta(hours=1), "PZ", emb, refs[1])
    _face_event(conn, e3, t + timedelta(hours=2), "P1", other_emb, other_ref)
    # a detection cluster whose leader came from the person's own event
    conn.execute(
        "INSERT INTO detect_clusters (cluster_id, estate_id, gateway_id, leader,"
        " first_seen, last_seen) VALUES (%s, 'E1', 'GW1', %s, %s, %s)",
        (erasure.cluster_ids([e2])[0], np.asarray(emb, "<f4").tobytes(), t, t),
    )
    # the unknown face that came with the person's card: detection's learned card face
    # (issue 18 item 4), its leader taken from an unknown face event (no person on it)
    conn.execute(
        "INSERT INTO detect_clusters (cluster_id, estate_id, gateway_id, leader,"
        " first_seen, last_seen) VALUES ('u-cardface0001', 'E1', 'GW1', %s, %s, %s)",
        (np.asarray(emb, "<f4").tobytes(), t, t),
    )
    conn.execute(
        "INSERT INTO detect_presence (estate_id, unit_id, day, identity, role, via,"
        " cluster_id, n, n_in, n_face, n_night, last_in, event_ids) VALUES ('E1', 'U1', %s,"
        " 'PZ', 'member', 'card', 'u-cardface0001', 1, 1, 1, 0, true, '{}')",
        (DAY,),
    )
    aid = conn.execute(
        "INSERT INTO alerts (estate_id, unit_id, grid_id, type, status, score, reason_en,"
        " reason_zh, first_day, last_day) VALUES ('E1', 'U1', 'G1', 'sublet', 'open', 0.8,"
        " 'stranger', %s, %s, %s) RETURNING alert_id",
        (f"{NAME}以外的人多次进入", DAY, DAY),
    ).fetchone()[0]  # type: ignore[index]
    for key, ev, ref in ((e1, e1, refs[0]), (e3, e3, other_ref)):
        conn.execute(
            "INSERT INTO alert_evidence (alert_id, key, at, day, kind, event_id,"
            " snapshot_ref, note) VALUES (%s, %s, %s, %s, 'face', %s, %s, 'face seen')",
            (aid, key, t, DAY, ev, ref),
        )
    case_id = conn.execute(
        "INSERT INTO cases (alert_id, estate_id, grid_id, due_at) VALUES"
        " (%s, 'E1', 'G1', now()) RETURNING case_id",
        (aid,),
    ).fetchone()[0]  # type: ignore[index]
    conn.execute(
        "INSERT INTO case_visits (case_id, inspector_id, visited_at, outcome, reason,"
        " notes) VALUES (%s, 'inspector', now(), 'not_confirmed', 'other', %s)",
        (case_id, f"{NAME}在家, Person 1 也在"),
    )
    conn.execute(
        "INSERT INTO notifications (kind, estate_id, body) VALUES ('x', 'E1', %s)",
        (json.dumps({"alert_id": aid, "note": f"见到{NAME}"}, ensure_ascii=False),),
    )
    for pid, e_ in (("PZ", emb), ("P1", other_emb)):  # messages ingest refused
        raw = json.dumps({"kind": "face", "person_id": pid, "embedding": e_, "x": 1})
        conn.execute(
            "INSERT INTO dead_letters (topic, reason, detail, payload, payload_size)"
            " VALUES ('anju/v1/E1/GW1/events/face', 'schema', 'extra field x', %s, %s)",
            (raw.encode(), len(raw)),
        )


@pytest.fixture(scope="module")
def erased(
    databases: TestDatabases, tmp_path_factory: pytest.TempPathFactory, faces_dir: Path
) -> Iterator[Erased]:
    """Person PZ registered, enrolled, photographed by a gateway and named in events,
    evidence, notes and dead letters (P1 and a stranger beside), scanned, then erased by
    a manager over HTTP; once per database server for this module's tests."""
    root = tmp_path_factory.mktemp("erasure")
    photo = (faces_dir / "obama" / "1.jpg").read_bytes()
    snap = (faces_dir / "obama" / "2.jpg").read_bytes()
    snap2 = (faces_dir / "obama" / "3.jpg").read_bytes()
    other_photo = (faces_dir / "biden" / "1.jpg").read_bytes()
    other_snap = (faces_dir / "biden" / "2.jpg").read_bytes()
    e1, e2, e3, e4 = (str(uuid.uuid4()) for _ in range(4))
    refs = [f"gw1/faces/{e1}.jpg", f"gw1/faces/{e2}.jpg"]
    other_ref = f"gw1/faces/{e3}.jpg"
    with databases.fresh() as pg_url, _server(pg_url, root) as live:
        _register_person(live)
        enr = _enroll(live, "PZ", faces_dir / "obama" / "1.jpg")
        other_enr = _enroll(live, "P1", faces_dir / "biden" / "1.jpg")
        at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
        with _gateway(live) as gw:
            first = _put(gw, e1, snap, at, "PZ")
            assert first.json()["stored"] is True and first.json()["person_id"] == "PZ"
            codes = [
                first.status_code,
                _put(gw, e1, snap, at, "PZ").status_code,  # a retry is fine
                _put(gw, e1, other_snap, at, "PZ").status_code,  # other bytes are not
                _put(gw, e2, snap2, at, "PZ").status_code,
                _put(gw, e3, other_snap, at, "P1").status_code,
                _put(gw, e4, other_snap, at).status_code,
            ]
        stored = sorted(p.name for p in (root / "snapshots" / "E1" / "2026-11-01").iterdir())
        views = {}
        for role in ("admin", "authority", "manager", "inspector"):
            with live.client(role) as c:
                r = c.get(f"/api/v1/snapshots/{e1}")
            views[role] = (r.status_code, r.content == snap)
        with psycopg.connect(live.db, autocommit=True) as conn:
            emb = _embedding(conn, enr)
            other_emb = _embedding(conn, other_enr)
            card_ref = conn.execute(
                "SELECT ref FROM credentials WHERE credential_id = 'CZ'"
            ).fetchone()
            assert card_ref is not None
            _traces_in_database(conn, refs, other_ref, emb, other_emb)
            other_photo_path = conn.execute(
                "SELECT photo_path FROM face_enrollments WHERE enrollment_id = %s", (other_enr,)
            ).fetchone()[0]  # type: ignore[index]
        texts = [NAME, *refs, card_ref[0]]
        blobs = [photo, snap, snap2]
        before, tables = scan_database(live.db, texts, emb, blobs)
        files_before = len(files_with(root, {_sha(b) for b in blobs}))
        with live.client("manager") as c:
            r = c.post(
                "/api/v1/persons/PZ/erase", json={"reason": "request", "note": "申请 2026-7"}
            )
        yield Erased(
            live=live,
            root=root,
            e1=e1,
            e2=e2,
            e3=e3,
            e4=e4,
            other_ref=other_ref,
            other_enr=other_enr,
            other_emb=other_emb,
            other_photo_path=other_photo_path,
            other_photo=other_photo,
            other_snap=other_snap,
            emb=emb,
            texts=texts,
            blobs=blobs,
            snapshot_codes=codes,
            view_codes=views,
            stored_before=stored,
            before=before,
            tables=tables,
            files_before=files_before,
            response=r,
        )


@pytest.mark.both_databases
def test_gateways_upload_snapshots_and_allowed_roles_view_them(erased: Erased) -> None:
    assert erased.snapshot_codes == [201, 200, 409, 201, 201, 201]
    assert erased.stored_before == sorted(
        f"{e}.jpg" for e in (erased.e1, erased.e2, erased.e3, erased.e4)
    )
    assert erased.view_codes == {
        "admin": (200, True),
        "authority": (200, True),
        "manager": (200, True),
        "inspector": (403, False),
    }


@pytest.mark.both_databases
def test_the_scan_finds_every_trace_before_the_erasure(erased: Erased) -> None:
    """The scan can fail: before the erasure it finds the person everywhere."""
    for expect in (
        "persons.name",
        "face_enrollments.embedding",
        "event_faces.embedding: embedding (float32)",
        "event_faces.snapshot_ref",
        "detect_clusters.leader: embedding (float32)",
        "alert_evidence.snapshot_ref",
        "face_snapshots.sha256",
        "case_visits.notes",
        "notifications.body",
        "credentials.ref",
        "alerts.reason_zh",
        "dead_letters.payload: embedding",
    ):
        assert any(h.startswith(expect) for h in erased.before), (expect, erased.before)
    assert {"events", "audit_log", "erasures", "face_snapshots"} <= erased.tables
    assert erased.files_before == 3  # photo kept, two snapshots


@pytest.mark.both_databases
def test_erasure_counts_what_it_removed(erased: Erased) -> None:
    r = erased.response
    assert r.status_code == 200, r.text
    counts = r.json()["counts"]
    assert r.json()["person_id"] == "PZ"
    assert {k: counts[k] for k in counts if counts[k]} == {
        "enrollments": 1,
        "face_credentials": 1,
        "enrollment_photos": 1,
        "snapshots": 2,
        "snapshot_files": 2,
        "events": 2,
        "evidence": 1,
        "clusters": 2,  # one from their face event, one that came with their card
        "credentials": 1,
        "dead_letters": 1,
        "texts": 4,  # alert reason, visit note, two notifications (one from the trigger)
        "person": 1,
    }


@pytest.mark.both_databases
def test_erasure_leaves_nothing_of_the_person(erased: Erased) -> None:
    after, _ = scan_database(erased.live.db, erased.texts, erased.emb, erased.blobs)
    assert after == [], after
    assert files_with(erased.root, erased.digests) == []
    with erased.live.client("admin") as c:
        assert c.get(f"/api/v1/snapshots/{erased.e1}").status_code == 404
        person = c.get("/api/v1/persons/PZ").json()
    assert person["name"] == "已删除" and person["birth_year"] is None
    assert person["gender"] is None and person["estate_id"] == "E1"


@pytest.mark.both_databases
def test_erasure_is_recorded_and_audited(erased: Erased) -> None:
    with erased.live.client("admin") as c:
        erasures = c.get("/api/v1/erasures").json()
        audit = c.get("/api/v1/audit", params={"target_type": "person", "target_id": "PZ"})
    assert [(e["person_id"], e["reason"], e["requested_by"]) for e in erasures] == [
        ("PZ", "request", "manager")
    ]
    assert erasures[0]["counts"] == erased.response.json()["counts"]
    erased_entries = [a for a in audit.json() if a["action"] == "erase"]
    assert [(a["actor_id"], a["detail"]["note"]) for a in erased_entries] == [
        ("manager", "申请 2026-7")
    ]
    with erased.live.client("manager") as c:
        assert c.get("/api/v1/erasures").status_code == 403


@pytest.mark.both_databases
def test_gateways_forget_the_erased_person(erased: Erased) -> None:
    snap = erased.blobs[1]
    at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    with _gateway(erased.live) as gw:
        gallery = gw.get("/api/v1/gateways/GW1/gallery").json()
        assert [g["person_id"] for g in gallery["people"]] == ["P1"]
        late = _put(gw, str(uuid.uuid4()), snap, at, "PZ")  # a gateway not yet refreshed
    assert late.status_code == 410, late.text
    assert files_with(erased.root, erased.digests) == []


@pytest.mark.both_databases
def test_a_face_event_arriving_after_the_erasure_is_swept(erased: Erased) -> None:
    t = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with psycopg.connect(erased.live.db, autocommit=True) as conn:
        late_ev = str(uuid.uuid4())
        _face_event(conn, late_ev, t, "PZ", erased.emb, "gw1/late.jpg")
        assert sweep_erased(conn) == 1 and sweep_erased(conn) == 0
        assert conn.execute(
            "SELECT count(*) FROM event_faces WHERE event_id = %s", (late_ev,)
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM events WHERE event_id = %s", (late_ev,)
        ).fetchone() == (1,)  # the door's record stays
        assert conn.execute(
            "SELECT count(*) FROM event_faces WHERE event_id = %s", (erased.e3,)
        ).fetchone() == (1,)  # not another person's


@pytest.mark.both_databases
def test_erasure_leaves_other_peoples_data_alone(erased: Erased) -> None:
    with psycopg.connect(erased.live.db) as conn:
        assert conn.execute("SELECT name FROM persons WHERE person_id = 'P1'").fetchone() == (
            "Person 1",
        )
        assert _embedding(conn, erased.other_enr) == erased.other_emb
        face = conn.execute(
            "SELECT snapshot_ref, length(embedding) FROM event_faces WHERE event_id = %s",
            (erased.e3,),
        ).fetchone()
        assert face == (erased.other_ref, 128 * 4)
        assert conn.execute(
            "SELECT snapshot_ref FROM alert_evidence WHERE event_id = %s", (erased.e3,)
        ).fetchone() == (erased.other_ref,)
        assert conn.execute(
            "SELECT count(*) FROM face_snapshots WHERE event_id = ANY(%s::uuid[])",
            ([erased.e3, erased.e4],),
        ).fetchone() == (2,)
        assert conn.execute(
            "SELECT count(*) FROM dead_letters WHERE payload IS NOT NULL"
        ).fetchone() == (1,)  # P1's
        assert conn.execute("SELECT notes FROM case_visits").fetchone() == (
            "已删除在家, Person 1 也在",
        )
        assert conn.execute(
            "SELECT valid_to IS NOT NULL, revoked_at IS NOT NULL, ref FROM credentials"
            " WHERE credential_id = 'CZ'"
        ).fetchone() == (True, True, "erased:CZ")
    assert Path(erased.other_photo_path).read_bytes() == erased.other_photo
    assert len(files_with(erased.root, {_sha(erased.other_snap)})) == 2  # e3 and e4


@pytest.mark.both_databases
def test_erasing_again_is_harmless(erased: Erased) -> None:
    """It finishes an interrupted erasure. Last: it erases again."""
    with erased.live.client("admin") as c:
        again = c.post("/api/v1/persons/PZ/erase", json={"reason": "request"})
    assert again.status_code == 200 and again.json()["counts"]["enrollments"] == 0


def test_erase_scope(live: Live) -> None:
    for role, person in (
        ("manager", "P2"),
        ("inspector", "P1"),
        ("authority", "P1"),
    ):
        with live.client(role) as c:
            r = c.post(f"/api/v1/persons/{person}/erase", json={"reason": "request"})
        assert r.status_code == 403, (role, r.text)
    with live.client("manager") as c:
        assert c.post("/api/v1/persons/nobody/erase", json={"reason": "request"}).status_code == 404
        assert c.post("/api/v1/persons/P1/erase", json={"reason": "why"}).status_code == 422
    with psycopg.connect(live.db) as conn:
        names = conn.execute("SELECT name FROM persons WHERE person_id IN ('P1', 'P2')").fetchall()
        assert sorted(names) == [("Person 1",), ("Person 2",)]
        assert conn.execute("SELECT count(*) FROM erasures").fetchone() == (0,)
    with live.client("admin") as c:
        r = c.post("/api/v1/persons/P2/erase", json={"reason": "request"})
    assert r.status_code == 200 and r.json()["counts"]["person"] == 1


# --- gateway uploads and viewing -------------------------------------------------------


def test_gateway_upload_rules(pg_url: str, tmp_path: Path, faces_dir: Path) -> None:
    png = (faces_dir / "alex_lacamoire" / "3.png").read_bytes()
    jpg = (faces_dir / "rose_leslie" / "1.jpg").read_bytes()
    at = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    ev = str(uuid.uuid4())
    limit = max(len(png), len(jpg)) + 10
    with _server(pg_url, tmp_path, max_upload_bytes=limit, face_view_roles=["admin"]) as live:
        with _gateway(live, "GW1") as gw1:
            assert _put(gw1, ev, jpg, at, gateway="GW2").status_code == 403  # not itself
            assert _put(gw1, ev, b"<html>not an image</html>", at).status_code == 415
            assert _put(gw1, ev, b"\xff\xd8\xff" + b"\0" * limit, at).status_code == 413
            assert _put(gw1, ev, jpg, at, person="nobody").status_code == 422
            r = _put(gw1, ev, jpg, at, person="P2")  # a person of estate E2 only
            assert r.status_code == 422 and "not a person of estate E1" in r.text
            r = gw1.put(f"/api/v1/gateways/GW1/snapshots/{ev}", content=jpg)  # no taken_at
            assert r.status_code == 422
            assert _put(gw1, "not-a-uuid", jpg, at).status_code == 422
            r = _put(gw1, ev, png, at)
            assert r.status_code == 201, r.text
            assert r.json()["person_id"] is None and r.json()["estate_id"] == "E1"
        assert (tmp_path / "snapshots" / "E1" / "2026-11-02" / f"{ev}.png").read_bytes() == png
        with _gateway(live, "GW2") as gw2:  # another estate's gateway cannot overwrite it
            assert _put(gw2, ev, png, at, gateway="GW2").status_code == 409
        with live.client("manager") as c:  # a user token is not a gateway token
            assert _put(c, str(uuid.uuid4()), jpg, at).status_code == 401
        with live.client() as anon:
            assert _put(anon, str(uuid.uuid4()), jpg, at).status_code == 401
        # face_view_roles=["admin"]: only admins see faces now
        with live.client("authority") as c:
            assert c.get(f"/api/v1/snapshots/{ev}").status_code == 403
        with live.client("manager") as c:
            assert c.get(f"/api/v1/snapshots/{ev}").status_code == 403
        with live.client("admin") as c:
            r = c.get(f"/api/v1/snapshots/{ev}")
            assert r.status_code == 200 and r.content == png
            assert r.headers["content-type"] == "image/png"
            assert c.get(f"/api/v1/snapshots/{uuid.uuid4()}").status_code == 404
            reads = c.get(
                "/api/v1/audit", params={"target_type": "face_snapshot", "action": "read"}
            ).json()
        assert [(a["actor_id"], a["target_id"]) for a in reads] == [("admin", ev)]


def test_manager_sees_only_their_estates_snapshots(
    pg_url: str, tmp_path: Path, faces_dir: Path
) -> None:
    jpg = (faces_dir / "kit_harington" / "1.jpg").read_bytes()
    at = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    ev1, ev2 = str(uuid.uuid4()), str(uuid.uuid4())
    with _server(pg_url, tmp_path) as live:
        with _gateway(live, "GW1") as gw1, _gateway(live, "GW2") as gw2:
            assert _put(gw1, ev1, jpg, at).status_code == 201
            assert _put(gw2, ev2, jpg, at, gateway="GW2").status_code == 201
        with live.client("manager") as c:
            assert c.get(f"/api/v1/snapshots/{ev1}").status_code == 200
            assert c.get(f"/api/v1/snapshots/{ev2}").status_code == 403
        assert (tmp_path / "snapshots" / "E2" / "2026-11-02" / f"{ev2}.jpg").exists()


# --- jobs ------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_stranger_snapshots_expire(pg_url: str, tmp_path: Path, faces_dir: Path) -> None:
    jpg = (faces_dir / "_unknown" / "lin_manuel_miranda.png").read_bytes()
    now = datetime.now(UTC)
    old, recent, known = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    old_at, recent_at = now - timedelta(days=40), now - timedelta(days=5)
    emb = [0.01 * i for i in range(128)]
    with _server(pg_url, tmp_path) as live:
        with _gateway(live) as gw:
            assert _put(gw, old, jpg, old_at).status_code == 201
            assert _put(gw, recent, jpg, recent_at).status_code == 201
            assert _put(gw, known, jpg, old_at, "P1").status_code == 201
        with psycopg.connect(live.db, autocommit=True) as conn:
            _face_event(conn, old, old_at, None, emb, f"ref-{old}")
            _face_event(conn, recent, recent_at, None, emb, f"ref-{recent}")
            aid = conn.execute(
                "INSERT INTO alerts (estate_id, unit_id, type, status, score, reason_en,"
                " reason_zh, first_day, last_day) VALUES ('E1', 'U1', 'sublet', 'open', 0.8,"
                " 'x', 'x', current_date, current_date) RETURNING alert_id"
            ).fetchone()[0]  # type: ignore[index]
            for ev, at in ((old, old_at), (recent, recent_at)):
                conn.execute(
                    "INSERT INTO alert_evidence (alert_id, key, at, day, kind, event_id,"
                    " snapshot_ref, note) VALUES (%s, %s, %s, %s, 'face', %s, %s, 'x')",
                    (aid, ev, at, at.date(), ev, f"ref-{ev}"),
                )
            assert expire_strangers(conn, live.settings) == 1
            assert expire_strangers(conn, live.settings) == 0
            left = conn.execute("SELECT event_id::text FROM face_snapshots").fetchall()
            assert sorted(r[0] for r in left) == sorted([recent, known])
            faces = {
                r[0]: r[1:]
                for r in conn.execute(
                    "SELECT event_id::text, snapshot_ref, length(embedding) FROM event_faces"
                    " WHERE event_id = ANY(%s::uuid[])",
                    ([old, recent],),
                )
            }
            assert faces == {old: (None, 512), recent: (f"ref-{recent}", 512)}
            ev_refs = dict(
                conn.execute("SELECT event_id::text, snapshot_ref FROM alert_evidence").fetchall()
            )
            assert ev_refs == {old: None, recent: f"ref-{recent}"}
        days = tmp_path / "snapshots" / "E1"
        files = {p.stem for p in days.rglob("*.png")}
        assert files == {recent, known}
        # a shorter retention takes the recent one too, never the known person's
        with psycopg.connect(live.db, autocommit=True) as conn:
            shorter = _retention(live.settings, stranger_snapshot_days=1)
            assert expire_strangers(conn, shorter) == 1
        assert {p.stem for p in days.rglob("*.png")} == {known}


@pytest.mark.both_databases
def test_erase_after_move_out_job(pg_url: str, tmp_path: Path) -> None:
    today = datetime.now(UTC).date()
    long_ago, lately = today - timedelta(days=800), today - timedelta(days=100)
    with _server(pg_url, tmp_path) as live, psycopg.connect(live.db, autocommit=True) as conn:

        def person(pid: str) -> None:
            conn.execute(
                "INSERT INTO persons (person_id, name, birth_year, estate_id) VALUES"
                " (%s, %s, 1970, 'E1')",
                (pid, f"姓名{pid}"),
            )

        def member(hid: str, pid: str, valid_to: date | None) -> None:
            conn.execute(
                "INSERT INTO household_members VALUES (%s, %s, 'member', %s, %s)",
                (hid, pid, long_ago - timedelta(days=400), valid_to),
            )

        conn.execute(
            "INSERT INTO households (household_id, unit_id, lease_start, move_in, move_out)"
            " VALUES ('HOLD', 'U1b', %s, %s, %s)",
            (long_ago - timedelta(days=500), long_ago - timedelta(days=500), long_ago),
        )
        for pid in ("PA", "PB", "PC", "PD", "PE"):
            person(pid)
        member("HOLD", "PA", None)  # the household moved out long ago: due
        member("H1", "PB", lately)  # left 100 days ago: not yet
        member("HOLD", "PC", None)  # moved out long ago, but lives in H1 now
        member("H1", "PC", None)
        member("HOLD", "PD", None)  # moved out long ago, but a current caregiver
        conn.execute(
            "INSERT INTO caregivers (caregiver_id, person_id, unit_id, valid_from)"
            " VALUES ('CGD', 'PD', 'U1', %s)",
            (lately,),
        )
        # PE was never in a household: nothing to measure from
        conn.execute(
            "INSERT INTO face_enrollments (enrollment_id, person_id, estate_id, embedding,"
            " consent_at, consent_ref) VALUES ('ENA', 'PA', 'E1',"
            " array_fill(0.25::real, ARRAY[128]), now(), 'c')"
        )
        off = _retention(live.settings, erase_after_move_out_days=0)
        assert erase_moved_out(conn, off) == []
        assert erase_moved_out(conn, live.settings) == ["PA"]
        assert erase_moved_out(conn, live.settings) == []  # done once
        rows = dict(conn.execute("SELECT person_id, name FROM persons").fetchall())
        assert rows["PA"] == "已删除"
        assert [rows[p] for p in ("PB", "PC", "PD", "PE")] == [
            "姓名PB",
            "姓名PC",
            "姓名PD",
            "姓名PE",
        ]
        assert conn.execute("SELECT count(*) FROM face_enrollments").fetchone() == (0,)
        assert conn.execute(
            "SELECT person_id, reason, requested_by, counts->>'enrollments' FROM erasures"
        ).fetchall() == [("PA", "after_move_out", "job:lifecycle", "1")]
        assert conn.execute(
            "SELECT actor_id FROM audit_log WHERE action = 'erase' AND target_id = 'PA'"
        ).fetchall() == [("job:lifecycle",)]
        # a shorter period catches the one who left 100 days ago
        shorter = _retention(live.settings, erase_after_move_out_days=30)
        assert erase_moved_out(conn, shorter) == ["PB"]


# --- CLI -------------------------------------------------------------------------------


@pytest.fixture
def seeded(pg_url: str) -> str:
    with psycopg.connect(pg_url) as conn:
        seed_estate(conn, 1)
        seed_users(conn)
    return pg_url


def test_cli_erase_asks_first(seeded: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANJU_")}
    env.update(
        DATABASE_URL=seeded,
        ANJU_PLATFORM_PHOTO_DIR=str(tmp_path / "photos"),
        ANJU_PLATFORM_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
    )
    cmd = [sys.executable, "-m", "anju_cli.main", "platform", "erase", "--person", "P1"]
    no = subprocess.run(cmd, env=env, input="n\n", capture_output=True, text=True, timeout=60)
    assert no.returncode == 1, no.stderr
    with psycopg.connect(seeded) as conn:
        assert conn.execute("SELECT name FROM persons WHERE person_id = 'P1'").fetchone() == (
            "Person 1",
        )
    yes = subprocess.run(
        [*cmd, "--reason", "request", "--yes"], env=env, capture_output=True, text=True, timeout=60
    )
    assert yes.returncode == 0, yes.stderr
    assert "erased" in yes.stderr
    with psycopg.connect(seeded) as conn:
        assert conn.execute("SELECT name FROM persons WHERE person_id = 'P1'").fetchone() == (
            "已删除",
        )
        assert conn.execute(
            "SELECT requested_by, reason FROM erasures WHERE person_id = 'P1'"
        ).fetchall() == [("cli", "request")]
        assert conn.execute(
            "SELECT ref FROM credentials WHERE credential_id = 'C1'"
        ).fetchone() == ("erased:C1",)
    missing = subprocess.run(
        [*cmd[:-1], "nobody", "--yes"], env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1 and "no such person" in missing.stderr


def test_snapshot_upload_racing_an_erasure_is_not_kept(
    pg_url: str, tmp_path: Path, faces_dir: Path
) -> None:
    """An upload whose first check ran before an erasure committed must not store the
    erased person's face afterwards (neither the row nor the file)."""
    import threading
    import time

    from anju_platform.lifecycle import erase_person

    jpg = (faces_dir / "kit_harington" / "1.jpg").read_bytes()
    at = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    ev = str(uuid.uuid4())
    with _server(pg_url, tmp_path) as live, _gateway(live, "GW1") as gw:
        got: list[httpx.Response] = []
        with psycopg.connect(pg_url, autocommit=True) as eraser:
            with eraser.transaction():  # the erasure runs, not committed yet
                erase_person(eraser, live.settings, "P1", "request", "admin")
                upload = threading.Thread(target=lambda: got.append(_put(gw, ev, jpg, at, "P1")))
                upload.start()
                time.sleep(1.5)  # the upload passed its first check and waits or stored
            upload.join(30)
        assert got and got[0].status_code == 410, got[0].text if got else "no response"
        with psycopg.connect(pg_url) as conn:
            n = conn.execute("SELECT count(*) FROM face_snapshots WHERE event_id = %s", (ev,))
            assert n.fetchone() == (0,)
        assert not files_with(tmp_path / "snapshots", {_sha(jpg)})


def test_erase_after_move_out_on_two_replicas_erases_once(pg_url: str, tmp_path: Path) -> None:
    """Two platform replicas run the lifecycle job at the same time: the second must not
    erase (and record) the person again after the first committed."""
    import threading
    import time

    long_ago = datetime.now(UTC).date() - timedelta(days=800)
    with _server(pg_url, tmp_path) as live, psycopg.connect(live.db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO persons (person_id, name, birth_year, estate_id)"
            " VALUES ('PA', '姓名PA', 1970, 'E1')"
        )
        conn.execute(
            "INSERT INTO households (household_id, unit_id, lease_start, move_in, move_out)"
            " VALUES ('HOLD', 'U1b', %s, %s, %s)",
            (long_ago - timedelta(days=500), long_ago - timedelta(days=500), long_ago),
        )
        conn.execute(
            "INSERT INTO household_members VALUES ('HOLD', 'PA', 'member', %s, NULL)",
            (long_ago - timedelta(days=400),),
        )
        second: list[list[str]] = []
        with psycopg.connect(live.db, autocommit=True) as other:
            with conn.transaction():  # replica 1 has erased PA, not committed yet
                assert erase_moved_out(conn, live.settings) == ["PA"]
                job = threading.Thread(
                    target=lambda: second.append(erase_moved_out(other, live.settings))
                )
                job.start()  # replica 2 read PA as a candidate and waits for the row
                time.sleep(1.5)
            job.join(30)
        assert second == [[]]
        assert conn.execute("SELECT count(*) FROM erasures").fetchone() == (1,)
        assert conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'erase' AND target_id = 'PA'"
        ).fetchone() == (1,)


@pytest.mark.both_databases
def test_erasure_redacts_the_name_only_in_the_persons_own_records(
    pg_url: str, tmp_path: Path
) -> None:
    """Issue 15 item 8: a person named like a word ("reason") is erased. Only the
    person's own records (alerts naming them or about their flat, and what hangs off
    those) are redacted, and only in values: other estates' and other flats' texts and
    every JSON key stay byte for byte."""
    from anju_platform.lifecycle import erase_person

    settings = _settings(tmp_path)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        seed_estate(conn, 1)
        seed_estate(conn, 2)
        conn.execute(
            "INSERT INTO persons (person_id, name, estate_id) VALUES ('PR', 'reason', 'E1')"
        )
        conn.execute(
            "INSERT INTO household_members VALUES ('H1', 'PR', 'member', '2025-01-01', NULL)"
        )

        def alert(estate: str, unit: str, typ: str, text: str, persons: list[str]) -> int:
            row = conn.execute(
                "INSERT INTO alerts (estate_id, unit_id, type, status, score, reason_en,"
                " reason_zh, first_day, last_day, persons) VALUES (%s, %s, %s, 'open', 0.8,"
                " %s, %s, %s, %s, %s) RETURNING alert_id",
                (estate, unit, typ, text, text, DAY, DAY, persons),
            ).fetchone()
            assert row is not None
            return int(row[0])

        own = alert("E1", "U1", "sublet", "reason seen at night", ["PR"])
        elsewhere = alert("E2", "U2", "sublet", "no reason given", [])
        other_flat = alert("E1", "U1b", "vacancy", "the reason is unclear", [])
        case_id = conn.execute(
            "INSERT INTO cases (alert_id, estate_id, grid_id, due_at) VALUES"
            " (%s, 'E2', 'G2', now()) RETURNING case_id",
            (elsewhere,),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO case_visits (case_id, inspector_id, visited_at, outcome, reason,"
            " notes) VALUES (%s, 'inspector', now(), 'not_confirmed', 'other', %s)",
            (case_id, "the reason: a caregiver"),
        )
        conn.execute("UPDATE absences SET note = 'reason: hospital' WHERE absence_id = 'A2'")

        def snapshot() -> dict[str, Any]:
            out: dict[str, Any] = {}
            for table, key in (
                ("alerts", "alert_id"),
                ("notifications", "notification_id"),
                ("case_visits", "visit_id"),
                ("absences", "absence_id"),
            ):
                for r in conn.execute(
                    sql.SQL("SELECT {k}::text, to_jsonb(t)::text FROM {t} t").format(
                        k=sql.Identifier(key), t=sql.Identifier(table)
                    )
                ):
                    out[f"{table}:{r[0]}"] = r[1]
            return out

        before = snapshot()
        notes = conn.execute(
            "SELECT notification_id, body->>'alert_id' FROM notifications"
        ).fetchall()
        assert {a for _, a in notes} == {str(own), str(elsewhere), str(other_flat)}
        erase_person(conn, settings, "PR", "request", "admin")
        after = snapshot()

        changed = {k for k in before if before[k] != after.get(k)}
        own_notes = {f"notifications:{n}" for n, a in notes if a == str(own)}
        assert changed == {f"alerts:{own}", *own_notes}, changed
        assert conn.execute(
            "SELECT reason_en, reason_zh FROM alerts WHERE alert_id = %s", (own,)
        ).fetchone() == ("已删除 seen at night", "已删除 seen at night")
        for (body,) in conn.execute(
            "SELECT body FROM notifications WHERE body->>'alert_id' = %s", (str(own),)
        ):  # keys untouched, values redacted
            assert {"reason_en", "reason_zh"} <= set(body)
            assert body["reason_en"] == "已删除 seen at night"
        for (body,) in conn.execute(
            "SELECT body FROM notifications WHERE body->>'alert_id' <> %s", (str(own),)
        ):
            assert {"reason_en", "reason_zh"} <= set(body) and "已删除" not in json.dumps(body)


def _events(days: list[date], per_day: int, estates: tuple[str, ...]) -> list[Any]:
    """Door and face events of several estates, a few thousand a day."""
    from anju_common.events import AccessEvent

    out: list[Any] = []
    for d in days:
        t0 = datetime.combine(d, datetime.min.time(), UTC)
        for i in range(per_day):
            at = t0 + timedelta(seconds=i * 86400 // per_day)
            estate = estates[i % len(estates)]
            common = {"event_id": uuid.uuid4(), "time": at, "estate_id": estate}
            if i % 3:
                out.append(
                    AccessEvent(
                        **common, gateway_id="GW1", device_id="D1", door_id="N1",
                        direction="in", credential_type="card", credential_ref="a" * 64,
                        granted=True,
                    )
                )  # fmt: skip
            else:  # a stranger's face, with its embedding and snapshot
                vec = [float(np.sin(i + j)) for j in range(128)]
                out.append(
                    _face(str(common["event_id"]), at, None, vec, f"s/{i}.jpg").model_copy(
                        update={"estate_id": estate}
                    )
                )
    return out


@pytest.mark.both_databases
def test_erasure_and_lifecycle_job_on_compressed_history(
    pg_url: str, tmp_path: Path, faces_dir: Path
) -> None:
    """Issue 20: on TimescaleDB with every chunk compressed, the hourly lifecycle job and
    an erasure touch no event: the job succeeds (it failed with "tuple decompression
    limit exceeded", even with no erasure on record), the events' storage does not grow
    (each run used to decompress history), and nothing of the person remains."""
    from anju_common.migrate import has_timescale
    from anju_platform.lifecycle import erase_person, lifecycle_job

    today = datetime.now(UTC).date()
    days = [today - timedelta(days=k) for k in range(14, 8, -1)]
    store = Store(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        seed_estate(conn, 1)
        seed_estate(conn, 2)
        conn.execute(
            "INSERT INTO persons (person_id, name, estate_id) VALUES ('PZ', %s, 'E1')", (NAME,)
        )
        conn.execute(
            "INSERT INTO household_members VALUES ('H1', 'PZ', 'member', '2025-01-01', NULL)"
        )
        other = _events(days, 3000, ("E1", "E2"))
        emb = [float(np.cos(j)) for j in range(128)]
        mine = [
            _face(str(uuid.uuid4()), datetime.combine(d, datetime.min.time(), UTC)
                  + timedelta(hours=9), "PZ", emb, f"gw1/pz-{d}.jpg")
            for d in days
        ]  # fmt: skip
        evs = sorted([*other, *mine], key=lambda e: e.time)
        for i in range(0, len(evs), 2000):
            part = evs[i : i + 2000]
            store.write([to_row(e) for e in part], [], [])
        store.close()
        timescale = has_timescale(conn)
        if timescale:
            conn.execute("SELECT compress_chunk(c) FROM show_chunks('events') c")
            # the default cap; set here so an UPDATE of history fails as in production
            conn.execute("SET timescaledb.max_tuples_decompressed_per_dml_transaction = 100000")
            compressed = conn.execute(
                "SELECT count(*) FROM timescaledb_information.chunks"
                " WHERE hypertable_name = 'events' AND NOT is_compressed"
            ).fetchone()
            assert compressed == (0,)

        def events_bytes() -> int:
            q = (
                "SELECT total_bytes FROM hypertable_detailed_size('events')"
                if timescale
                else "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
                " WHERE inhparent = 'events'::regclass"
            )
            row = conn.execute(q).fetchone()
            assert row is not None
            return int(row[0])

        settings = _settings(tmp_path)
        size0 = events_bytes()
        lifecycle_job(conn, settings)  # no erasure on record yet
        assert events_bytes() == size0
        texts = [NAME, *(m.snapshot_ref for m in mine if m.snapshot_ref)]
        before, _ = scan_database(pg_url, texts, emb, [])
        assert any(": embedding" in h for h in before), before  # the scan finds it
        counts = erase_person(conn, settings, "PZ", "request", "admin")
        assert counts["events"] == len(days)
        lifecycle_job(conn, settings)
        assert events_bytes() == size0
        after, _ = scan_database(pg_url, texts, emb, [])
        assert after == [], after
        n = conn.execute("SELECT count(*) FROM events").fetchone()
        assert n == (len(evs),)  # the doors' records stay
        left = conn.execute("SELECT count(*) FROM event_faces").fetchone()
        assert left == (sum(e.kind == "face" for e in other),)  # strangers' stay
