"""The webhook delivery job: fan new notifications out to matching webhooks, then POST
the due deliveries (formats and retry policy in workflow/webhooks.py), recording every
attempt. Runs in the job thread (jobs.py); tests call `deliver_job` directly."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg

from anju_platform.detect.settings import local_offset_hours
from anju_platform.repo import webhooks as repo
from anju_platform.settings import PlatformSettings
from anju_platform.workflow import webhooks as fmt

log = logging.getLogger("anju.webhooks")

# A notification's transaction commits within this long of writing it (cursor lag).
FANOUT_SETTLE_S = 60.0


@dataclass(frozen=True, slots=True)
class Result:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


def send(
    client: httpx.Client,
    format_: str,
    url: str,
    secret: str | None,
    n: dict[str, Any],
    allow: Sequence[fmt.Network],
    base: str | None,
    tz_hours: int,
) -> Result:
    """One POST; never raises (trouble is a failed attempt, recorded with the error).
    A receiver resolving to a non-public address outside `allow` is not called."""
    started = time.monotonic()
    try:
        problem = fmt.destination_problem(_addresses(url), allow)
        if problem:
            return Result(False, None, f"refused: {problem}", 0)
        out = fmt.build_request(format_, url, secret, n, int(time.time() * 1000), base, tz_hours)
        r = client.post(out.url, content=out.body, headers=out.headers)
    except Exception as e:  # network trouble or a URL httpx cannot use: a failed attempt
        took = int((time.monotonic() - started) * 1000)
        return Result(False, None, f"{type(e).__name__}: {e}"[:500], took)
    took = int((time.monotonic() - started) * 1000)
    ok, error = fmt.judge(format_, r.status_code, r.text)
    return Result(ok, r.status_code, error, took)


def _addresses(url: str) -> list[str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    return sorted({str(i[4][0]) for i in infos})


def http_client(settings: PlatformSettings) -> httpx.Client:
    return httpx.Client(
        timeout=settings.webhooks.timeout_s,
        follow_redirects=False,
        headers={"User-Agent": "anju-webhooks/1"},
    )


SENDERS = 8  # receivers served at once; one receiver's deliveries go one after another


def _send_all(
    client: httpx.Client,
    group: list[dict[str, Any]],
    allow: Sequence[fmt.Network],
    base: str | None,
    tz_hours: int,
) -> list[Result]:
    return [
        send(client, d["format"], d["url"], d["secret"], d, allow, base, tz_hours) for d in group
    ]


def deliver_job(conn: psycopg.Connection, settings: PlatformSettings) -> int:
    """Fan out, then send what is due (one batch); returns the attempts made. Receivers
    are served in parallel, each one's deliveries in notification order, so a slow or
    dead receiver delays only its own messages."""
    repo.fan_out(conn, FANOUT_SETTLE_S)
    # the claim must outlast the slowest sequence of sends in this batch
    lease = settings.webhooks.timeout_s * settings.webhooks.batch + 30
    due = repo.claim_due(conn, settings.webhooks.batch, lease)
    if not due:
        return 0
    tz = local_offset_hours()  # the job's entry point reads the clock; the rest is given it
    groups: dict[int, list[dict[str, Any]]] = {}
    for d in sorted(due, key=lambda d: d["notification_id"]):
        groups.setdefault(d["webhook_id"], []).append(d)
    with http_client(settings) as client, ThreadPoolExecutor(SENDERS) as pool:
        results = list(
            pool.map(
                lambda g: _send_all(
                    client,
                    g,
                    settings.webhooks.allow_networks,
                    settings.reports.public_base_url,
                    tz,
                ),
                groups.values(),
            )
        )
    for group, outcome in zip(groups.values(), results, strict=True):
        for d, res in zip(group, outcome, strict=True):
            _record(conn, settings, d, res)
    return len(due)


def _record(
    conn: psycopg.Connection, settings: PlatformSettings, d: dict[str, Any], res: Result
) -> None:
    attempt = int(d["attempts"]) + 1
    status, retry_in = fmt.after_attempt(
        attempt,
        res.ok,
        settings.webhooks.max_attempts,
        settings.webhooks.backoff_s,
        settings.webhooks.backoff_max_s,
    )
    try:
        repo.record_attempt(
            conn,
            d["delivery_id"],
            attempt,
            res.status_code,
            res.error,
            res.duration_ms,
            status,
            retry_in,
        )
    except psycopg.errors.ForeignKeyViolation:
        return  # the webhook was deleted while we were sending
    if status == "failed":
        log.warning(
            "webhook %s gave up on notification %s after %d attempts: %s",
            d["webhook_id"],
            d["notification_id"],
            attempt,
            res.error,
        )
