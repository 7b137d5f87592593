"""Notifications and their webhook delivery log are pruned by the hourly lifecycle job,
except what a webhook still waits to receive."""

from __future__ import annotations

import psycopg
import pytest
from pydantic import SecretStr

from anju_platform.lifecycle import lifecycle_job
from anju_platform.settings import PlatformSettings
from anju_platform.settings_access import AuthSettings, FaceSettings, RetentionSettings

pytestmark = pytest.mark.both_databases


def _note(conn: psycopg.Connection, days_old: int) -> int:
    row = conn.execute(
        "INSERT INTO notifications (at, kind, estate_id, body) VALUES"
        " (now() - make_interval(days => %s), 'alert.opened', 'E1', '{}')"
        " RETURNING notification_id",
        (days_old,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_old_notifications_go_pending_ones_stay(pg_url: str, tmp_path: object) -> None:
    settings = PlatformSettings(
        auth=AuthSettings(secret_key=SecretStr("k" * 32)),
        retention=RetentionSettings(notification_days=30, erase_after_move_out_days=0),
        faces=FaceSettings(snapshot_dir=tmp_path),  # type: ignore[arg-type]
    )
    with psycopg.connect(pg_url, autocommit=True) as conn:
        old_done, old_pending, recent = _note(conn, 40), _note(conn, 40), _note(conn, 5)
        hook = conn.execute(
            "INSERT INTO webhooks (name, url, format) VALUES ('w', 'http://127.0.0.1:9/', 'json')"
            " RETURNING webhook_id"
        ).fetchone()
        assert hook is not None
        for nid, status in ((old_done, "delivered"), (old_pending, "pending")):
            conn.execute(
                "INSERT INTO webhook_deliveries (webhook_id, notification_id, status)"
                " VALUES (%s, %s, %s)",
                (hook[0], nid, status),
            )
        lifecycle_job(conn, settings)
        left = {r[0] for r in conn.execute("SELECT notification_id FROM notifications")}
        deliveries = conn.execute("SELECT notification_id FROM webhook_deliveries").fetchall()
    assert left == {old_pending, recent}
    assert deliveries == [(old_pending,)]  # the delivered one's log went with it
