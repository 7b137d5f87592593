"""Loading `anju bench detect`'s portfolio: events by COPY (what ingest writes), each
estate calibrated, the state months of ingest leave, and `--keep`'s kept databases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from anju_ingest.decode import ROW_COLUMNS


def load_events(conn: Any, pf: Any, progress: Callable[[int, int], None] | None = None) -> int:
    """COPY every access/face/qr event of the portfolio into `events`, face data (the
    embedding as float32 bytes, the snapshot ref) into `event_faces`: the rows ingest
    writes (anju_ingest.decode.to_row), without MQTT."""
    from anju_ingest.decode import FACE_COLUMNS, to_row
    from anju_sim.portfolio import iter_day_events

    p = pf.params
    conn.execute(
        "SELECT anju_ensure_partitions(%s, %s)",
        (p.start - timedelta(days=1), p.start + timedelta(days=p.days + 1)),
    )
    n = 0
    for i, day in enumerate(iter_day_events(pf)):
        rows = [to_row(ev.model()) for ev in day]
        with conn.cursor().copy(f"COPY events ({ROW_COLUMNS}) FROM STDIN") as cp:
            cp.write("".join(r[1] + "\n" for r in rows))
        faces = "".join(r[3] + "\n" for r in rows if r[3] is not None)
        if faces:
            with conn.cursor().copy(f"COPY event_faces ({FACE_COLUMNS}) FROM STDIN") as cp:
                cp.write(faces)
        n += len(rows)
        conn.commit()
        if progress:
            progress(i + 1, p.days)
    return n


def gateway_faces(pf: Any) -> dict[str, Any]:
    """How the simulated gateways matched faces (counted while the events were made)."""
    gates = [e.faces for e in pf.estates]
    strangers = sum(g.strangers for g in gates)
    taken = sum(g.false_matches for g in gates)
    return {
        "face_spread": pf.params.face_spread,
        "face_threshold": pf.params.face_threshold or "calibrated",
        "face_margin": pf.params.face_margin,
        "gateway_thresholds": sorted({round(float(g.threshold), 3) for g in gates}),
        "stranger_sightings": strangers,
        "stranger_false_match_rate": round(taken / strangers, 5) if strangers else None,
    }


KEEP_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


class KeepError(ValueError):
    """A `--keep` name that cannot be used (the CLI prints it as one line)."""


def _load(conn: Any, pf: Any, progress: Callable[[int, int], None] | None) -> int:
    """Register, events and each estate's calibration, in the state months of ingest leave."""
    from anju_common.migrate import reorder_partitions
    from anju_common.settings import get_database_settings
    from anju_platform.detect import repo
    from anju_sim.dbload import load_register

    load_register(conn, pf)
    n = load_events(conn, pf, progress)
    calibrate(conn)
    conn.commit()
    # The state months of ingest leave. Its hourly maintenance rewrote each day in
    # estate order once it was reorder_after_days old (migration 0014); the newest days
    # stay in arrival order, as the one new day's read finds them.
    after = timedelta(days=get_database_settings().reorder_after_days)
    reorder_partitions(conn, _data_today(conn) - after)
    # Autovacuum's insert-triggered VACUUM sets hint bits and the visibility map (else
    # the pass's first read of a day sets them: e08's day 209 ms against 53; event_faces'
    # 870 MB dirtied) and analyses event_faces.
    conn.autocommit = True
    try:
        conn.execute("VACUUM (ANALYZE) events, event_faces")
    finally:
        conn.autocommit = False
    # A bulk COPY leaves the received_at BRIN ranges unsummarised (autosummarize's queue
    # overflows): the real-time query read every page (3.2 s on the city, 7 ms after)
    repo.summarize_arrivals(conn)
    conn.commit()
    return n


def _data_today(conn: Any) -> date:
    """The UTC day of the newest event: 'today' for the loaded months."""
    row = conn.execute("SELECT max(time) FROM events").fetchone()
    return (row[0] if row and row[0] else datetime.now(UTC)).astimezone(UTC).date()


def _kept(url: str) -> tuple[str, int, dict[str, Any]] | None:
    """The parameters, event count and gateway face figures a kept database was loaded
    with (None: not one, or one of an older layout)."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT params, events, faces FROM anju_bench_loaded").fetchone()
    except psycopg.Error:
        return None
    return (row[0], row[1], row[2]) if row else None


def _droppable(admin: Any, url: str, name: str) -> bool:
    """Missing, or a database `--keep` made (its marker table): never another one
    (`--keep postgres` or the name of a real deployment's database)."""
    import psycopg

    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        return True
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT to_regclass('anju_bench_loaded') IS NOT NULL").fetchone()
    return bool(row and row[0])


@contextmanager
def loaded(
    pf: Any,
    params: Any,
    server: str,
    result: dict[str, Any],
    progress: Callable[[int, int], None] | None,
    keep: str | None,
) -> Iterator[str]:
    """A scratch database with the portfolio loaded; with `keep`, a copy (CREATE DATABASE
    ... TEMPLATE) of the kept database, loaded first when missing or made with other
    parameters. The pass always runs in the copy, so the kept one stays as loaded."""
    import psycopg
    from psycopg import sql
    from psycopg.types.json import Jsonb

    from anju_bench.servers import scratch_database, with_dbname
    from anju_common.migrate import migrate

    if keep is None:
        with scratch_database(server, prefix="anju_bench_detect") as url:
            with psycopg.connect(url) as conn:
                result["events"] = _load(conn, pf, progress)
            result.update(gateway_faces(pf))
            yield url
        return
    if not KEEP_NAME.fullmatch(keep):
        raise KeepError(f"--keep {keep!r}: lower-case letters, digits and _ only")
    key = params.model_dump_json()
    kept = _kept(with_dbname(server, keep))
    if kept is None or kept[0] != key:
        name = sql.Identifier(keep)
        with psycopg.connect(with_dbname(server, "postgres"), autocommit=True) as admin:
            if not _droppable(admin, with_dbname(server, keep), keep):
                raise KeepError(
                    f"--keep {keep}: a database of that name exists and was not made by"
                    " --keep; choose another name"
                )
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
        with psycopg.connect(with_dbname(server, keep)) as conn:
            migrate(conn)
            n = _load(conn, pf, progress)
            # counted while the events were made: a run that copies them makes none
            faces = gateway_faces(pf)
            conn.execute(
                "CREATE TABLE anju_bench_loaded (params text NOT NULL, events bigint, faces jsonb)"
            )
            conn.execute(
                "INSERT INTO anju_bench_loaded VALUES (%s, %s, %s)", (key, n, Jsonb(faces))
            )
        kept = (key, n, faces)
    else:  # loaded by older code: the schema this code expects (new functions, tables)
        with psycopg.connect(with_dbname(server, keep)) as conn:
            migrate(conn)
    result["events"], result["kept_database"] = kept[1], keep
    result.update(kept[2])
    with scratch_database(server, prefix="anju_bench_detect", template=keep) as url:
        yield url


def calibrate(conn: Any) -> None:
    """Each estate calibrated as a deployment does (`anju faces calibrate`, default
    false-accept target): detection weighs the gateways' matches with it (issue 18)."""
    from anju_common.facecal import DEFAULT_FAR
    from anju_platform.detect import repo
    from anju_platform.facecalibration import calibrate_estate
    from anju_platform.settings import PlatformSettings

    settings = PlatformSettings()
    for estate in repo.estates(conn):
        calibrate_estate(conn, estate, settings, far=DEFAULT_FAR, model=None)
