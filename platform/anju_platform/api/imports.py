"""Bulk register import over HTTP: the same loader as `anju platform import`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Query, UploadFile, status

from anju_platform.access import Role
from anju_platform.deps import Conn, Settings, User, log
from anju_platform.importer.loader import ImportReport, load, unknown_sheet_message
from anju_platform.importer.sheets import Sheet, TooLarge, read_upload

router = APIRouter(prefix="/import", tags=["import"])


@router.post(
    "/register",
    response_model=ImportReport,
    summary="Import register rows from CSV files or an .xlsx workbook",
    description="Each row is checked against your scope; see docs/api.md for the format.",
)
def import_register(
    conn: Conn,
    who: User,
    settings: Settings,
    files: Annotated[list[UploadFile], File(description="CSV files named <sheet>.csv, or .xlsx")],
    dry_run: bool = Query(True, description="Validate and report without keeping anything"),
) -> ImportReport:
    if who.role not in (Role.ADMIN, Role.MANAGER):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only admins and managers import")
    sheets: list[Sheet] = []
    for f in files:
        data = f.file.read(settings.limits.max_upload_bytes * 10 + 1)
        if len(data) > settings.limits.max_upload_bytes * 10:
            raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"{f.filename} too large")
        try:
            sheets.extend(
                read_upload(f.filename or "upload.csv", data, settings.limits.import_limits())
            )
        except TooLarge as exc:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(exc)) from None
        except Exception as exc:  # untrusted file: any parser failure is a bad upload
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{f.filename}: {exc}") from None
    if message := unknown_sheet_message(sheets):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message)
    master = (
        settings.card_master() if (settings.auth.card_key_secret or settings.auth.dev) else None
    )
    report = load(conn, sheets, who, master, dry_run)
    if not dry_run:
        with conn.transaction():
            log(
                conn,
                who,
                "import",
                "register",
                None,
                detail={
                    "files": [f.filename for f in files],
                    "imported": report.imported,
                    "errors": report.errors_total,
                },
            )
    return report
