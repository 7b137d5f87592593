"""The personal data lifecycle as procedures over a connection: erase one person, erase
persons long moved out, expire strangers' face snapshots. Used by the API, the CLI and
the background jobs (anju_platform.jobs). Files are removed inside the transaction,
after the SQL succeeded and before the commit: if the commit then failed, a re-run finds
the rows again and finishes (a file without its row would never be found again)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from anju_platform.faces import photo_file
from anju_platform.repo import audit, face_data, notifications
from anju_platform.repo import lifecycle as repo
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import erasure
from anju_platform.workflow.snapshots import snapshot_path, stranger_cutoff

log = logging.getLogger("anju.lifecycle")
JOB_ACTOR = "job:lifecycle"


class UnknownPerson(LookupError):
    pass


def _unlink(paths: list[Path]) -> int:
    n = 0
    for p in paths:
        try:
            p.unlink()
            n += 1
        except FileNotFoundError:
            pass
    return n


def _snapshot_files(settings: PlatformSettings, snaps: list[dict[str, Any]]) -> list[Path]:
    files = []
    for s in snaps:
        for suffix in (".jpg", ".png"):
            derived = snapshot_path(
                settings.faces.snapshot_dir, s["estate_id"], s["taken_at"], s["event_id"], suffix
            )
            files.append(erasure.StoredFile(s["path"], derived))
    return erasure.files_to_remove(files)


def erase_person(
    conn: psycopg.Connection,
    settings: PlatformSettings,
    person_id: str,
    reason: erasure.Reason,
    by: str,
) -> dict[str, int]:
    """Everything below in one transaction (the caller may hold an outer one)."""
    counts = erasure.empty_counts()
    with conn.transaction():
        exists, name = repo.person_name(conn, person_id)
        if not exists:
            raise UnknownPerson(person_id)
        # faces: enrollments (embeddings) and their kept photos
        enrolled = repo.enrollments_of(conn, person_id)
        # by id under the photo directory only: a stored path is never trusted
        photos = sorted(
            {photo_file(settings.faces.photo_dir, e["enrollment_id"]) for e in enrolled}
        )
        counts["enrollments"], counts["face_credentials"] = repo.delete_enrollments(conn, person_id)
        # snapshots, and the face events / evidence that point to them or carry the face
        snaps = repo.snapshots_of(conn, person_id)
        snap_ids = [s["event_id"] for s in snaps]
        own = repo.face_events_of(conn, person_id)
        estates = sorted(
            set(repo.person_estates(conn, person_id) or []) | {s["estate_id"] for s in snaps}
        )
        legacy = face_data.legacy_face_events(conn, estates, person_id, snap_ids)
        event_ids = sorted({*snap_ids, *(e for e, _ in own), *(r[2] for r in legacy)})
        refs = sorted(
            {r for _, r in own if r}
            | {r[3] for r in legacy if r[3]}
            | set(repo.snapshot_refs(conn, snap_ids))
        )
        counts["evidence"] = face_data.clear_evidence(conn, event_ids, refs)
        counts["events"] = face_data.strip_events(conn, event_ids, person_id, legacy)
        learned = repo.forget_card_faces(conn, person_id)  # their card's unknown face
        counts["clusters"] = repo.delete_clusters(
            conn, sorted({*erasure.cluster_ids(event_ids), *learned})
        )
        counts["snapshots"] = repo.delete_snapshots(conn, [s["event_id"] for s in snaps])
        # register: credentials ended and unlinkable, the person row anonymized
        counts["credentials"] = repo.end_credentials(conn, person_id)
        counts["dead_letters"] = repo.clear_dead_letters(conn, person_id)
        counts["texts"] = repo.clear_caregiver_notes(conn, person_id)
        redact = erasure.redactable_name(name)
        if redact is not None:
            counts["texts"] += repo.redact_name(conn, person_id, redact)
        counts["person"] = repo.anonymize_person(
            conn, person_id, erasure.anonymized(repo.person_columns(conn))
        )
        # the files last, once every statement has succeeded
        counts["enrollment_photos"] = _unlink(photos)
        counts["snapshot_files"] = _unlink(_snapshot_files(settings, snaps))
        repo.record_erasure(conn, person_id, reason, by, counts)
    return counts


def erase_moved_out(
    conn: psycopg.Connection, settings: PlatformSettings, today: date | None = None
) -> list[str]:
    """Job: erase persons whose last household membership ended more than
    erase_after_move_out_days ago (0: off). Returns the persons erased."""
    days = settings.retention.erase_after_move_out_days
    if days <= 0:
        return []
    today = today or datetime.now(UTC).date()
    done = []
    for pid, memberships in repo.moved_out_candidates(conn, today - timedelta(days=days)).items():
        if not erasure.due_after_move_out(memberships, today, days):
            continue
        with conn.transaction():
            # another replica's job may have erased them since the candidates were read:
            # wait for its lock, then look again (never erase and log twice)
            repo.person_name(conn, pid)
            if repo.is_erased(conn, pid):
                continue
            counts = erase_person(conn, settings, pid, "after_move_out", JOB_ACTOR)
            audit.record(
                conn,
                JOB_ACTOR,
                "system",
                "erase",
                "person",
                pid,
                None,
                {
                    "reason": "after_move_out",
                    "counts": counts,
                },
            )
        done.append(pid)
    if done:
        log.info("erased %d person(s) after move-out", len(done))
    return done


def expire_strangers(
    conn: psycopg.Connection, settings: PlatformSettings, now: datetime | None = None
) -> int:
    """Job: delete snapshots of unknown faces older than stranger_snapshot_days (files and
    rows) and the refs to them in events and alert evidence. Returns how many."""
    cutoff = stranger_cutoff(now or datetime.now(UTC), settings.retention.stranger_snapshot_days)
    total = 0
    while True:
        with conn.transaction():
            snaps = repo.expired_strangers(conn, cutoff, 500)
            if not snaps:
                break
            ids = [s["event_id"] for s in snaps]
            # legacy copies (events stored before migration 0010), in the snapshots' days
            estates = sorted({s["estate_id"] for s in snaps})
            since = min(s["taken_at"] for s in snaps) - timedelta(days=1)
            legacy = face_data.legacy_face_events(conn, estates, None, ids, since)
            refs = sorted(set(repo.snapshot_refs(conn, ids)) | {r[3] for r in legacy if r[3]})
            face_data.clear_evidence(conn, ids, refs)
            face_data.strip_snapshot_refs(conn, ids, legacy)
            repo.delete_snapshots(conn, ids)
            _unlink(_snapshot_files(settings, snaps))
            audit.record(
                conn,
                JOB_ACTOR,
                "system",
                "expire",
                "face_snapshot",
                None,
                None,
                {
                    "count": len(ids),
                },
            )
        total += len(snaps)
    return total


def expire_face_data(conn: psycopg.Connection, settings: PlatformSettings) -> int:
    """Job: delete face events' embeddings and snapshot refs after face_data_days."""
    with conn.transaction():
        n = face_data.expire_face_data(conn, settings.retention.face_data_days)
        if n:
            audit.record(conn, JOB_ACTOR, "system", "expire", "face_data", None, None, {"count": n})
    return n


def sweep_erased(conn: psycopg.Connection) -> int:
    """Job: delete face data of erased persons that arrived afterwards."""
    with conn.transaction():
        n = repo.strip_late_events(conn)
        if n:
            audit.record(conn, JOB_ACTOR, "system", "strip", "event", None, None, {"count": n})
    return n


def lifecycle_job(conn: psycopg.Connection, settings: PlatformSettings) -> None:
    expire_strangers(conn, settings)
    erase_moved_out(conn, settings)
    sweep_erased(conn)
    expire_face_data(conn, settings)
    notifications.prune(conn, settings.retention.notification_days)
