"""One estate, one day: residents' routines and behaviours make passages through the
entrance doors; passages become access, QR and face events.

Every estate-day draws from its own random streams seeded by (seed, estate, day), so a
day can be generated alone, in any order, in any process, with the same bytes."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator

from anju_sim import wire
from anju_sim.emit import emit
from anju_sim.model import Actor, EstateSim
from anju_sim.params import SimParams
from anju_sim.passages import IN, OUT, DayContext, Passage
from anju_sim.routines import resident_trips


def _own_method(rng: random.Random, a: Actor, day: int) -> tuple[str, str | None]:
    if a.tailgates and rng.random() < a.tailgates:  # drawn only in worlds that set it
        return "tailgate", None
    if a.via_unit_card is not None:
        r = rng.random()
        if r < 0.6:
            return "card", a.via_unit_card
        return ("visitor", None) if r < 0.85 else ("tailgate", None)
    if a.visitor_pass:
        return ("visitor", None) if rng.random() < 0.7 else ("tailgate", None)
    if day < a.credential_from:  # not registered yet: no credential of their own
        return ("tailgate", None) if rng.random() < 0.7 else ("visitor", None)
    if a.enrolled and rng.random() < 0.85:
        return "face", None
    if a.card is not None and (a.qr is None or rng.random() < 0.85):
        return "card", a.card
    if a.qr is not None:
        return "qr", a.qr
    return "tailgate", None


def residents(ctx: DayContext) -> None:
    """Passages of everyone who lives in the estate today."""
    rng, day, wd = ctx.rng, ctx.day, ctx.weekday
    exit_logged = ctx.params.exit_logged
    for a in ctx.sim.actors:
        if a.routine == "none":
            continue
        for t_out, t_in in resident_trips(rng, a, day, wd):
            for t, direction in ((t_out, OUT), (t_in, IN)):
                if t is None:
                    continue
                if direction == OUT and rng.random() >= exit_logged:
                    continue  # out through the exit button: no reader, no camera
                method, ref = _own_method(rng, a, day)
                unit = a.unit_id if method == "visitor" else None
                if method == "visitor":
                    ref = ctx.new_pass_id()
                ctx.add(Passage(t, a.entrance, direction, a, method, ref, unit))


def generate_day(sim: EstateSim, params: SimParams, day: int) -> list[wire.SimEvent]:
    """All events of one estate on one window day, in time order."""
    # A day makes no reference cycles; the collector would rescan the whole portfolio
    # again and again while a day allocates its passages (it doubled the run time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        ctx = DayContext(sim, params, day, params.seed)
        residents(ctx)
        for b in sim.behaviours:
            b.day(ctx)  # type: ignore[attr-defined]
        return emit(ctx)
    finally:
        if was_enabled:
            gc.enable()


def iter_estate_days(
    sim: EstateSim, params: SimParams, days: range | None = None
) -> Iterator[tuple[int, list[wire.SimEvent]]]:
    for d in days if days is not None else range(params.days):
        yield d, generate_day(sim, params, d)
