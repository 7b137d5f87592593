"""`anju bench detect`: detection quality against the simulator's labels, and run times.

run(flats, days, seed) generates a portfolio, loads its register and events into a
scratch database (COPY, not MQTT), runs the daily pass over every estate (timed: full
pass), re-runs the last day (timed: one new day), times the real-time loop on a cloned
card, and scores the alerts against the labels per type."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from anju_bench.boxspeed import reference_s
from anju_bench.detect_load import loaded
from anju_bench.detect_score import score
from anju_ingest.decode import ROW_COLUMNS


def _realtime_latency(conn: Any, url: str) -> float | None:
    """Copy a real granted card use to another gateway 60 s later, stored now; time
    until the real-time pass has the card_clone alert. The card is a current member's:
    the latest card use of a run may be a carer's or a former tenant's card (granted,
    but no flat to raise a clone for), which left the probe waiting for an alert that
    never came (realtime_s null)."""
    import uuid

    from anju_platform.detect.realtime_loop import RealtimeState, run_realtime

    row = conn.execute(
        "SELECT e.time, e.estate_id, e.credential_ref, e.device_id, e.door_id, e.payload,"
        " g.gateway_id FROM events e "
        "JOIN gateways g ON g.estate_id = e.estate_id AND g.gateway_id <> e.gateway_id "
        "WHERE e.kind = 'access' AND e.credential_type = 'card' AND e.granted "
        "AND EXISTS (SELECT 1 FROM credentials c JOIN household_members m USING (person_id)"
        " JOIN households h USING (household_id) WHERE c.type = 'card'"
        " AND c.ref = e.credential_ref AND c.estate_id = e.estate_id AND c.revoked_at IS NULL"
        " AND (c.valid_to IS NULL OR c.valid_to > e.time) AND m.valid_to IS NULL"
        " AND h.move_out IS NULL) "
        "ORDER BY e.time DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    t, estate, ref, device, door, payload, other = row
    state = RealtimeState(mark=datetime.now(UTC))
    t0 = time.perf_counter()
    new_id = str(uuid.uuid4())
    from psycopg.types.json import Jsonb

    conn.execute(
        f"INSERT INTO events ({ROW_COLUMNS}) VALUES"
        " (%s, %s, 'access', %s, %s, %s, %s, 'in', 'card', %s, NULL, true, %s)",
        (
            t + timedelta(seconds=60),
            new_id,
            estate,
            other,
            device,
            door,
            ref,
            Jsonb(payload),
        ),
    )
    conn.commit()
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:
        run_realtime(conn, state)
        hit = conn.execute("SELECT 1 FROM alert_evidence WHERE event_id = %s", (new_id,)).fetchone()
        if hit:
            return round(time.perf_counter() - t0, 3)
        time.sleep(0.05)
    return None


# Wall-clock columns and alert numbers (one sequence shared by the worker processes)
# differ between two runs that decide the same; everything else counts.
_ALERT_DUMP = """
SELECT jsonb_build_object(
         'alert', to_jsonb(a) - 'alert_id' - 'opened_at' - 'updated_at' - 'closed_at'
                  || jsonb_build_object(  -- "superseded by sublet #118": numbering is timing
                       'close_reason', regexp_replace(a.close_reason, '#[0-9]+', '#N', 'g')),
         'evidence', COALESCE((
           SELECT jsonb_agg(to_jsonb(e) - 'alert_id' ORDER BY e.key)
             FROM alert_evidence e WHERE e.alert_id = a.alert_id), '[]'::jsonb))::text
  FROM alerts a
 ORDER BY a.unit_id, a.building_id, a.type, a.first_day, a.opened_day, a.status, 1
-- ties by the line itself, never by alert id: ids follow the workers' timing
"""


def dump_alerts(conn: Any, path: Path) -> int:
    """Every alert with its evidence as JSON lines, sorted: `diff` two runs' files to
    show a change decides the same (refactors) or exactly what it changed."""
    rows = [r[0] for r in conn.execute(_ALERT_DUMP)]
    path.write_text("".join(line + "\n" for line in rows), encoding="utf-8")
    return len(rows)


def run(
    flats: int | None = None,
    days: int = 180,
    seed: int = 20260101,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    face_spread: float = 1.0,
    face_threshold: float | None = None,
    face_margin: float = 0.05,
    world: str | None = None,
    timings: bool = True,
    violation_scale: float = 1.0,
    alerts_out: Path | None = None,
    keep: str | None = None,
) -> dict[str, Any]:
    """`keep`: load into a database of that name and keep it; a later run with the same
    parameters copies it instead of loading again (iterating on detection). `workers`:
    processes for the estates (default: the CPU count). `world`: a world family
    (anju_sim.worlds) drawn from the seed. Without `timings` the pass runs in one go and
    the real-time probe is skipped (quality only). `face_spread`: how far apart different
    people's faces are (anju_sim.embeddings.PROFILES); `face_threshold`: a fixed gateway
    threshold instead of the calibrated ones."""
    import os

    from anju_sim.params import SimParams, scaled_params, with_world
    from anju_sim.portfolio import generate

    params = SimParams(seed=seed, days=days) if flats is None else scaled_params(flats, seed, days)
    params = params.model_copy(
        update={
            "face_spread": face_spread,
            "face_threshold": face_threshold,
            "face_margin": face_margin,
        }
    )
    if world is not None:
        params = with_world(params, world)
    if violation_scale != 1.0:  # more cases per type on a small portfolio
        rates = params.violations.model_dump()
        scaled = {k: v * violation_scale for k, v in rates.items() if k != "at_least_one"}
        params = params.model_copy(
            update={"violations": params.violations.model_copy(update=scaled)}
        )
    server = os.environ.get(
        "ANJU_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    pf = generate(params)
    result: dict[str, Any] = {"flats": len(pf.register.units), "days": days, "seed": seed}
    if world is not None:
        result["world"] = params.world.model_dump()
        result["violation_scale"] = violation_scale
    with _card_scope(params.world.card_scope):
        return _run(pf, params, server, result, days, progress, workers, timings, alerts_out, keep)


@contextmanager
def _card_scope(scope: str) -> Iterator[None]:
    """Detection reads ANJU_CARD_KEY_SCOPE: the world's (worker processes inherit it)."""
    import os

    from anju_common.settings import card_key_scope

    old = os.environ.get("ANJU_CARD_KEY_SCOPE")
    os.environ["ANJU_CARD_KEY_SCOPE"] = scope
    card_key_scope.cache_clear()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("ANJU_CARD_KEY_SCOPE", None)
        else:
            os.environ["ANJU_CARD_KEY_SCOPE"] = old
        card_key_scope.cache_clear()


def _run(
    pf: Any,
    params: Any,
    server: str,
    result: dict[str, Any],
    days: int,
    progress: Callable[[int, int], None] | None,
    workers: int | None,
    timings: bool,
    alerts_out: Path | None = None,
    keep: str | None = None,
) -> dict[str, Any]:
    import os

    import psycopg

    from anju_platform.detect import repo
    from anju_platform.detect.engine import run_estates

    t0 = time.perf_counter()
    with loaded(pf, params, server, result, progress, keep) as url, psycopg.connect(url) as conn:
        result["load_s"] = round(time.perf_counter() - t0, 1)
        conn.autocommit = True
        estates = repo.estates(conn)
        last = params.start + timedelta(days=days - 1)
        finished: list[str] = []

        def done(e: str, _: dict[str, int]) -> None:
            finished.append(e)
            if progress:
                progress(len(finished), len(estates))

        n = max(1, min(workers or os.cpu_count() or 1, len(estates)))
        if not timings:
            run_estates(url, estates, until=last, workers=n, done=done)
            result.update(score(conn, pf))
            if alerts_out is not None:
                result["alerts_out"] = dump_alerts(conn, alerts_out)
            return result
        before = reference_s()
        t1 = time.perf_counter()
        run_estates(url, estates, until=last - timedelta(days=1), workers=n, done=done)
        t2 = time.perf_counter()
        run_estates(url, estates, until=last, workers=n)
        t3 = time.perf_counter()
        result["workers"] = n
        result["full_pass_s"] = round(t2 - t1, 1)
        result["full_pass_days"] = days - 1
        result["one_new_day_s"] = round(t3 - t2, 2)
        # the machine's speed just before and after the timed runs (boxspeed.py)
        result["cpu_reference_s"] = [before, reference_s()]
        # scored before the latency probe: its copied card use makes a card_clone alert
        result.update(score(conn, pf))
        if alerts_out is not None:
            result["alerts_out"] = dump_alerts(conn, alerts_out)
        result["realtime_s"] = _realtime_latency(conn, url)
    return result
