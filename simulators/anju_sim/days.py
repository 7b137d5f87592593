"""One estate, one day: residents' routines and behaviours make passages through the
entrance doors; passages become access, QR and face events.

Every estate-day draws from its own random streams seeded by (seed, estate, day), so a
day can be generated alone, in any order, in any process, with the same bytes."""

from __future__ import annotations

import gc
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from anju_sim import embeddings, wire
from anju_sim.model import Actor, EstateSim
from anju_sim.params import SimParams
from anju_sim.routines import resident_trips

IN, OUT = "in", "out"


def sub_seed(*parts: object) -> int:
    """A stable 64-bit seed from parts (Python's hash() is salted per process)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(slots=True)
class Passage:
    t: int  # seconds since local midnight (may exceed 86,399 slightly: next day)
    entrance: int
    direction: str
    actor: Actor | None  # None: a one-off stranger with a fresh face
    method: str  # face | card | qr | visitor | pin | tailgate | denied
    ref: str | None = None  # card hash or pass id when not the actor's own
    unit_id: str | None = None  # flat named by a visitor pass
    granted: bool = True
    reason: str | None = None
    camera: bool | None = None  # None: decide by the capture rate
    at: tuple[str, str, str] | None = None  # (estate, gateway, door) of another estate


class DayContext:
    """What behaviours use to add passages on day `day`."""

    def __init__(self, sim: EstateSim, params: SimParams, day: int, seed: int) -> None:
        self.sim = sim
        self.params = params
        self.day = day
        self.weekday = (params.start.toordinal() + day) % 7  # 0 = Monday
        self.rng = random.Random(sub_seed(seed, sim.estate_id, day, "py"))
        self.nrng = np.random.default_rng(sub_seed(seed, sim.estate_id, day, "np"))
        self.passages: list[Passage] = []
        self._pass_n = 0

    def add(self, p: Passage) -> None:
        self.passages.append(p)

    def new_pass_id(self) -> str:
        self._pass_n += 1
        return f"vp-{self.sim.estate_id}-{self.day:04d}-{self._pass_n:05d}"

    def visit(
        self, actor: Actor | None, entrance: int, unit_id: str, t_in: int, stay_s: int
    ) -> None:
        """A visitor with a pass issued by the flat: in through the QR scanner, out later."""
        pid = self.new_pass_id()
        self.add(Passage(t_in, entrance, IN, actor, "visitor", pid, unit_id))
        self.add(Passage(t_in + stay_s, entrance, OUT, actor, "visitor", pid, unit_id))


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
    from anju_sim.emit import emit

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


__all__ = ["IN", "OUT", "DayContext", "Passage", "embeddings", "generate_day", "sub_seed"]
