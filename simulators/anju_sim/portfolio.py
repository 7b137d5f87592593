"""generate(params) -> Portfolio: the in-memory API used by the CLI, tests, detection
work and the benchmark. Events come per estate and day from `estate_day_events`."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from anju_sim.days import generate_day
from anju_sim.life import plan_life
from anju_sim.model import EstateSim, Portfolio, Register
from anju_sim.params import SimParams
from anju_sim.register import EstateBuilder
from anju_sim.seeds import sub_seed
from anju_sim.violations import PLANNERS
from anju_sim.wire import SimEvent


def estate_sizes(params: SimParams) -> list[tuple[int, int]]:
    """(office index, flats) per estate: each office's flats split unevenly."""
    rng = random.Random(sub_seed(params.seed, "sizes"))
    out: list[tuple[int, int]] = []
    for office, (flats, k) in enumerate(
        zip(params.offices, params.estates_per_office, strict=True)
    ):
        w = [0.7 + 0.6 * rng.random() for _ in range(k)]
        sizes = [int(flats * x / sum(w)) for x in w]
        sizes[-1] += flats - sum(sizes)
        out.extend((office, n) for n in sizes)
    return out


def violation_cases(params: SimParams, sizes: list[int]) -> list[list[str]]:
    """Which violation types each estate gets, spread in proportion to its flats."""
    rng = random.Random(sub_seed(params.seed, "violations"))
    total = sum(sizes)
    per_estate: list[list[str]] = [[] for _ in sizes]
    rates = params.violations.model_dump(exclude={"at_least_one"})
    for kind in PLANNERS:
        n = round(rates[kind] * total / 1000)
        if params.violations.at_least_one and rates[kind] > 0:
            n = max(1, n)
        for _ in range(n):
            per_estate[rng.choices(range(len(sizes)), sizes)[0]].append(kind)
    return per_estate


def generate(params: SimParams, progress: Callable[[int], None] | None = None) -> Portfolio:
    """Build the register, plan everyone's life and the violations. Events are not made
    here (they would not fit in memory at city scale): see `iter_day_events`."""
    reg = Register()
    sizes = estate_sizes(params)
    cases = violation_cases(params, [n for _, n in sizes])
    estates: list[EstateSim] = []
    labels, traps = [], []
    for i, (office, flats) in enumerate(sizes):
        b = EstateBuilder(params, reg, i, office, flats)
        b.layout()
        b.populate()
        plan_life(b)
        for kind in cases[i]:
            PLANNERS[kind](b)
        estates.append(b.finish())
        labels.extend(b.labels)
        traps.extend(b.traps)
        if progress:
            progress(flats)
    return Portfolio(params, reg, estates, labels, traps)


def estate_day_events(pf: Portfolio, estate: int, day: int) -> list[SimEvent]:
    return generate_day(pf.estates[estate], pf.params, day)


def iter_day_events(pf: Portfolio, days: range | None = None) -> Iterator[list[SimEvent]]:
    """All estates' events, one list per day, in time order."""
    for d in days if days is not None else range(pf.params.days):
        day: list[SimEvent] = []
        for e in range(len(pf.estates)):
            day.extend(estate_day_events(pf, e, d))
        day.sort(key=lambda ev: ev.t)
        yield day
