from __future__ import annotations

from pathlib import Path

import psycopg

from anju_sim.dbload import load_register
from anju_sim.params import small_params
from anju_sim.portfolio import generate


def test_register_loads_into_postgres(pg_url: str) -> None:
    pf = generate(small_params(days=20))
    with psycopg.connect(pg_url) as conn:
        counts = load_register(conn, pf)
        for table, n in counts.items():
            got = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert got is not None and got[0] == n, table
        # card refs are the wire hashes; an enrolled embedding keeps its 128 values
        row = conn.execute("SELECT cardinality(embedding) FROM face_enrollments LIMIT 1").fetchone()
        assert row == (128,)
        moved = conn.execute(
            "SELECT count(*) FROM households WHERE move_out IS NOT NULL"
        ).fetchone()
        assert moved is not None and moved[0] >= 2  # moved out + evicted
    assert counts["units"] == 60 and counts["gateways"] >= 1


def test_register_files_import_cleanly_through_the_platform_importer(
    pg_url: str, tmp_path: Path
) -> None:
    """The CSV and xlsx files are what estate offices would upload: the platform's
    importer takes both without an error or an ignored column."""
    import pytest

    sheets_mod = pytest.importorskip("anju_platform.importer.sheets")
    loader = pytest.importorskip("anju_platform.importer.loader")
    from anju_platform.access import Principal, Role
    from anju_sim.output import write_register

    pf = generate(small_params(days=40))
    write_register(pf.register, tmp_path)
    admin = Principal("sim-test", "sim test", Role.ADMIN)
    with psycopg.connect(pg_url) as conn:
        for source in (tmp_path, tmp_path / "register.xlsx"):
            rep = loader.load(conn, sheets_mod.read_path(source), admin, None, dry_run=True)
            assert rep.errors == [] and rep.warnings == [], source
            created = {r.sheet: r.created for r in rep.sheets}
            assert created["persons"] == len(pf.register.persons)
            assert created["absences"] == len(pf.register.absences) > 0
