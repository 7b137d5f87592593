"""Face enrollment by photo upload, with the person's separate consent on record.
The photo is encoded here and dropped unless ANJU_PLATFORM_KEEP_ENROLLMENT_PHOTOS."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status

from anju_platform.access import Action, InspectorAccess, Policy
from anju_platform.api.crud import db_error
from anju_platform.deps import Conn, Settings, User, guard, log
from anju_platform.face_models import EnrollmentOut, FaceCalibrationOut
from anju_platform.facecalibration import calibrate_estate
from anju_platform.faces import FaceError, encode_photo, face_model_id, photo_file
from anju_platform.images import check_pixels
from anju_platform.repo import faces, rows
from anju_platform.repo import tables as t

router = APIRouter(tags=["enrollments"])
ID_PATTERN = r"^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,63}$"  # the register's ids; no "..", no "/"
POLICY = Policy(inspector=InspectorAccess.NONE)


@router.post(
    "/persons/{person_id}/enrollments",
    response_model=EnrollmentOut,
    status_code=201,
    summary="Enroll a face from one photo (consent required)",
)
def enroll(
    person_id: str,
    conn: Conn,
    who: User,
    settings: Settings,
    photo: Annotated[UploadFile, File(description="JPEG or PNG showing one face")],
    estate_id: Annotated[str, Form(description="Estate whose gateways will recognise the face")],
    consent_at: Annotated[datetime | None, Form(description="When the person consented")] = None,
    consent_ref: Annotated[str | None, Form(description="Reference of the signed consent")] = None,
    enrollment_id: Annotated[
        str | None, Form(pattern=ID_PATTERN, description="Made by the system when not given")
    ] = None,
) -> dict[str, Any]:
    if consent_at is None or not (consent_ref or "").strip():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "consent_at and consent_ref are required")
    assert consent_ref is not None
    data = photo.file.read(settings.limits.max_upload_bytes + 1)
    if len(data) > settings.limits.max_upload_bytes:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "photo too large")
    with conn.transaction():  # check scope before spending CPU on the photo
        guard(who, Action.WRITE, POLICY, rows.locate(conn, t.PERSONS, [person_id]), "person")
        guard(who, Action.WRITE, POLICY, rows.locate(conn, t.ESTATES, [estate_id]), "estate")
    check_pixels(data, settings.limits.max_image_pixels)
    try:
        embedding = encode_photo(data, settings.faces.upsample, settings.faces.model)
    except FaceError as exc:
        raise HTTPException(422, str(exc)) from None
    eid = enrollment_id or f"enr-{uuid.uuid4().hex[:16]}"
    photo_path = (
        _keep_photo(settings.faces.photo_dir, eid, data)
        if settings.faces.keep_enrollment_photos
        else None
    )
    try:
        with conn.transaction():
            row = faces.add_enrollment(
                conn,
                eid,
                person_id,
                estate_id,
                embedding,
                consent_at,
                consent_ref.strip(),
                photo_path,
                face_model_id(settings.faces.model),
            )
            where = rows.locate(conn, t.ESTATES, [estate_id])
            log(conn, who, "enroll", "face_enrollment", eid, where, {"person_id": person_id})
    except psycopg.Error as exc:
        if photo_path:
            Path(photo_path).unlink(missing_ok=True)
        raise db_error(exc) from None
    return {**row, "photo_kept": photo_path is not None}


def _keep_photo(folder: Path, enrollment_id: str, data: bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = photo_file(folder, enrollment_id)
    path.write_bytes(data)
    return str(path.resolve())


@router.get(
    "/persons/{person_id}/enrollments",
    response_model=list[EnrollmentOut],
    summary="A person's face enrollments (metadata, no embeddings)",
)
def list_enrollments(person_id: str, conn: Conn, who: User) -> list[dict[str, Any]]:
    with conn.transaction():
        where = guard(who, Action.READ, POLICY, rows.locate(conn, t.PERSONS, [person_id]), "person")
        found = faces.person_enrollments(conn, person_id)
        log(
            conn,
            who,
            "list",
            "face_enrollment",
            person_id,
            where,
            {"ids": [f["enrollment_id"] for f in found]},
        )
    return found


@router.delete(
    "/enrollments/{enrollment_id}",
    status_code=204,
    summary="Delete an enrollment (consent withdrawn): embedding, credential, kept photo",
)
def delete_enrollment(enrollment_id: str, conn: Conn, who: User, settings: Settings) -> None:
    with conn.transaction():
        where = guard(
            who,
            Action.WRITE,
            POLICY,
            rows.locate(conn, t.ENROLLMENTS, [enrollment_id]),
            "enrollment",
        )
        row = faces.delete_enrollment(conn, enrollment_id)
        log(conn, who, "delete", "face_enrollment", enrollment_id, where)
    if row:  # by id under the photo directory: the row's path is never trusted
        photo_file(settings.faces.photo_dir, enrollment_id).unlink(missing_ok=True)


ADMIN_WRITE = Policy(inspector=InspectorAccess.NONE, admin_only_write=True)


@router.post(
    "/estates/{estate_id}/face-calibration",
    response_model=FaceCalibrationOut,
    status_code=201,
    summary="Recalibrate the estate's face-match thresholds (admins)",
)
def recalibrate(
    estate_id: str,
    conn: Conn,
    who: User,
    settings: Settings,
    far: float | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    target = settings.faces.far if far is None else far
    if not 0 < target < 0.5:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "far must be between 0 and 0.5")
    with conn.transaction():
        where = guard(
            who, Action.WRITE, ADMIN_WRITE, rows.locate(conn, t.ESTATES, [estate_id]), "estate"
        )
    row = calibrate_estate(conn, estate_id, settings, far=target, model=model)
    with conn.transaction():
        log(
            conn,
            who,
            "calibrate",
            "face_calibration",
            str(row["calibration_id"]),
            where,
            {"threshold": row["threshold"], "calibrated": row["calibrated"]},
        )
    return row


@router.get(
    "/estates/{estate_id}/face-calibration",
    response_model=FaceCalibrationOut,
    summary="The estate's current face-match calibration",
)
def current_calibration(
    estate_id: str, conn: Conn, who: User, settings: Settings, model: str | None = None
) -> dict[str, Any]:
    with conn.transaction():
        guard(who, Action.READ, POLICY, rows.locate(conn, t.ESTATES, [estate_id]), "estate")
        row = faces.latest_calibration(
            conn, estate_id, model or face_model_id(settings.faces.model)
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the estate has not been calibrated")
    return row
