"""One router factory for the plain register resources: list (per estate), create, read,
update, end. Every handler checks role and scope through `guard` and writes the audit row
in the same transaction as the change. Special actions live in each resource's module."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ValidationError, create_model

from anju_platform.access import Action, Location, Policy, Principal, list_filter
from anju_platform.dberrors import describe
from anju_platform.deps import MAX_OFFSET, Conn, Settings, User, guard, log
from anju_platform.links import LinkRefused, check_links
from anju_platform.repo import rows
from anju_platform.repo.tables import Table
from anju_platform.schemas import EndAt, EndOn
from anju_platform.settings import PlatformSettings

Prepare = Callable[[BaseModel, PlatformSettings, Principal], dict[str, Any]]
# A row as its resource's Out model; {} (refused by the response model) if it is gone.
Record = BaseModel | dict[str, Any]


def plain(model: BaseModel, settings: PlatformSettings, who: Principal) -> dict[str, Any]:
    return model.model_dump()


@dataclass(frozen=True)
class Resource:
    path: str  # URL segment, e.g. "units"
    what: str  # singular, for messages and audit target_type
    table: Table
    model_in: type[BaseModel]
    model_out: type[BaseModel]  # also the typed record its rows are read as (a RowOut)
    policy: Policy = field(default_factory=Policy)
    personal: bool = False  # reads are audited
    patchable: tuple[str, ...] = ()
    end_column: str | None = None
    end_is_datetime: bool = False
    prepare: Prepare = plain
    listing: bool = True  # estates list differently (no estate_id filter)


def unprocessable(column: str | None, msg: str, kind: str = "value_error") -> HTTPException:
    """422 in FastAPI's validation shape (the one OpenAPI declares for every route)."""
    loc = ["body", column] if column else ["body"]
    return HTTPException(422, [{"loc": loc, "msg": msg, "type": kind}])


def db_error(exc: psycopg.Error) -> HTTPException:
    """Constraint violations and bad values are the client's fault: 409 for duplicates,
    422 otherwise, worded by `dberrors` (never PostgreSQL's text, which echoes rows).
    Anything else is ours and propagates (500)."""
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return HTTPException(status.HTTP_409_CONFLICT, "a record with this id already exists")
    if isinstance(exc, psycopg.IntegrityError | psycopg.DataError):
        return unprocessable(*describe(exc))
    raise exc


def link_error(exc: LinkRefused) -> HTTPException:
    if exc.missing:
        return unprocessable(exc.column, exc.reason, "reference")
    return HTTPException(status.HTTP_403_FORBIDDEN, exc.reason)


def links(conn: psycopg.Connection, who: Principal, table: Table, values: dict[str, Any]) -> None:
    try:
        check_links(conn, who, table, values)
    except LinkRefused as exc:
        raise link_error(exc) from None


def patch_model(res: Resource) -> type[BaseModel]:
    fields: dict[str, Any] = {
        name: (res.model_in.model_fields[name].annotation | None, None)  # type: ignore[operator]
        for name in res.patchable
    }
    model: type[BaseModel] = create_model(f"{res.model_in.__name__}Patch", **fields)
    return model


def check(
    conn: psycopg.Connection, who: Principal, action: Action, res: Resource, item_id: str
) -> list[Location]:
    return guard(who, action, res.policy, rows.locate(conn, res.table, [item_id]), res.what)


def revalidate(res: Resource, current: dict[str, Any], changes: dict[str, Any]) -> None:
    """A patch must leave a row the create model would accept (dates in order, ...)."""
    merged = {k: v for k, v in {**current, **changes}.items() if k in res.model_in.model_fields}
    try:
        res.model_in.model_validate(merged)
    except ValidationError as exc:
        raise HTTPException(
            422, exc.errors(include_url=False, include_context=False, include_input=False)
        ) from None


def crud_router(res: Resource, tag: str) -> APIRouter:
    router = APIRouter(prefix=f"/{res.path}", tags=[tag])
    key = res.table.key[0]
    out = res.model_out
    body_in: Any = res.model_in
    if res.listing:
        _add_list(router, res)

    @router.post("", response_model=out, status_code=201, summary=f"Create a {res.what}")
    def create_item(
        body: body_in,
        conn: Conn,
        who: User,
        settings: Settings,
    ) -> BaseModel:
        values = res.prepare(body, settings, who)
        try:
            with conn.transaction():
                links(conn, who, res.table, values)
                row = rows.insert(conn, res.table, values, out)
                item_id = str(getattr(row, key))
                where = check(conn, who, Action.WRITE, res, item_id)
                log(conn, who, "create", res.what, item_id, where)
        except psycopg.Error as exc:
            raise db_error(exc) from None
        return row

    @router.get(f"/{{{key}}}", response_model=out, summary=f"Read a {res.what}")
    def read_item(conn: Conn, who: User, item_id: str = Path(alias=key)) -> Record:
        with conn.transaction():
            where = check(conn, who, Action.READ, res, item_id)
            row = rows.fetch(conn, res.table, [item_id], out)
            if res.personal:
                log(conn, who, "read", res.what, item_id, where)
        return row or {}

    if res.patchable:
        body_patch: Any = patch_model(res)

        @router.patch(f"/{{{key}}}", response_model=out, summary=f"Update a {res.what}")
        def update_item(
            body: body_patch,
            conn: Conn,
            who: User,
            item_id: str = Path(alias=key),
        ) -> Record:
            changes = body.model_dump(exclude_unset=True)
            try:
                with conn.transaction():
                    check(conn, who, Action.WRITE, res, item_id)
                    current = rows.fetch(conn, res.table, [item_id]) or {}
                    revalidate(res, current, changes)
                    links(conn, who, res.table, changes)
                    row = rows.update(conn, res.table, [item_id], changes, out)
                    # Re-check where the record is now: a move must stay within scope too.
                    where = check(conn, who, Action.WRITE, res, item_id)
                    log(conn, who, "update", res.what, item_id, where, {"changed": sorted(changes)})
            except psycopg.Error as exc:
                raise db_error(exc) from None
            return row or {}

    if res.end_column is not None:
        end_col = res.end_column
        body_end: Any = EndAt if res.end_is_datetime else EndOn

        @router.post(f"/{{{key}}}/end", response_model=out, summary=f"End a {res.what}")
        def end_item(
            body: body_end,
            conn: Conn,
            who: User,
            item_id: str = Path(alias=key),
        ) -> Record:
            value = body.at if isinstance(body, EndAt) else body.on
            with conn.transaction():
                where = check(conn, who, Action.WRITE, res, item_id)
                row = rows.update(conn, res.table, [item_id], {end_col: value}, out)
                log(conn, who, "end", res.what, item_id, where, {end_col: str(value)})
            return row or {}

    return router


def _add_list(router: APIRouter, res: Resource) -> None:
    key = res.table.key[0]

    @router.get("", response_model=list[res.model_out], summary=f"List {res.path} of an estate")  # type: ignore[name-defined]
    def list_items(
        conn: Conn,
        who: User,
        estate_id: str = Query(description="Estate to list"),
        limit: int = Query(500, ge=1, le=5000),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> list[BaseModel]:
        ok, grids = list_filter(who, res.policy, estate_id)
        if not ok:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "estate is outside your scope")
        with conn.transaction():
            found = rows.list_rows(conn, res.table, estate_id, grids, limit, offset, res.model_out)
            if res.personal:
                ids = [str(getattr(r, key)) for r in found]
                log(conn, who, "list", res.what, None, [Location(estate_id)], {"ids": ids})
        return found
