"""`anju bench detect --keep NAME`: the loaded database is kept and copied by a later run
with the same options (iterating on detection without the load), reloaded when the
options differ, and never written by the pass itself."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

from anju_bench.detect import run
from anju_bench.servers import with_dbname

SERVER = os.environ.get(
    "ANJU_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)  # as run()


def _kept_state(url: str) -> tuple[bool, int]:
    with psycopg.connect(url) as conn:
        marked = conn.execute("SELECT to_regclass('probe_marker') IS NOT NULL").fetchone()
        alerts = conn.execute("SELECT count(*) FROM alerts").fetchone()
    assert marked is not None and alerts is not None
    return bool(marked[0]), int(alerts[0])


def _vacuumed(url: str) -> dict[str, bool]:
    """Whether the loaded events and faces are analysed and all-visible, as autovacuum
    leaves them after ingest (the pass's first reads would otherwise set hint bits)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT CASE WHEN c.relname = 'event_faces' THEN 'event_faces' ELSE 'events' END,"
            " bool_and(c.reltuples >= 0 AND c.relallvisible = c.relpages)"
            " FROM pg_class c WHERE c.relname = 'event_faces' OR c.oid IN (SELECT inhrelid"
            " FROM pg_inherits WHERE inhparent = 'events'::regclass) GROUP BY 1"
        ).fetchall()
    return {r[0]: bool(r[1]) for r in rows}


def test_a_kept_database_is_copied_not_reloaded_and_the_pass_leaves_it_alone(
    tmp_path: Path,
) -> None:
    name = f"anju_keep_{uuid.uuid4().hex[:8]}"
    url = with_dbname(SERVER, name)
    try:
        first = run(150, 6, 3, timings=False, keep=name, alerts_out=tmp_path / "a.jsonl")
        assert first["kept_database"] == name and first["events"] > 0
        assert _vacuumed(url) == {"event_faces": True, "events": True}
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE probe_marker ()")
        again = run(150, 6, 3, timings=False, keep=name, alerts_out=tmp_path / "b.jsonl")
        assert again["events"] == first["events"]
        faces = ("stranger_sightings", "stranger_false_match_rate", "gateway_thresholds")
        assert first["stranger_sightings"] > 0  # counted as the events were made
        assert {k: again[k] for k in faces} == {k: first[k] for k in faces}
        assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
        assert first["alerts_out"] > 0
        assert _kept_state(url) == (True, 0)  # copied, and the pass ran in the copy
        run(150, 6, 4, timings=False, keep=name)  # another seed: loaded again
        assert _kept_state(url) == (False, 0)
    finally:
        with psycopg.connect(with_dbname(SERVER, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_kept_name_must_be_a_plain_database_name() -> None:
    with pytest.raises(ValueError, match="lower-case letters"):
        run(150, 2, 3, timings=False, keep='x"; DROP DATABASE postgres; --')


def test_keep_never_replaces_a_database_it_did_not_make() -> None:
    """`--keep postgres`, or a real deployment's database name on the same server: an
    existing database without the kept marker is refused, never dropped."""
    name = f"anju_notkept_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(with_dbname(SERVER, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(with_dbname(SERVER, name), autocommit=True) as conn:
            conn.execute("CREATE TABLE precious (x int)")
        with pytest.raises(ValueError, match="was not made by --keep"):
            run(150, 2, 3, timings=False, keep=name)
        with psycopg.connect(with_dbname(SERVER, name)) as conn:
            assert conn.execute("SELECT to_regclass('precious') IS NOT NULL").fetchone() == (True,)
    finally:
        with psycopg.connect(with_dbname(SERVER, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
