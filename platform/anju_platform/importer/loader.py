"""Validate and upsert sheets in foreign-key order, one savepoint per row: a bad row is
reported (sheet, line, column, reason) and skipped, good rows go in. Rows are upserted
by key, so importing the same file again changes nothing. A dry run rolls back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args

import psycopg
from pydantic import BaseModel, ValidationError

from anju_platform import schemas as s
from anju_platform.access import Action, Principal, Role, allowed
from anju_platform.cards import hash_number
from anju_platform.dberrors import describe
from anju_platform.importer.sheets import Sheet
from anju_platform.links import LinkRefused, check_links, table_policy
from anju_platform.repo import rows
from anju_platform.repo import tables as t
from anju_platform.repo.tables import Table

CHUNK = 500  # rows per pipelined batch
MAX_ERRORS = 1000  # listed in a report; `errors_total` counts them all


@dataclass(frozen=True)
class Kind:
    table: Table
    model: type[BaseModel]


# Sheet name (as `anju simulate generate` writes it: the table name) -> what it holds.
KINDS: dict[str, Kind] = {
    "estates": Kind(t.ESTATES, s.EstateIn),
    "buildings": Kind(t.BUILDINGS, s.BuildingIn),
    "entrances": Kind(t.ENTRANCES, s.EntranceIn),
    "grids": Kind(t.GRIDS, s.GridIn),
    "grid_staff": Kind(t.GRID_STAFF, s.GridStaffIn),
    "units": Kind(t.UNITS, s.UnitIn),
    "households": Kind(t.HOUSEHOLDS, s.HouseholdIn),
    "persons": Kind(t.PERSONS, s.PersonIn),
    "household_members": Kind(t.MEMBERS, s.MemberIn),
    "credentials": Kind(t.CREDENTIALS, s.CredentialIn),
    "face_enrollments": Kind(t.ENROLLMENTS, s.FaceEnrollmentIn),
    "caregivers": Kind(t.CAREGIVERS, s.CaregiverIn),
    "absences": Kind(t.ABSENCES, s.AbsenceIn),
    "gateways": Kind(t.GATEWAYS, s.GatewayIn),
    "devices": Kind(t.DEVICES, s.DeviceIn),
}
# Columns a file may never fill: the server names its files itself (an imported photo
# path was unlinked on deletion: any file on the server). Empty cells are ignored.
REFUSED = {"photo_path": "file paths are not imported; upload the photo to enroll a face"}
ALIASES = {"members": "household_members", "enrollments": "face_enrollments", "staff": "grid_staff"}


class RowError(BaseModel):
    sheet: str
    line: int
    column: str | None
    reason: str


class SheetReport(BaseModel):
    sheet: str
    source: str
    encoding: str | None = None  # CSV: UTF-8, UTF-16 or GB18030 (how its bytes were read)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


class ImportReport(BaseModel):
    dry_run: bool
    sheets: list[SheetReport]
    errors: list[RowError]  # the first MAX_ERRORS
    warnings: list[str]
    errors_total: int = 0
    unknown_sheets: list[str] = []  # sources whose name is no table: nothing read from them

    @property
    def imported(self) -> int:
        return sum(x.created + x.updated + x.unchanged for x in self.sheets)


class _RowFailed(Exception):
    def __init__(
        self, column: str | None, reason: str, more: list[tuple[str | None, str]] | None = None
    ) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.problems = [(column, reason), *(more or [])]  # every problem of the row


_FK = re.compile(
    r"Key \((?P<col>[^)]+)\)=\((?P<val>[^)]*)\) is not present in table \"(?P<tbl>[^\"]+)\""
)


def _db_failure(exc: psycopg.Error) -> _RowFailed:
    detail = exc.diag.message_detail or ""
    m = _FK.search(detail)
    if m:  # the file's own value and table: nothing from other rows
        return _RowFailed(m["col"], f"{m['col']} {m['val']!r} does not exist in {m['tbl']}")
    return _RowFailed(*describe(exc))


def _values(kind: Kind, model: BaseModel, card_master: bytes | None) -> dict[str, Any]:
    if isinstance(model, s.CredentialIn) and model.number is not None:
        if card_master is None:
            raise _RowFailed(
                "number", "card numbers cannot be hashed: ANJU_CARD_KEY_SECRET not set"
            )
        values = model.model_dump(exclude={"number"})
        values["ref"] = hash_number(card_master, model.estate_id, model.number)
        return values
    return model.model_dump(exclude={"number"} if isinstance(model, s.CredentialIn) else None)


_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# 2024/1/5, 2024-1-5, 2024.1.5: how dates are typed in a zh-CN spreadsheet
_LOOSE_DATE = re.compile(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})")


def _is_date(annotation: Any) -> bool:
    """date, or a date inside `X | None` and Annotated (the register's Day type)."""
    return annotation is date or any(_is_date(a) for a in get_args(annotation))


def _date_fields(model: type[BaseModel]) -> set[str]:
    return {name for name, f in model.model_fields.items() if _is_date(f.annotation)}


def _normal(field: str, value: str, dates: set[str]) -> str:
    if field in dates and (m := _LOOSE_DATE.fullmatch(value)):
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    return value


def _missing_references(
    conn: psycopg.Connection, kind: Kind, data: Mapping[str, str], skip: set[str]
) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    # The row's references (`Table.refs`), checked when a row fails validation, so its
    # report also says which do not exist (the database would say it later, one at a time).
    for column, table in kind.table.refs:
        value = data.get(column)
        if column in skip or not value:
            continue
        if _ID.fullmatch(value) and rows.fetch(conn, table, [value]) is None:
            out.append((column, f"{column} {value!r} does not exist in {table.name}"))
    return out


def _validate(
    conn: psycopg.Connection,
    kind: Kind,
    raw: Mapping[str, str | None],
    columns: set[str],
    card_master: bytes | None,
) -> dict[str, Any]:
    for refused, reason in REFUSED.items():
        if raw.get(refused) is not None:
            raise _RowFailed(refused, reason)
    dates = _date_fields(kind.model)
    data = {
        k: _normal(k, v, dates)
        for k, v in raw.items()
        if k in kind.model.model_fields and v is not None
    }
    try:
        model = kind.model.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[str | None, str]] = [
            (str(e["loc"][0]) if e["loc"] else None, e["msg"])
            for e in exc.errors(include_url=False)
        ]
        bad = {c for c, _ in problems if c}
        problems += _missing_references(conn, kind, data, bad)
        raise _RowFailed(*problems[0], more=problems[1:]) from None
    # Columns in the sheet are written (a blank cell clears); absent columns are left alone.
    return {
        k: v
        for k, v in _values(kind, model, card_master).items()
        if k in columns or k in kind.table.key or (k == "ref" and "number" in columns)
    }


def _store_row(conn: psycopg.Connection, kind: Kind, values: dict[str, Any], who: Principal) -> str:
    """The API's checks, row by row: the record before and after, and every record the
    row names (`Table.refs`), so an import reaches no further than the routes do."""
    key = [values[k] for k in kind.table.key]
    policy = table_policy(kind.table)
    try:
        with conn.transaction():  # a savepoint: this row only
            before = rows.locate(conn, kind.table, key)
            if before is not None and not allowed(who, Action.WRITE, policy, before):
                raise _RowFailed(None, "the existing record is outside your scope")
            check_links(conn, who, kind.table, values)
            outcome = rows.upsert(conn, kind.table, values)
            if not allowed(who, Action.WRITE, policy, rows.locate(conn, kind.table, key) or []):
                raise _RowFailed(None, "outside your scope")
    except LinkRefused as refused:
        raise _RowFailed(refused.column, refused.reason) from None
    except psycopg.Error as exc:
        raise _db_failure(exc) from None
    return outcome


def _store(
    conn: psycopg.Connection,
    kind: Kind,
    batch: list[tuple[int, dict[str, Any]]],
    who: Principal,
) -> list[tuple[int, str | _RowFailed]]:
    """Admins write a chunk in one pipelined statement batch; when it fails (or for scoped
    users, whose every row is checked) rows go one by one, each in its own savepoint."""
    if who.role is Role.ADMIN:
        try:
            with conn.transaction():
                outcomes = rows.upsert_many(conn, kind.table, [v for _, v in batch])
            return [(line, o) for (line, _), o in zip(batch, outcomes, strict=True)]
        except psycopg.Error:
            pass  # find the bad rows below
    out: list[tuple[int, str | _RowFailed]] = []
    for line, values in batch:
        try:
            out.append((line, _store_row(conn, kind, values, who)))
        except _RowFailed as fail:
            out.append((line, fail))
    return out


def _load_sheet(
    conn: psycopg.Connection,
    kind: Kind,
    sheet: Sheet,
    who: Principal,
    card_master: bytes | None,
    rep: SheetReport,
    errors: list[RowError],
) -> None:
    columns = set(sheet.columns)
    seen: dict[tuple[Any, ...], int] = {}
    results: list[tuple[int, str | _RowFailed]] = []
    batch: list[tuple[int, dict[str, Any]]] = []
    for line, raw in sheet.rows:
        key = tuple(raw.get(k) for k in kind.table.key)
        try:
            if key in seen:
                raise _RowFailed(kind.table.key[0], f"duplicate of line {seen[key]}")
            seen[key] = line
            batch.append((line, _validate(conn, kind, raw, columns, card_master)))
        except _RowFailed as fail:
            results.append((line, fail))
        if len(batch) >= CHUNK:
            results.extend(_store(conn, kind, batch, who))
            batch = []
    results.extend(_store(conn, kind, batch, who))
    for line, result in sorted(results, key=lambda r: r[0]):
        if isinstance(result, _RowFailed):
            rep.failed += 1
            errors.extend(
                RowError(sheet=sheet.source, line=line, column=column, reason=reason)
                for column, reason in result.problems
            )
        else:
            setattr(rep, result, getattr(rep, result) + 1)


def sheet_kind(sheet: Sheet) -> str | None:
    name = ALIASES.get(sheet.name, sheet.name)
    return name if name in KINDS else None


def unknown_sheet_message(sheets: list[Sheet]) -> str | None:
    """One line naming the sheets (files) whose name is no table, or None."""
    unknown = [f"{s.source} ({s.name!r})" for s in sheets if sheet_kind(s) is None]
    if not unknown:
        return None
    return (
        f"unknown sheet name: {', '.join(unknown)}; a file or worksheet must be named "
        f"after its table: {', '.join(KINDS)}"
    )


def load(
    conn: psycopg.Connection,
    sheets: list[Sheet],
    who: Principal,
    card_master: bytes | None,
    dry_run: bool,
) -> ImportReport:
    by_kind: dict[str, list[Sheet]] = {}
    warnings: list[str] = []
    unknown: list[str] = []
    for sheet in sheets:
        name = sheet_kind(sheet)
        if name is None:
            warnings.append(f"{sheet.source}: unknown sheet {sheet.name!r} ignored")
            unknown.append(sheet.source)
            continue
        fields = KINDS[name].model.model_fields
        ignored = [c for c in sheet.columns if c and c not in fields and c not in REFUSED]
        if ignored:
            warnings.append(f"{sheet.source}: columns ignored: {', '.join(ignored)}")
        by_kind.setdefault(name, []).append(sheet)

    reports: list[SheetReport] = []
    errors: list[RowError] = []
    with conn.transaction(force_rollback=dry_run):
        for name, kind in KINDS.items():  # foreign-key order
            for sheet in by_kind.get(name, []):
                rep = SheetReport(
                    sheet=name, source=sheet.source, encoding=sheet.encoding, rows=len(sheet.rows)
                )
                _load_sheet(conn, kind, sheet, who, card_master, rep, errors)
                reports.append(rep)
    if not dry_run and sum(r.created for r in reports) >= 1000:
        # Fresh statistics: right after a bulk load the planner's row counts are stale
        # and scoped list queries took seconds instead of milliseconds.
        rows.analyze(conn, [KINDS[r.sheet].table for r in reports])
    return ImportReport(
        dry_run=dry_run,
        sheets=reports,
        errors=errors[:MAX_ERRORS],
        errors_total=len(errors),
        warnings=warnings,
        unknown_sheets=unknown,
    )
