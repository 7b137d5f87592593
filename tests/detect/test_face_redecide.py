"""A stored face match is re-decided with the estate's latest calibration (issue 18):
a gateway that matched a stranger to a resident at the old fixed 0.6 no longer makes
that resident present once the estate is calibrated. Real photos, real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg
from pydantic import SecretStr

from anju_common.events import embedding_bytes
from anju_platform.detect import repo
from anju_platform.detect.clustering import Clusterer
from anju_platform.detect.passages import passages
from anju_platform.detect.presence import Resolver
from anju_platform.facecalibration import calibrate_estate
from anju_platform.settings import PlatformSettings
from anju_platform.settings_access import AuthSettings
from tests.edge.realfaces import japanese

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def face_event(conn: psycopg.Connection, t: datetime, person: str, emb: np.ndarray) -> None:
    eid = uuid.uuid4()
    conn.execute(
        "INSERT INTO events (time, event_id, kind, estate_id, gateway_id, device_id,"
        " direction, person_id, payload) VALUES (%s, %s, 'face', 'E1', 'GW1', 'cam',"
        " 'in', %s, '{}')",
        (t, eid, person),
    )
    conn.execute(
        "INSERT INTO event_faces (event_id, time, estate_id, person_id, embedding)"
        " VALUES (%s, %s, 'E1', %s, %s)",
        (eid, t, person, embedding_bytes([float(x) for x in emb])),
    )


def resolve_day(conn: psycopg.Connection) -> list[str | None]:
    reg = repo.load_register(conn, "E1")
    evs = repo.events(conn, "E1", T0 - timedelta(hours=1), T0 + timedelta(hours=2))
    res = Resolver(reg, Clusterer(0.6), timedelta(hours=8), 0.6)
    return [res.resolve(p).face_person for p in passages(evs, 3)]


def test_stored_match_is_redecided_after_recalibration(pg_url: str, faces_dir: Path) -> None:
    faces = japanese(faces_dir)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO estates (estate_id, name) VALUES ('E1', 'E1')")
        for who in ("K", "T", "S"):
            conn.execute("INSERT INTO persons (person_id, name) VALUES (%s, %s)", (who, who))
            conn.execute(
                "INSERT INTO face_enrollments (enrollment_id, person_id, estate_id, embedding,"
                " consent_at, consent_ref) VALUES (%s, %s, 'E1', %s, now(), 'c')",
                (f"en-{who}", who, [float(x) for x in faces[who][0]]),
            )
            conn.execute(
                "INSERT INTO credentials (credential_id, person_id, estate_id, type, ref,"
                " valid_from) VALUES (%s, %s, 'E1', 'face', %s, now() - interval '1 day')",
                (f"en-{who}", who, f"en-{who}"),
            )
        conn.execute(
            "SELECT anju_ensure_partitions(%s, %s)", (T0.date() - timedelta(days=1), T0.date())
        )
        # T's own second photo, then a stranger (I) the old gateway rule took for T
        stranger = min(faces["I"] + faces["J"], key=lambda e: np.linalg.norm(e - faces["T"][0]))
        assert np.linalg.norm(stranger - faces["T"][0]) < 0.6
        own = min(faces["T"][1:], key=lambda e: np.linalg.norm(e - faces["T"][0]))
        face_event(conn, T0, "T", own)
        face_event(conn, T0 + timedelta(minutes=10), "T", stranger)
        for who in ("K", "T", "S"):  # recognised sightings: the genuine distances
            for emb in faces[who][2:]:
                face_event(conn, T0 - timedelta(days=1), who, emb)

        assert resolve_day(conn) == ["T", "T"]  # not calibrated: the stored matches stand
        settings = PlatformSettings(auth=AuthSettings(secret_key=SecretStr("x" * 32)))
        row = calibrate_estate(conn, "E1", settings, far=0.001, model=None)
        assert row["calibrated"] and row["threshold"] < 0.5
        # the newer calibration judges the stored events again: T stays, the stranger
        # is an unknown face now (clustered), no longer T's presence
        assert resolve_day(conn) == ["T", None]
