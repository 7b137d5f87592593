"""`anju bench simulate`: how fast the simulator makes a portfolio.

run(flats, days, seed) builds the register (timed), then generates every estate-day's
events in memory in one process (timed: events/s, MB/s of wire JSON), and returns the
figures. flats=None means the default Xiangyang portfolio (5,803 flats)."""

from __future__ import annotations

import time


def run(flats: int | None = None, days: int = 180, seed: int = 20260101) -> dict[str, object]:
    from anju_sim.params import SimParams, scaled_params
    from anju_sim.portfolio import estate_day_events, generate

    params = SimParams(seed=seed, days=days) if flats is None else scaled_params(flats, seed, days)
    t0 = time.perf_counter()
    pf = generate(params)
    t1 = time.perf_counter()
    events = 0
    size = 0
    kinds: dict[str, int] = {}
    for d in range(days):
        for e in range(len(pf.estates)):
            for ev in estate_day_events(pf, e, d):
                events += 1
                size += len(ev.data) + 1
                kinds[ev.kind] = kinds.get(ev.kind, 0) + 1
    t2 = time.perf_counter()
    gen_s = t2 - t1
    return {
        "flats": len(pf.register.units),
        "estates": len(pf.estates),
        "persons": len(pf.register.persons),
        "days": days,
        "seed": seed,
        "register_s": round(t1 - t0, 3),
        "events": events,
        "events_by_kind": kinds,
        "events_s": round(gen_s, 3),
        "events_per_s": round(events / gen_s) if gen_s else 0,
        "mb_per_s": round(size / gen_s / 1e6, 1) if gen_s else 0.0,
        "bytes_per_event": round(size / events, 1) if events else 0.0,
        "labels": len(pf.labels),
        "traps": len(pf.traps),
        "processes": 1,
    }
