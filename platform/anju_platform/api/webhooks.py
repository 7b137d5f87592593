"""Webhooks: receivers of notifications in WeCom, DingTalk or plain JSON format, with
their delivery log. Managers keep the webhooks of their estates (estate required),
admins any (estate null = every estate), the authority may read; inspectors nothing.
The secret is write-only; URLs are shown with their query values masked (a robot URL
carries its access key there)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import AfterValidator, BaseModel, Field

from anju_platform.access import Action, Location, Principal, Role, list_filter
from anju_platform.api.register import NO_INSPECTOR
from anju_platform.delivery import http_client, send
from anju_platform.deps import BriefUser, Conn, Pool, Settings, TzOffset, User, guard, log
from anju_platform.repo import webhooks as repo
from anju_platform.schemas import Id, Name
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import webhooks as fmt

router = APIRouter(prefix="/webhooks", tags=["notifications"])


def _url(value: str) -> str:
    if not fmt.valid_url(value):
        raise ValueError("the URL must be http:// or https:// with a host")
    return value


def _check_destination(url: str, settings: PlatformSettings) -> None:
    """A literal non-public address is refused now; names are checked at each send
    (what they resolve to can change)."""
    problem = fmt.literal_host_problem(url, settings.webhooks.allow_networks)
    if problem:
        raise HTTPException(422, f"receiver refused: {problem}")


Url = Annotated[
    str, Field(max_length=2000, pattern=r"^https?://[^\s/?#]+[^\s]*$"), AfterValidator(_url)
]
Kind = Literal[
    "alert.opened",
    "alert.escalated",
    "alert.closed",
    "case.assigned",
    "case.visited",
    "case.confirmed",
    "case.decided",
    "report.received",
    "care.assigned",
    "care.contacted",
    "care.closed",
    "absence.reported",
]
FormatName = Literal["json", "wecom", "dingtalk"]
Secret = Annotated[str, Field(max_length=500)]


class WebhookIn(BaseModel):
    name: Name = Field(description="Label, e.g. 'E1 物业群'")
    estate_id: Id | None = Field(
        default=None, description="Estate whose notifications go here; null (admin only): all"
    )
    url: Url = Field(description="Receiver, http(s); a WeCom/DingTalk robot's webhook address")
    format: FormatName = Field(description="wecom, dingtalk or json")
    secret: Secret | None = Field(
        default=None,
        description="DingTalk signing secret (SEC...) or the JSON HMAC key; never returned",
    )
    kinds: list[Kind] = Field(default=[], description="Notification kinds; empty: every kind")
    active: bool = Field(default=True, description="Inactive webhooks get nothing")


class WebhookPatch(BaseModel):
    name: Name | None = None
    url: Url | None = None
    format: FormatName | None = None
    secret: Secret | None = Field(default=None, description="New secret; empty string removes it")
    kinds: list[Kind] | None = None
    active: bool | None = Field(
        default=None, description="Re-activating starts from now: missed ones are not replayed"
    )


class WebhookOut(BaseModel):
    webhook_id: int
    name: str
    estate_id: str | None = Field(description="null: every estate")
    url: str = Field(description="Receiver with query values masked (***)")
    format: str
    kinds: list[str]
    active: bool
    has_secret: bool = Field(description="A secret is set (it is never shown)")
    created_at: datetime
    created_by: str | None


class AttemptOut(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None = Field(description="HTTP status, null when no answer")
    error: str | None = Field(description="Why it failed (HTTP error, errcode, timeout)")
    duration_ms: int


class DeliveryOut(BaseModel):
    delivery_id: int
    notification_id: int
    kind: str
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    next_at: datetime = Field(description="When a pending delivery is tried next")
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut] = Field(description="Every attempt, oldest first")


class TestOut(BaseModel):
    ok: bool = Field(description="The receiver accepted the test message")
    status_code: int | None
    error: str | None
    duration_ms: int


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "url": fmt.mask_url(row["url"])}


def _where(row: dict[str, Any]) -> list[Location]:
    """A global webhook (no estate) is located nowhere: only admin and authority reach it."""
    return [Location(row["estate_id"])] if row["estate_id"] else []


def _load(conn: Conn, who: Principal, webhook_id: int, action: Action) -> dict[str, Any]:
    row = repo.get_webhook(conn, webhook_id)
    guard(who, action, NO_INSPECTOR, None if row is None else _where(row), "webhook")
    assert row is not None
    return row


@router.get("", response_model=list[WebhookOut], summary="List webhooks")
def list_webhooks(
    conn: Conn,
    who: User,
    estate_id: str | None = Query(
        None, description="Only this estate's (and, for admin and authority, the all-estates ones)"
    ),
) -> list[dict[str, Any]]:
    if who.role is Role.INSPECTOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "inspectors have no webhooks")
    if estate_id is not None:
        ok, _ = list_filter(who, NO_INSPECTOR, estate_id)
        if not ok:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "estate is outside your scope")
    everything = who.role in (Role.ADMIN, Role.AUTHORITY)
    with conn.transaction():
        rows = repo.list_webhooks(conn, None if everything else sorted(who.estates))
    if estate_id is not None:
        rows = [r for r in rows if r["estate_id"] in (estate_id, None)]
    return [_out(r) for r in rows]


@router.post("", response_model=WebhookOut, status_code=201, summary="Add a webhook")
def create_webhook(body: WebhookIn, conn: Conn, who: User, settings: Settings) -> dict[str, Any]:
    where = [Location(body.estate_id)] if body.estate_id else []
    with conn.transaction():
        guard(who, Action.WRITE, NO_INSPECTOR, where, "webhook")
        _check_destination(body.url, settings)
        if body.estate_id is not None and repo.estate_name(conn, body.estate_id) is None:
            raise HTTPException(422, f"unknown estate {body.estate_id}")
        values = body.model_dump()
        values["secret"] = values["secret"] or None
        values["created_by"] = who.user_id
        webhook_id = repo.create_webhook(conn, values)
        log(
            conn,
            who,
            "create",
            "webhook",
            str(webhook_id),
            where,
            {"format": body.format, "kinds": body.kinds},
        )
        row = repo.get_webhook(conn, webhook_id)
    assert row is not None
    return _out(row)


@router.get("/{webhook_id}", response_model=WebhookOut, summary="A webhook")
def get_webhook(webhook_id: int, conn: Conn, who: User) -> dict[str, Any]:
    with conn.transaction():
        return _out(_load(conn, who, webhook_id, Action.READ))


@router.patch("/{webhook_id}", response_model=WebhookOut, summary="Change a webhook")
def update_webhook(
    webhook_id: int, body: WebhookPatch, conn: Conn, who: User, settings: Settings
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    for never_null in ("name", "url", "format", "kinds", "active"):
        if never_null in changes and changes[never_null] is None:
            raise HTTPException(422, f"{never_null} cannot be null")
    if "secret" in changes:
        changes["secret"] = changes["secret"] or None
    with conn.transaction():
        row = _load(conn, who, webhook_id, Action.WRITE)
        if changes.get("url"):
            _check_destination(changes["url"], settings)
        repo.update_webhook(conn, webhook_id, changes)
        log(
            conn,
            who,
            "update",
            "webhook",
            str(webhook_id),
            _where(row),
            {"changed": sorted(changes)},
        )
        return _out(repo.get_webhook(conn, webhook_id) or row)


@router.delete("/{webhook_id}", status_code=204, summary="Remove a webhook and its log")
def delete_webhook(webhook_id: int, conn: Conn, who: User) -> Response:
    with conn.transaction():
        row = _load(conn, who, webhook_id, Action.WRITE)
        repo.delete_webhook(conn, webhook_id)
        log(conn, who, "delete", "webhook", str(webhook_id), _where(row), {"name": row["name"]})
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=list[DeliveryOut],
    summary="Delivery log of a webhook, newest first, with every attempt",
)
def deliveries(
    webhook_id: int,
    conn: Conn,
    who: User,
    status_: Literal["pending", "delivered", "failed"] | None = Query(None, alias="status"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    with conn.transaction():
        _load(conn, who, webhook_id, Action.READ)
        return repo.list_deliveries(conn, webhook_id, limit, status_)


@router.post(
    "/{webhook_id}/test",
    response_model=TestOut,
    summary="Send a test message now (not retried, not in the delivery log)",
    responses={429: {"description": "Too many webhook tests at once (Retry-After)"}},
)
def test_webhook(
    webhook_id: int,
    request: Request,
    pool: Pool,
    who: BriefUser,
    settings: Settings,
    tz: TzOffset,
) -> dict[str, Any]:
    # No pooled connection is held while the receiver answers (up to the webhook timeout),
    # and only a few tests send at once: each holds a server thread meanwhile.
    slots: threading.BoundedSemaphore = request.app.state.webhook_tests
    if not slots.acquire(blocking=False):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many webhook tests at once; try again in a few seconds",
            headers={"Retry-After": str(int(settings.webhooks.timeout_s))},
        )
    try:
        with pool.connection() as conn, conn.transaction():
            row = _load(conn, who, webhook_id, Action.WRITE)
            name = repo.estate_name(conn, row["estate_id"])
        sample = {
            "notification_id": 0,
            "at": datetime.now(UTC),
            "kind": "webhook.test",
            "estate_id": row["estate_id"],
            "estate_name": name,
            "grid_id": None,
            "body": {"message": f"这是一条来自安居平台的测试消息（{row['name']}）。"},
        }
        with http_client(settings) as client:
            res = send(
                client,
                row["format"],
                row["url"],
                row["secret"],
                sample,
                settings.webhooks.allow_networks,
                settings.reports.public_base_url,
                tz,
            )
    finally:
        slots.release()
    with pool.connection() as conn, conn.transaction():
        log(
            conn,
            who,
            "test",
            "webhook",
            str(webhook_id),
            _where(row),
            {"ok": res.ok, "status_code": res.status_code},
        )
    return {
        "ok": res.ok,
        "status_code": res.status_code,
        "error": res.error,
        "duration_ms": res.duration_ms,
    }
