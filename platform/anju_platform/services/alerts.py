"""The alerts' use cases: list within the caller's scope, read one with its evidence
(audited), and move its status (acknowledge, close, dismiss; audited). Inspectors see
the alerts of their grids, managers of their estates, the authority all."""

from __future__ import annotations

from typing import Any

import psycopg

from anju_platform.access import FLAT, Action, Principal
from anju_platform.detect import repo_alerts
from anju_platform.detect.repo_alerts import AlertRow
from anju_platform.repo.audit import log
from anju_platform.repo.case_context import with_snapshots
from anju_platform.services.errors import Conflict, Invalid, estate_grids, guard

Row = dict[str, Any]


def _alert(conn: psycopg.Connection, who: Principal, action: Action, alert_id: int) -> AlertRow:
    row = repo_alerts.get_alert(conn, alert_id)
    guard(who, action, FLAT, None if row is None else row.places, "alert")
    assert row is not None
    return row


def list_alerts(
    conn: psycopg.Connection,
    who: Principal,
    estate_id: str,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> list[Row]:
    grids = estate_grids(who, FLAT, estate_id)
    with conn.transaction():
        found = repo_alerts.list_alerts(conn, estate_id, grids, filters, limit, offset)
        return [a.model_dump() for a in found]


def read_alert(conn: psycopg.Connection, who: Principal, alert_id: int) -> Row:
    with conn.transaction():
        row = _alert(conn, who, Action.READ, alert_id)
        log(conn, who, "read", "alert", str(alert_id), row.places)
        evidence = with_snapshots(conn, repo_alerts.alert_evidence(conn, alert_id))
        return {**row.model_dump(), "evidence": evidence}


def change_status(
    conn: psycopg.Connection, who: Principal, alert_id: int, status: str, note: str | None
) -> Row:
    """Staff acknowledge, close or dismiss a live alert (a dismissal says why)."""
    if status == "dismissed" and not note:
        raise Invalid("a dismissal needs a reason (note)")
    with conn.transaction():
        row = _alert(conn, who, Action.WRITE, alert_id)
        if row.status in ("closed", "dismissed"):
            raise Conflict(f"alert is already {row.status}")
        repo_alerts.set_status(conn, alert_id, status, note)
        log(conn, who, status, "alert", str(alert_id), row.places,
            {"from": row.status, "note": note})  # fmt: skip
        after = repo_alerts.get_alert(conn, alert_id)
        assert after is not None
        return after.model_dump()
