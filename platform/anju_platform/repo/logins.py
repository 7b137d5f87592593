"""Failed logins by (account, address) and by address, for throttling."""

from __future__ import annotations

from datetime import datetime

import psycopg


def failures(
    conn: psycopg.Connection, user_id: str, address: str, window_s: float
) -> tuple[int, int, datetime | None, datetime | None, datetime]:
    """(failures of this account from this address, failures from this address for any
    account, the latest of each) within the window, and the database's now."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE user_id = %(u)s),"
        " count(*), max(at) FILTER (WHERE user_id = %(u)s), max(at), now()"
        " FROM login_failures WHERE address = %(a)s"
        " AND at > now() - make_interval(secs => %(w)s)",
        {"u": user_id, "a": address, "w": window_s},
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), row[2], row[3], row[4]


def record_failure(conn: psycopg.Connection, user_id: str, address: str, window_s: float) -> None:
    conn.execute(
        "DELETE FROM login_failures WHERE at < now() - make_interval(secs => %s)", (window_s,)
    )
    conn.execute(
        "INSERT INTO login_failures (user_id, address) VALUES (%s, %s)", (user_id, address)
    )


def clear(conn: psycopg.Connection, user_id: str, address: str) -> None:
    """A successful login forgives this account's failures from this address."""
    conn.execute(
        "DELETE FROM login_failures WHERE user_id = %s AND address = %s", (user_id, address)
    )
