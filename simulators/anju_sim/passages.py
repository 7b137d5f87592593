"""What one estate-day is made of: passages through the entrance doors, and the
context behaviours add them to (DayContext). Emitted as events by emit.py."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from anju_sim.model import Actor, EstateSim
from anju_sim.params import SimParams
from anju_sim.seeds import sub_seed

IN, OUT = "in", "out"


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
