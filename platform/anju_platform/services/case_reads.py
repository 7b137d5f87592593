"""Reading cases: lists within the caller's scope, one case with everything the
inspector and the authority need (evidence, visits, photos, deduction, decision, the
household), and the files of its evidence pack. Every read is audited; members' phone
numbers only reach the inspector the case is assigned to, and that read is audited too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg

from anju_common import localtime
from anju_platform.access import FLAT, Action, Location, Principal, allowed
from anju_platform.detect import repo_alerts
from anju_platform.repo import case_context as context
from anju_platform.repo import cases as repo
from anju_platform.repo.audit import log
from anju_platform.repo.case_context import Snapshot
from anju_platform.repo.case_rows import CaseRow, PhotoRow
from anju_platform.services.errors import NotFound, estate_grids, guard
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import cases as rules

Row = dict[str, Any]
REGISTER_NOTE_ZH = "需由工作人员在登记系统中登记该人员（护理人员或家庭成员）"
REGISTER_NOTE_EN = "Staff must register the person (caregiver or family member) in the register"


def where(row: CaseRow | None) -> list[Location] | None:
    return None if row is None else row.places


def with_overdue(row: CaseRow) -> Row:
    """The case as the API shows it (CaseOut): its row and whether it is overdue."""
    return {**asdict(row), "overdue": rules.is_overdue(row.status, row.due_at, datetime.now(UTC))}


def find(conn: psycopg.Connection, case_id: int, lock: bool = False) -> CaseRow:
    row = repo.get_case(conn, case_id, lock)
    if row is None:
        raise NotFound("case not found")
    return row


def readable(
    conn: psycopg.Connection, who: Principal, case_id: int
) -> tuple[CaseRow, list[Location]]:
    """The case and its place, when the caller may read it (404, 403 otherwise)."""
    row = repo.get_case(conn, case_id)
    places = guard(who, Action.READ, FLAT, where(row), "case")
    assert row is not None
    return row, places


def list_cases(
    conn: psycopg.Connection,
    who: Principal,
    estate_id: str,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> list[Row]:
    grids = estate_grids(who, FLAT, estate_id)
    with conn.transaction():
        rows = repo.list_cases(conn, estate_id, grids, filters, limit, offset)
        log(conn, who, "list", "case", None, [Location(estate_id)], {"count": len(rows)})
        return [with_overdue(r) for r in rows]


def my_cases(conn: psycopg.Connection, who: Principal) -> list[Row]:
    with conn.transaction():
        # still assigned but no longer in the caller's scope (grids or estates changed):
        # not shown, as GET /cases/{id} would refuse them
        rows = [
            r for r in repo.my_cases(conn, who.user_id) if allowed(who, Action.READ, FLAT, r.places)
        ]
        log(conn, who, "list", "case", None, None, {"mine": True, "count": len(rows)})
        return [with_overdue(r) for r in rows]


def read_case(conn: psycopg.Connection, who: Principal, case_id: int, tz: int) -> Row:
    """`tz`: the estates' UTC offset in hours (their calendar: today's household)."""
    with conn.transaction():
        row, places = readable(conn, who, case_id)
        log(conn, who, "read", "case", str(case_id), places)
        return detail(conn, row, who, tz)


def _household(
    conn: psycopg.Connection, who: Principal, row: CaseRow, hid: str | None, today: date
) -> Row | None:
    """The household with its members; their phone numbers only for the inspector the
    case is assigned to (who is about to knock on the door), and that read is audited."""
    if hid is None:
        return None
    found = context.household(conn, hid, today)
    mine = row.assignee_id is not None and row.assignee_id == who.user_id
    phones = [m for m in found.members if m.phone] if mine else []
    if phones:
        log(conn, who, "read_phone", "case", str(row.case_id), row.places,
            {"persons": [m.person_id for m in phones]})  # fmt: skip
    if not mine:
        found = replace(found, members=[replace(m, phone=None) for m in found.members])
    return asdict(found)


def _plain(record: Any) -> Row | None:
    """A record as the detail's JSON object (the API and the evidence packs read it)."""
    return None if record is None else asdict(record)


def detail(conn: psycopg.Connection, row: CaseRow, who: Principal, tz: int) -> Row:
    """A case with its evidence, visits, photos, deduction, decision and household."""
    cid = row.case_id
    today = localtime.local_day(datetime.now(UTC), tz)
    ded = repo.deduction(conn, cid)
    hid = ded.household_id if ded else None
    hid = hid or context.household_id(conn, row.unit_id, today)
    sups = repo.suppressions(conn, cid)
    change = next((s for s in sups if s.reason.startswith("register_change:")), None)
    return {
        **with_overdue(row),
        "evidence": context.with_snapshots(conn, repo_alerts.alert_evidence(conn, row.alert_id)),
        "visits": [asdict(v) for v in repo.visits(conn, cid)],
        "photos": [asdict(p) for p in repo.photos(conn, cid)],
        "deduction": _plain(ded),
        "decision": _plain(repo.decision(conn, cid)),
        "household": _household(conn, who, row, hid, today),
        "suppressions": [asdict(s) for s in sups],
        "register_change": None
        if change is None
        else {
            "reason": change.reason.split(":", 1)[1],
            "note_zh": REGISTER_NOTE_ZH,
            "note_en": REGISTER_NOTE_EN,
        },
    }


def stored_file(base: Path, rel: str) -> Path | None:
    """A stored file under its directory (never outside it), or None if gone."""
    root = base.resolve()
    p = (root / rel).resolve()
    if not p.is_relative_to(root) or not p.is_file():
        return None
    return p


@dataclass
class Pack:
    """A case's detail with the files of its evidence pack."""

    detail: Row
    photos: list[tuple[PhotoRow, bytes]]
    snapshots: list[tuple[Snapshot, str, bytes]]  # (row, content type, bytes)


def _may_view_faces(who: Principal, settings: PlatformSettings) -> bool:
    return who.role in settings.faces.view_roles


def _snapshot_files(
    conn: psycopg.Connection, evidence: Sequence[Row], snap_dir: Path
) -> list[tuple[Snapshot, str, bytes]]:
    snaps = []
    ids = sorted({e["event_id"] for e in evidence if e["event_id"]})
    for s in context.snapshots(conn, ids):
        f = stored_file(snap_dir, s.path)
        data = f.read_bytes() if f is not None else b""
        ctype = rules.image_type(data[:16]) if data else None
        if ctype is not None:
            snaps.append((s, ctype, data))
    return snaps


def gather(
    conn: psycopg.Connection, who: Principal, settings: PlatformSettings, case_id: int, tz: int
) -> Pack:
    """The case with its photo and snapshot files (snapshots for roles that see faces)."""
    row, _ = readable(conn, who, case_id)
    d = detail(conn, row, who, tz)
    photos = []
    for p in repo.photos(conn, case_id):
        f = stored_file(settings.cases.evidence_dir, p.path)
        if f is not None:
            photos.append((p, f.read_bytes()))
    snaps = []
    if _may_view_faces(who, settings):
        snaps = _snapshot_files(conn, d["evidence"], settings.faces.snapshot_dir)
    return Pack(d, photos, snaps)
