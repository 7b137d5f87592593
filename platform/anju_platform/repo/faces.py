"""Face enrollments, the per-estate gallery for gateways, and gateway tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from anju_common.facecal import DEFAULT_MODEL


def add_enrollment(
    conn: psycopg.Connection,
    enrollment_id: str,
    person_id: str,
    estate_id: str,
    embedding: list[float],
    consent_at: datetime,
    consent_ref: str,
    photo_path: str | None,
    model: str,
) -> dict[str, Any]:
    """The enrollment plus its `face` credential (ref = enrollment id), valid from now."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "INSERT INTO face_enrollments (enrollment_id, person_id, estate_id, embedding,"
            " consent_at, consent_ref, photo_path, model)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING *",
            (
                enrollment_id,
                person_id,
                estate_id,
                embedding,
                consent_at,
                consent_ref,
                photo_path,
                model,
            ),
        ).fetchone()
    conn.execute(
        "INSERT INTO credentials (credential_id, person_id, estate_id, type, ref, valid_from)"
        " VALUES (%s, %s, %s, 'face', %s, now())",
        (enrollment_id, person_id, estate_id, enrollment_id),
    )
    assert row is not None
    return row


def person_enrollments(conn: psycopg.Connection, person_id: str) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT enrollment_id, person_id, estate_id, consent_at, consent_ref,"
            " photo_path IS NOT NULL AS photo_kept, created_at FROM face_enrollments"
            " WHERE person_id = %s ORDER BY created_at",
            (person_id,),
        ).fetchall()


def delete_enrollment(conn: psycopg.Connection, enrollment_id: str) -> dict[str, Any] | None:
    """Remove the embedding and its credential; returns the row (for the photo path)."""
    conn.execute(
        "DELETE FROM credentials WHERE credential_id = %s AND type = 'face'", (enrollment_id,)
    )
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "DELETE FROM face_enrollments WHERE enrollment_id = %s RETURNING *", (enrollment_id,)
        ).fetchone()


def gallery(
    conn: psycopg.Connection, estate_id: str, model: str
) -> list[tuple[str, str, list[float]]]:
    """Enrollments of one face model whose face credential is valid now, for one estate."""
    rows = conn.execute(
        "SELECT f.person_id, f.enrollment_id, f.embedding FROM face_enrollments f"
        " JOIN credentials c ON c.credential_id = f.enrollment_id AND c.type = 'face'"
        " WHERE f.estate_id = %s AND f.model = %s AND c.revoked_at IS NULL"
        " AND c.valid_from <= now() AND (c.valid_to IS NULL OR c.valid_to > now())"
        " ORDER BY f.person_id, f.enrollment_id",
        (estate_id, model),
    ).fetchall()
    return [(r[0], r[1], list(r[2])) for r in rows]


def set_gateway_token(conn: psycopg.Connection, gateway_id: str, token_hash: str) -> bool:
    row = conn.execute(
        "UPDATE gateways SET token_hash = %s WHERE gateway_id = %s RETURNING true",
        (token_hash, gateway_id),
    ).fetchone()
    return row is not None


def gateway_by_token(conn: psycopg.Connection, token_hash: str) -> tuple[str, str] | None:
    """(gateway_id, estate_id) of an active gateway holding this token."""
    row = conn.execute(
        "SELECT gateway_id, estate_id FROM gateways WHERE token_hash = %s"
        " AND (ended_on IS NULL OR ended_on >= current_date)",
        (token_hash,),
    ).fetchone()
    return (row[0], row[1]) if row else None


def calibration_sightings(
    conn: psycopg.Connection, estate_id: str, model: str, limit: int
) -> list[tuple[str, bytes]]:
    """Recognised sightings of one face model with their embedding (little-endian
    float32), newest first. No model recorded: the bundled default (older gateways)."""
    rows = conn.execute(
        "SELECT person_id, embedding FROM event_faces WHERE estate_id = %s"
        " AND coalesce(model, %s) = %s AND person_id IS NOT NULL AND embedding IS NOT NULL"
        " ORDER BY time DESC LIMIT %s",
        (estate_id, DEFAULT_MODEL, model, limit),
    ).fetchall()
    return [(r[0], bytes(r[1])) for r in rows]


def add_calibration(
    conn: psycopg.Connection,
    estate_id: str,
    threshold: float,
    person_thresholds: dict[str, float],
    far_target: float,
    calibrated: bool,
    report: dict[str, Any],
    model: str,
) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "INSERT INTO face_calibrations (estate_id, model, threshold, person_thresholds,"
            " far_target, calibrated, report) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING *",
            (
                estate_id,
                model,
                threshold,
                Jsonb(person_thresholds),
                far_target,
                calibrated,
                Jsonb(report),
            ),
        ).fetchone()
    assert row is not None
    return row


def latest_calibration(
    conn: psycopg.Connection, estate_id: str, model: str
) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT * FROM face_calibrations WHERE estate_id = %s AND model = %s"
            " ORDER BY computed_at DESC, calibration_id DESC LIMIT 1",
            (estate_id, model),
        ).fetchone()
