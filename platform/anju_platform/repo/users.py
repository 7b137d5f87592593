"""Accounts and their scopes."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from anju_platform.access import Principal, Role


@dataclass(frozen=True, slots=True)
class UserRecord:
    user_id: str
    name: str
    role: Role
    password_hash: str
    active: bool
    token_version: int


def get_user(conn: psycopg.Connection, user_id: str) -> UserRecord | None:
    row = conn.execute(
        "SELECT user_id, name, role, password_hash, active, token_version FROM users"
        " WHERE user_id = %s",
        (user_id,),
    ).fetchone()
    if row is None:
        return None
    return UserRecord(row[0], row[1], Role(row[2]), row[3], row[4], row[5])


def principal(conn: psycopg.Connection, user: UserRecord) -> Principal:
    rows = conn.execute(
        "SELECT s.kind, s.ref_id, g.estate_id FROM user_scopes s"
        " LEFT JOIN grids g ON s.kind = 'grid' AND g.grid_id = s.ref_id WHERE s.user_id = %s",
        (user.user_id,),
    ).fetchall()
    return Principal(
        user_id=user.user_id,
        name=user.name,
        role=user.role,
        estates=frozenset(r[1] for r in rows if r[0] == "estate"),
        grids=frozenset(r[1] for r in rows if r[0] == "grid"),
        grid_estates=frozenset(r[2] for r in rows if r[0] == "grid" and r[2] is not None),
    )


def create_user(
    conn: psycopg.Connection, user_id: str, name: str, role: Role, password_hash: str
) -> None:
    conn.execute(
        "INSERT INTO users (user_id, name, role, password_hash) VALUES (%s, %s, %s, %s)",
        (user_id, name, role.value, password_hash),
    )


def update_user(
    conn: psycopg.Connection,
    user_id: str,
    *,
    name: str | None = None,
    role: Role | None = None,
    password_hash: str | None = None,
    active: bool | None = None,
    bump_tokens: bool = False,
) -> bool:
    row = conn.execute(
        "UPDATE users SET name = coalesce(%s, name), role = coalesce(%s, role),"
        " password_hash = coalesce(%s, password_hash), active = coalesce(%s, active),"
        " token_version = token_version + %s WHERE user_id = %s RETURNING true",
        (name, role.value if role else None, password_hash, active, int(bump_tokens), user_id),
    ).fetchone()
    return row is not None


def lock_active_admins(conn: psycopg.Connection) -> list[str]:
    """The active admins, row-locked until the transaction ends: two admins demoting each
    other at once are serialised, so the second sees the first's change."""
    rows = conn.execute(
        "SELECT user_id FROM users WHERE role = 'admin' AND active ORDER BY user_id FOR UPDATE"
    ).fetchall()
    return [r[0] for r in rows]


def set_scopes(
    conn: psycopg.Connection, user_id: str, estates: list[str], grids: list[str]
) -> None:
    conn.execute("DELETE FROM user_scopes WHERE user_id = %s", (user_id,))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO user_scopes (user_id, kind, ref_id) VALUES (%s, %s, %s)",
            [(user_id, "estate", e) for e in estates] + [(user_id, "grid", g) for g in grids],
        )


def list_users(conn: psycopg.Connection) -> list[tuple[UserRecord, list[str], list[str]]]:
    out = []
    for (uid,) in conn.execute("SELECT user_id FROM users ORDER BY user_id").fetchall():
        user = get_user(conn, uid)
        assert user is not None
        p = principal(conn, user)
        out.append((user, sorted(p.estates), sorted(p.grids)))
    return out
