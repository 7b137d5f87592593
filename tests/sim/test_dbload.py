from __future__ import annotations

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
