"""The demo's platform: the API and web console on the demo database, with real-time
detection on and three accounts (admin, manager of the estate, inspector of its first
grid). Secrets and passwords are made once per data directory and kept there (0600),
so a second run of the same demo logs in with the same passwords."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import psycopg

ACCOUNTS = ("admin", "manager", "inspector")


def _secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / "console-secrets.json"
    if path.exists():
        saved: dict[str, str] = json.loads(path.read_text())
        return saved
    made = {"signing_key": secrets.token_urlsafe(32)}
    made.update({user: secrets.token_urlsafe(9) for user in ACCOUNTS})
    path.touch(mode=0o600)
    path.write_text(json.dumps(made))
    return made


def seed_accounts(conn: psycopg.Connection, data_dir: Path, estate: str) -> dict[str, str]:
    """Create the demo accounts if missing; returns user -> password, or nothing when
    the database holds other accounts (a real deployment's: never seeded).

    The manager is scoped to `estate` (its register id) and the inspector to the
    estate's first grid when their accounts are made. Scopes an admin changed later
    are kept on the next start; only scopes that name nothing in the register (a data
    directory from a demo that scoped them to its banner text) are set again."""
    from anju_cli.demo_db import first_grid, known_scopes, other_accounts
    from anju_platform.access import Role
    from anju_platform.repo import users
    from anju_platform.security import hash_password

    if other_accounts(conn, ACCOUNTS):
        return {}  # a database with accounts of its own is not the demo's to add to
    made = _secrets(data_dir)
    grid = first_grid(conn, estate)
    wanted = {"manager": ([estate], []), "inspector": ([], [grid] if grid else [])}
    with conn.transaction():
        for user in ACCOUNTS:
            new = users.get_user(conn, user) is None
            if new:
                users.create_user(conn, user, user.title(), Role(user), hash_password(made[user]))
            if user in wanted and (new or not known_scopes(conn, user)):
                users.set_scopes(conn, user, *wanted[user])
    return {user: made[user] for user in ACCOUNTS}


def platform_env(data_dir: Path, db_url: str) -> dict[str, str]:
    var = data_dir / "platform"
    return dict(
        os.environ,
        DATABASE_URL=db_url,
        ANJU_PLATFORM_SECRET_KEY=_secrets(data_dir)["signing_key"],
        ANJU_PLATFORM_PHOTO_DIR=str(var / "enrollment-photos"),
        ANJU_PLATFORM_SNAPSHOT_DIR=str(var / "snapshots"),
        ANJU_PLATFORM_EVIDENCE_DIR=str(var / "evidence"),
        ANJU_DETECT_REALTIME_ENABLED="true",
        ANJU_DETECT_DAILY_ENABLED="true",
    )
