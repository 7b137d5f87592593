"""Erasure of a person's data (PIPL: on request, or when no longer needed after move-out).
Pure decisions: who is due, which files go, what the person row becomes. The SQL is in
anju_platform.repo.lifecycle, the procedure in anju_platform.lifecycle."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

Reason = Literal["request", "after_move_out"]
ERASED_NAME = "已删除"
# persons columns that stay: the id (history refers to it), the estate of record
# (scope: who may see the anonymized row) and the row's own timestamp.
KEEP_COLUMNS = frozenset({"person_id", "estate_id", "created_at"})
COUNT_KEYS = (
    "enrollments",  # face_enrollments rows (embeddings)
    "enrollment_photos",  # kept enrollment photo files
    "snapshots",  # face_snapshots rows
    "snapshot_files",  # snapshot image files
    "events",  # face events whose embedding / snapshot_ref were stripped
    "evidence",  # alert_evidence rows whose snapshot_ref was cleared
    "clusters",  # detection cluster leaders taken from the person's own events
    "credentials",  # card/QR/PIN credentials ended with their ref replaced
    "face_credentials",  # face credentials removed with the enrollments
    "texts",  # free-text fields where the person's name was replaced
    "dead_letters",  # raw messages ingest refused that name the person: bytes dropped
    "person",  # the persons row anonymized (0 or 1)
)


def membership_end(valid_to: date | None, move_out: date | None) -> date | None:
    """A membership ends at its own end or the household's move-out, whichever is first;
    None while it lasts."""
    ends = [d for d in (valid_to, move_out) if d is not None]
    return min(ends) if ends else None


def due_after_move_out(
    memberships: Iterable[tuple[date | None, date | None]], today: date, days: int
) -> bool:
    """Erase when every membership (valid_to, move_out) has ended, the last more than
    `days` ago. days == 0 switches this off; a person never in a household is not due."""
    if days <= 0:
        return False
    ends = [membership_end(v, m) for v, m in memberships]
    if not ends or any(e is None for e in ends):
        return False
    return max(e for e in ends if e is not None) < today - timedelta(days=days)


def anonymized(columns: Iterable[tuple[str, bool]]) -> dict[str, object]:
    """New values for the persons row from its (column, nullable) list: the name becomes
    已删除, every other nullable personal column NULL (columns added later included)."""
    out: dict[str, object] = {}
    for name, nullable in columns:
        if name == "name":
            out[name] = ERASED_NAME
        elif nullable and name not in KEEP_COLUMNS:
            out[name] = None
    return out


def redactable_name(name: str | None) -> str | None:
    """The name to replace in free text, or None when too short to replace safely (one
    character would mangle unrelated words) or already erased."""
    if name is None:
        return None
    name = name.strip()
    if len(name) < 2 or name == ERASED_NAME:
        return None
    return name


def redact_values(value: Any, name: str) -> Any:
    """`value` (decoded JSON) with `name` replaced in string values only: keys are names
    of fields, never a person's (a person called "reason" must not rename `reason_en`)."""
    if isinstance(value, str):
        return value.replace(name, ERASED_NAME)
    if isinstance(value, list):
        return [redact_values(v, name) for v in value]
    if isinstance(value, dict):
        return {k: redact_values(v, name) for k, v in value.items()}
    return value


def replaced_ref(credential_id: str) -> str:
    """What an ended credential's ref becomes: no longer the card hash, never a match."""
    return f"erased:{credential_id}"


def cluster_ids(event_ids: Iterable[str]) -> list[str]:
    """Detection cluster ids a person's own face events would have led ('u-' + 12 hex)."""
    return sorted({"u-" + str(e).replace("-", "")[:12] for e in event_ids})


@dataclass(frozen=True, slots=True)
class StoredFile:
    path: str | None  # as recorded in the row
    derived: Path  # where the naming convention puts it (in case the row path is stale)


def files_to_remove(files: Iterable[StoredFile]) -> list[Path]:
    """Every distinct path to unlink: the recorded one and the conventional one."""
    seen: dict[str, Path] = {}
    for f in files:
        for p in (Path(f.path) if f.path else None, f.derived):
            if p is not None:
                seen.setdefault(str(p.resolve()), p)
    return [seen[k] for k in sorted(seen)]


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)
