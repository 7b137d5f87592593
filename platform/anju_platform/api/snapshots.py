"""Face snapshots: gateways upload the cropped face of a face event (gateway token);
people in face_view_roles view it (audited). Snapshots of strangers expire (lifecycle job);
a person's go with their erasure."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from anju_platform.access import Location
from anju_platform.api.gateways import Gateway
from anju_platform.deps import Conn, Settings, User, log
from anju_platform.images import check_pixels
from anju_platform.repo import audit
from anju_platform.repo import lifecycle as repo
from anju_platform.settings import PlatformSettings
from anju_platform.workflow.snapshots import (
    as_utc,
    digest,
    may_view_faces,
    media_type,
    snapshot_path,
    sniff,
    upload_outcome,
)

router = APIRouter(tags=["snapshots"])

_IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "description": "The cropped face, JPEG or PNG (checked by its magic bytes).",
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class SnapshotOut(BaseModel):
    event_id: str = Field(description="The face event the snapshot belongs to.")
    estate_id: str = Field(description="Estate of the uploading gateway.")
    gateway_id: str = Field(description="The uploading gateway.")
    person_id: str | None = Field(description="Matched enrolled person; null: a stranger.")
    taken_at: datetime = Field(description="When the gateway took the snapshot.")
    stored: bool = Field(description="True: stored now; false: the same image was already there.")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, "snapshot too large")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(413, "snapshot too large")
    return bytes(data)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # a reader never sees half a file


def _store(
    conn: Any,
    settings: PlatformSettings,
    gw: tuple[str, str],
    event_id: str,
    taken_at: datetime,
    person_id: str | None,
    data: bytes,
    suffix: str,
) -> tuple[bool, dict[str, Any]]:
    own_id, estate_id = gw
    sha = digest(data)
    with conn.transaction():
        if person_id is not None:
            estates = repo.person_estates(conn, person_id)
            if estates is None:
                raise HTTPException(422, "unknown person_id")
            if estate_id not in estates:  # a gallery holds its own estate's people only
                raise HTTPException(422, f"person_id is not a person of estate {estate_id}")
        if person_id is not None and repo.is_erased(conn, person_id):
            # a gateway whose gallery is not refreshed yet: the face is not kept again
            raise HTTPException(status.HTTP_410_GONE, "person erased: snapshot not kept")
        existing = repo.get_snapshot(conn, event_id)
    outcome = upload_outcome(existing["sha256"] if existing else None, sha)
    if existing is not None and (outcome == "conflict" or existing["gateway_id"] != own_id):
        raise HTTPException(status.HTTP_409_CONFLICT, "another snapshot is stored for this event")
    if existing is not None:
        return False, existing
    path = snapshot_path(
        settings.faces.snapshot_dir, estate_id, taken_at, uuid.UUID(event_id), suffix
    )
    _write(path, data)
    try:
        with conn.transaction():
            # an erasure that committed since the check above (it holds the person row
            # FOR UPDATE until it commits): re-check under a share lock, or the face of an
            # erased person would be kept after all
            if person_id is not None and repo.lock_erased(conn, person_id):
                raise HTTPException(status.HTTP_410_GONE, "person erased: snapshot not kept")
            created = repo.add_snapshot(
                conn, event_id, estate_id, own_id, person_id, str(path.resolve()), sha, taken_at
            )
            if not created:  # a concurrent upload of the same event won
                raise HTTPException(status.HTTP_409_CONFLICT, "snapshot stored concurrently")
            audit.record(
                conn,
                f"gateway:{own_id}",
                "gateway",
                "create",
                "face_snapshot",
                event_id,
                estate_id,
                {"person_id": person_id} if person_id else None,
            )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    row = {
        "event_id": event_id,
        "estate_id": estate_id,
        "gateway_id": own_id,
        "person_id": person_id,
        "taken_at": taken_at,
    }
    return True, row


@router.put(
    "/gateways/{gateway_id}/snapshots/{event_id}",
    response_model=SnapshotOut,
    status_code=201,
    summary="Upload the face snapshot of a face event (gateway token only)",
    openapi_extra=_IMAGE_BODY,
    responses={200: {"description": "The same image was already stored (a retry)."}},
)
async def upload(
    gateway_id: str,
    event_id: uuid.UUID,
    request: Request,
    response: Response,
    gw: Gateway,
    conn: Conn,
    settings: Settings,
    taken_at: Annotated[datetime, Query(description="When the snapshot was taken (ISO 8601)")],
    person_id: Annotated[
        str | None, Query(max_length=64, description="Matched person; omit for a stranger")
    ] = None,
) -> dict[str, Any]:
    if gw[0] != gateway_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a gateway uploads only as itself")
    data = await _read_body(request, settings.limits.max_upload_bytes)
    kind = sniff(data)
    if kind is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "not a JPEG or PNG image")
    await run_in_threadpool(check_pixels, data, settings.limits.max_image_pixels)
    stored, row = await run_in_threadpool(
        _store,
        conn,
        settings,
        gw,
        str(event_id),
        as_utc(taken_at),
        person_id or None,
        data,
        kind[1],
    )
    if not stored:
        response.status_code = status.HTTP_200_OK
    return {**row, "stored": stored}


@router.get(
    "/snapshots/{event_id}",
    response_class=Response,
    summary="A face snapshot (roles in face_view_roles, in scope; audited)",
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def view(event_id: uuid.UUID, conn: Conn, who: User, settings: Settings) -> Response:
    if who.role not in settings.faces.view_roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "your role may not view faces")
    with conn.transaction():
        row = repo.get_snapshot(conn, str(event_id))
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "snapshot not found")
        if not may_view_faces(who, settings.faces.view_roles, row["estate_id"]):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "snapshot is outside your scope")
        try:
            data = Path(row["path"]).read_bytes()
        except FileNotFoundError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "snapshot file missing") from None
        log(conn, who, "read", "face_snapshot", str(event_id), [Location(row["estate_id"])])
    return Response(
        data, media_type=media_type(row["path"]), headers={"Cache-Control": "private, no-store"}
    )
