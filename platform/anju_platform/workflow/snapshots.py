"""Face snapshots: what an upload may be, where its file goes, when a stranger's expires.
Pure functions; the route and the job do the I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from uuid import UUID

from anju_platform.access import Principal, Role

# Only the two formats gateways produce; checked on the bytes, not on a header.
_MAGIC: dict[bytes, tuple[str, str]] = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}
MEDIA_TYPES = {ext: media for media, ext in _MAGIC.values()}


def sniff(data: bytes) -> tuple[str, str] | None:
    """(media type, file suffix) of a JPEG or PNG by its magic bytes, else None."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    return None


def media_type(path: str) -> str:
    return MEDIA_TYPES.get(Path(path).suffix, "application/octet-stream")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshot_path(
    root: Path, estate_id: str, taken_at: datetime, event_id: UUID, suffix: str
) -> Path:
    """<root>/<estate>/<yyyy-mm-dd (UTC)>/<event_id><suffix>: a day per folder, so expiry
    and backups can work day by day."""
    day = as_utc(taken_at).date().isoformat()
    return root / estate_id / day / f"{event_id}{suffix}"


def as_utc(t: datetime) -> datetime:
    """A time without a zone is taken as UTC (gateways send UTC or an offset)."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


Upload = Literal["created", "same", "conflict"]


def upload_outcome(existing_sha256: str | None, new_sha256: str) -> Upload:
    """A gateway retrying the same upload is fine; different bytes for an event already
    stored are refused (evidence is not silently replaced)."""
    if existing_sha256 is None:
        return "created"
    return "same" if existing_sha256 == new_sha256 else "conflict"


def stranger_cutoff(now: datetime, days: int) -> datetime:
    """Snapshots of unknown faces taken before this are deleted."""
    return now - timedelta(days=days)


def may_view_faces(who: Principal, roles: Iterable[str], estate_id: str) -> bool:
    """Face images: only the roles in face_view_roles; managers (and inspectors, if an
    operator lists them) only within their estates."""
    if who.role.value not in {str(r) for r in roles}:
        return False
    if who.role in (Role.ADMIN, Role.AUTHORITY):
        return True
    if who.role is Role.MANAGER:
        return estate_id in who.estates
    return estate_id in who.grid_estates
