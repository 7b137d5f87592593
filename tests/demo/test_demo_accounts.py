"""The demo's accounts: the manager scoped to the estate's register id (not the banner
text), the inspector to its first grid; scopes an admin changed survive a restart, and
scopes of an older demo that name nothing are repaired."""

from __future__ import annotations

from pathlib import Path

import psycopg

from anju_cli.demo_console import seed_accounts
from anju_cli.demo_source import BuiltinSource
from anju_platform.repo import users


def _scopes(conn: psycopg.Connection, user: str) -> tuple[list[str], list[str]]:
    record = users.get_user(conn, user)
    assert record is not None
    p = users.principal(conn, record)
    return sorted(p.estates), sorted(p.grids)


def test_manager_and_inspector_get_the_estate_and_its_first_grid(
    pg_url: str, tmp_path: Path
) -> None:
    source = BuiltinSource(protocol=5, rate=1)
    with psycopg.connect(pg_url) as conn:
        source.seed(conn)
        logins = seed_accounts(conn, tmp_path, source.estate)
        assert set(logins) == {"admin", "manager", "inspector"}
        assert _scopes(conn, "manager") == (["demo-estate"], [])
        assert _scopes(conn, "inspector") == ([], ["demo-estate-g1"])
    assert source.estate in source.label and source.label != source.estate


def test_a_restart_keeps_changed_scopes_and_repairs_broken_ones(
    pg_url: str, tmp_path: Path
) -> None:
    source = BuiltinSource(protocol=5, rate=1)
    with psycopg.connect(pg_url) as conn:
        source.seed(conn)
        seed_accounts(conn, tmp_path, source.estate)
        conn.execute(
            "INSERT INTO grids (grid_id, estate_id, name) VALUES ('demo-estate-g2', %s, 'G2')",
            (source.estate,),
        )
        with conn.transaction():
            users.set_scopes(conn, "inspector", [], ["demo-estate-g2"])  # an admin's change
            users.set_scopes(conn, "manager", [source.label], [])  # what older demos saved
        again = seed_accounts(conn, tmp_path, source.estate)
        assert _scopes(conn, "inspector") == ([], ["demo-estate-g2"])
        assert _scopes(conn, "manager") == (["demo-estate"], [])
        assert again == seed_accounts(conn, tmp_path, source.estate)  # same passwords


def test_no_demo_accounts_in_a_database_with_accounts_of_its_own(
    pg_url: str, tmp_path: Path
) -> None:
    from anju_platform.access import Role

    source = BuiltinSource(protocol=5, rate=1)
    with psycopg.connect(pg_url) as conn:
        source.seed(conn)
        with conn.transaction():
            users.create_user(conn, "ops-admin", "Ops", Role.ADMIN, "not-a-real-hash")
        assert seed_accounts(conn, tmp_path, source.estate) == {}
        assert [r[0] for r in conn.execute("SELECT user_id FROM users")] == ["ops-admin"]
