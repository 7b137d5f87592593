"""`anju bench detect`: detection quality against the simulator's labels, and run times.

run(flats, days, seed) generates a portfolio, loads its register and events into a
scratch database (COPY, not MQTT), runs the daily pass over every estate (timed: full
pass), re-runs the last day (timed: one new day), times the real-time loop on a cloned
card, and scores the alerts against the labels per type."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from anju_common.localtime import local_day
from anju_ingest.decode import ROW_COLUMNS

# label type -> the alert type that should flag it ('lend' is flagged as sublet: same
# article of the rules, same rule here)
SCORED = {
    "sublet": "sublet",
    "lend": "sublet",
    "vacancy": "vacancy",
    "overcrowding": "overcrowding",
    "change_of_use": "change_of_use",
    "card_clone": "card_clone",
    "card_after_moveout": "card_after_moveout",
    "card_face_mismatch": "card_face_mismatch",
    "evicted_reentry": "evicted_reentry",
    "elderly_not_seen": "elderly_not_seen",
}


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


def _unexcused(pf: Any, lab: Any, lo: date, hi: date) -> list[date]:
    """The days lo..hi a vacancy label covers that no approved absence excuses (the law
    counts months empty *without good reason*; the rule leaves approved absences out)."""
    away = [
        (a.starts_on, a.ends_on) for a in pf.register.absences if a.household_id == lab.household_id
    ]
    end = hi if lab.end is None else min(hi, local_day(lab.end) - timedelta(days=1))
    lo = max(lo, local_day(lab.start))
    days = [lo + timedelta(days=i) for i in range((end - lo).days + 1)]
    return [d for d in days if not any(a <= d <= b for a, b in away)]


def score(conn: Any, pf: Any, vacancy_days: int = 180) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT unit_id, type, opened_day, close_reason FROM alerts WHERE opened_day IS NOT NULL"
    ).fetchall()
    return score_alerts(rows, pf, vacancy_days)


CARE = "elderly_not_seen"  # a care task (issue 16 item 8): scored apart from violations


def care_checks(pf: Any, truth: dict[str, date], opened: dict[str, list[date]]) -> dict[str, Any]:
    """Welfare as a care task: every labelled case within 3 days, and false care checks
    per 100 elderly people living alone per month. A case is found by the first check on
    its flat opened on or after the day the silence began (an earlier check on the same
    flat, e.g. over a trip before, is a false one and finds nothing); every check that
    found no case counts, so two false checks on one flat are two phone calls."""
    p = pf.params
    born = {x.person_id: x.birth_year for x in pf.register.persons}
    members: dict[str, list[str]] = {}
    for m in pf.register.household_members:
        members.setdefault(m.household_id, []).append(m.person_id)
    alone = sum(1 for ms in members.values() if len(ms) == 1 and p.start.year - born[ms[0]] >= 60)
    hits = {
        u: min(d for d in opened[u] if d >= truth[u])
        for u in truth
        if any(d >= truth[u] for d in opened.get(u, ()))
    }
    late = sorted((hits[u] - truth[u]).days for u in hits)
    false = sum(len(days) for days in opened.values()) - len(hits)
    return {
        "labelled": len(truth),
        "within_3_days": sum(1 for d in late if d <= 3),
        "missed": len(set(truth) - set(hits)),
        "false_checks": false,
        "elderly_alone": alone,
        "false_per_100_elderly_alone_month": (
            round(false / (alone / 100) / (p.days / 30), 2) if alone else None
        ),
    }


def score_alerts(rows: list[tuple[Any, ...]], pf: Any, vacancy_days: int = 180) -> dict[str, Any]:
    """`rows`: (unit, type, opened day, close reason) of the alerts that opened."""
    p = pf.params
    first_day, last_day = p.start, p.start + timedelta(days=p.days - 1)
    truth: dict[str, dict[str, date]] = {}
    # A vacancy is a violation from the day its unexcused empty days reach the legal length
    # (6 months = 180 days); one that has not reached it by the window's end is not (yet) a
    # violation of the window (the rule gives it a vacancy_warning). Detection has no
    # history from before the window, so it can see only those whose unexcused days inside
    # the window alone reach the length: those are 'detectable'.
    whole: set[str] = set()
    vacant: dict[str, date] = {}
    for lab in pf.labels:
        if lab.type != "vacancy" or not lab.violation:
            continue
        days = _unexcused(pf, lab, local_day(lab.start), last_day)
        if len(days) >= vacancy_days and days[vacancy_days - 1] <= last_day:
            vacant[lab.unit_id] = max(first_day, days[vacancy_days - 1])
            if len(_unexcused(pf, lab, first_day, last_day)) >= vacancy_days:
                whole.add(lab.unit_id)
    for lab in pf.labels:
        if lab.violation and lab.type in SCORED and lab.type != "vacancy":
            begin = max(local_day(lab.start), first_day)
            if begin <= last_day:
                truth.setdefault(SCORED[lab.type], {})[lab.unit_id] = begin
    truth["vacancy"] = vacant
    alerts: dict[str, dict[str, date]] = {}
    care_opened: dict[str, list[date]] = {}
    superseded = 0
    for unit, typ, opened, reason in rows:
        if reason and reason.startswith("superseded"):
            superseded += 1
            continue
        if typ == CARE:
            care_opened.setdefault(unit, []).append(opened)
        got = alerts.setdefault(typ, {})
        got[unit] = min(opened, got.get(unit, opened))
    out: dict[str, Any] = {}
    false_alerts = clean_false = wrong_type = 0
    # flats with any violation in the window: a false alert there is of the wrong type
    violating = {lab.unit_id for lab in pf.labels if lab.violation}
    for typ in sorted(set(SCORED.values()) | set(alerts)):
        want, got = truth.get(typ, {}), alerts.get(typ, {})
        tp = set(want) & set(got)
        wrong = set(got) - set(want)
        fp = len(wrong)
        if typ in set(SCORED.values()) and typ != CARE:
            false_alerts += fp
            wrong_type += len(wrong & violating)
            clean_false += len(wrong - violating)
        delays = [(got[u] - want[u]).days for u in tp]
        out[typ] = {
            "labelled": len(want),
            "alerted": len(got),
            "precision": round(len(tp) / len(got), 3) if got else None,
            "recall": round(len(tp) / len(want), 3) if want else None,
            "median_days_to_alert": statistics.median(delays) if delays else None,
        }
    got_v = set(alerts.get("vacancy", {}))
    out["vacancy"]["detectable_in_window"] = len(whole)
    out["vacancy"]["recall_of_detectable"] = (
        round(len(whole & got_v) / len(whole), 3) if whole else None
    )
    if "vacancy_warning" in out:  # early warnings: not a violation type, not scored
        out["vacancy_warning"] = {"alerted": out["vacancy_warning"]["alerted"]}
    flats = len(pf.register.units)
    months = p.days / 30
    return {
        "per_type": out,
        "false_alerts": false_alerts,
        "false_alerts_per_1000_flats_month": round(false_alerts / (flats / 1000) / months, 2),
        # on flats with no violation at all, and of another type on violating flats
        "false_alerts_clean": clean_false,
        "false_alerts_clean_per_1000_flats_month": round(clean_false / (flats / 1000) / months, 2),
        "wrong_type_alerts": wrong_type,
        # not violations: counted apart, not in the false-alert figures above
        "care_checks": care_checks(pf, truth.get(CARE, {}), care_opened),
        "superseded_alerts": superseded,
    }


def _realtime_latency(conn: Any, url: str) -> float | None:
    """Copy a real granted card use to another gateway 60 s later, stored now; time
    until the real-time pass has the card_clone alert."""
    import uuid

    from anju_platform.detect.realtime_loop import RealtimeState, run_realtime

    row = conn.execute(
        "SELECT e.time, e.estate_id, e.credential_ref, e.device_id, e.door_id, e.payload,"
        " g.gateway_id FROM events e "
        "JOIN gateways g ON g.estate_id = e.estate_id AND g.gateway_id <> e.gateway_id "
        "WHERE e.kind = 'access' AND e.credential_type = 'card' AND e.granted "
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


# Wall-clock columns differ between two runs that decide the same; everything else counts.
_ALERT_DUMP = """
SELECT jsonb_build_object(
         'alert', to_jsonb(a) - 'alert_id' - 'opened_at' - 'updated_at' - 'closed_at',
         'evidence', COALESCE((
           SELECT jsonb_agg(to_jsonb(e) - 'alert_id' ORDER BY e.key)
             FROM alert_evidence e WHERE e.alert_id = a.alert_id), '[]'::jsonb))::text
  FROM alerts a
 ORDER BY a.unit_id, a.type, a.first_day, a.opened_day, a.status, a.alert_id
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
) -> dict[str, Any]:
    """`workers`: processes for the estates (default: the CPU count). `world`: a world
    family (anju_sim.worlds) drawn from the seed. Without `timings` the pass runs in one
    go and the real-time probe is skipped (quality only). `face_spread`: how far apart
    different people's faces are (anju_sim.embeddings.PROFILES); `face_threshold`: a
    fixed gateway threshold instead of the calibrated ones."""
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
        return _run(pf, params, server, result, days, progress, workers, timings, alerts_out)


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
) -> dict[str, Any]:
    import os

    import psycopg

    from anju_bench.servers import scratch_database
    from anju_platform.detect import repo
    from anju_platform.detect.engine import run_estates
    from anju_sim.dbload import load_register

    with scratch_database(server, prefix="anju_bench_detect") as url, psycopg.connect(url) as conn:
        t0 = time.perf_counter()
        load_register(conn, pf)
        result["events"] = load_events(conn, pf, progress)
        result.update(gateway_faces(pf))
        calibrate(conn)
        conn.execute("ANALYZE events")
        # The state months of ingest leave (autovacuum's inserts-triggered VACUUM): a bulk
        # COPY leaves the received_at BRIN ranges unsummarised (autosummarize's work-item
        # queue overflows), and the real-time query then reads every page of every
        # partition (3.2 s on the city, 7 ms once summarised)
        repo.summarize_arrivals(conn)
        conn.commit()
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
        t1 = time.perf_counter()
        run_estates(url, estates, until=last - timedelta(days=1), workers=n, done=done)
        t2 = time.perf_counter()
        run_estates(url, estates, until=last, workers=n)
        t3 = time.perf_counter()
        result["workers"] = n
        result["full_pass_s"] = round(t2 - t1, 1)
        result["full_pass_days"] = days - 1
        result["one_new_day_s"] = round(t3 - t2, 2)
        # scored before the latency probe: its copied card use makes a card_clone alert
        result.update(score(conn, pf))
        if alerts_out is not None:
            result["alerts_out"] = dump_alerts(conn, alerts_out)
        result["realtime_s"] = _realtime_latency(conn, url)
    return result


def run_worlds(
    worlds: list[str],
    seeds: list[int],
    flats: int,
    days: int,
    workers: int | None = None,
    violation_scale: float = 1.0,
    each: Callable[[dict[str, Any]], None] | None = None,
    face_spread: float = 1.0,
) -> list[dict[str, Any]]:
    """Quality per world family and seed (no timings); `each` gets every result as it
    comes (a long series reports as it goes)."""
    out = []
    for w in worlds:
        for seed in seeds:
            r = run(flats, days, seed, workers=workers, world=w, timings=False,
                    violation_scale=violation_scale, face_spread=face_spread)  # fmt: skip
            out.append(r)
            if each:
                each(r)
    return out


def world_lines(results: list[dict[str, Any]]) -> list[str]:
    """Per world, seed and type: precision, recall, median days to alert (a table)."""

    def f(x: Any) -> str:
        return "-" if x is None else f"{x:g}" if isinstance(x, float | int) else str(x)

    out = [f"{'world':9} {'seed':>5} {'type':20} {'lab':>4} {'alr':>4} {'prec':>5} "
           f"{'recall':>6} {'days':>5}"]  # fmt: skip
    for r in results:
        w = r.get("world", {}).get("family", "default")
        for typ, v in r["per_type"].items():
            if "labelled" not in v:
                continue
            out.append(
                f"{w:9} {r['seed']:>5} {typ:20} {v['labelled']:>4} {v['alerted']:>4} "
                f"{f(v['precision']):>5} {f(v['recall']):>6} {f(v['median_days_to_alert']):>5}"
            )
        out.append(
            f"{w:9} {r['seed']:>5} false alerts on clean flats "
            f"{r['false_alerts_clean_per_1000_flats_month']} per 1,000 flats a month; "
            f"wrong-type alerts {r['wrong_type_alerts']}"
        )
        c = r["care_checks"]
        out.append(
            f"{w:9} {r['seed']:>5} care checks: {c['within_3_days']} of {c['labelled']} "
            f"within 3 days, {c['false_per_100_elderly_alone_month']} false per 100 elderly "
            "alone a month"
        )
    return out
