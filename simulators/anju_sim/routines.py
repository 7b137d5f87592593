"""Daily routines: when each kind of resident goes out and comes back (local time).

A trip is (out, in) in seconds since local midnight; either side may be None on the
day someone leaves for an absence or comes back from one."""

from __future__ import annotations

import random

from anju_sim.model import Actor

H = 3600
Trip = tuple[int | None, int | None]


def _u(rng: random.Random, a: float, b: float) -> int:
    return int(a * H + rng.random() * (b - a) * H)


def _outing(rng: random.Random, start: tuple[float, float], hours: tuple[float, float]) -> Trip:
    t = _u(rng, *start)
    return t, t + _u(rng, *hours)


def normal_day(rng: random.Random, routine: str, wd: int, night_bias: bool) -> list[Trip]:
    weekend = wd >= 5
    if night_bias:  # subtenants and lodgers keep late hours
        out = _u(rng, 9.5, 14)
        return [(out, min(out + _u(rng, 8, 12), 86399))]
    if routine == "worker":
        if weekend:
            return [_outing(rng, (9, 16), (1, 5))] if rng.random() < 0.8 else []
        trips: list[Trip] = [(_u(rng, 7, 8.75), _u(rng, 17.25, 19.75))]
        if rng.random() < 0.2:
            trips.append(_outing(rng, (19.9, 20.5), (0.5, 2)))
        return trips
    if routine == "night":  # works Sunday to Thursday nights, home by morning
        trips = []
        worked_last_night = (wd - 1) % 7 in (6, 0, 1, 2, 3)
        works_tonight = wd in (6, 0, 1, 2, 3)
        if worked_last_night:
            trips.append((None, _u(rng, 6.5, 8.5)))
        if rng.random() < 0.3:
            trips.append(_outing(rng, (14, 16), (0.5, 2)))
        if works_tonight:
            trips.append((_u(rng, 19, 21.5), None))
        return trips
    if routine == "student":
        if weekend:
            return [_outing(rng, (9, 16), (1, 4))] if rng.random() < 0.6 else []
        return [(_u(rng, 6.6, 7.5), _u(rng, 16.5, 18.5))]
    if routine == "retiree":
        trips = []
        if rng.random() < 0.8:
            trips.append(_outing(rng, (6.5, 9.5), (0.5, 3)))
        if rng.random() < 0.5:
            trips.append(_outing(rng, (14.5, 16.5), (0.5, 2)))
        return trips
    if routine == "home":
        return [_outing(rng, (9, 17), (1, 3))] if rng.random() < 0.8 else []
    return []


def _covered(a: Actor, day: int) -> bool:
    return any(start <= day < end for start, end in a.away)


def resident_trips(rng: random.Random, a: Actor, day: int, wd: int) -> list[Trip]:
    lo, hi = a.active
    if day < lo or day >= hi:
        return []
    if a.away:
        if _covered(a, day):  # away; on the first day only the departure
            return [] if _covered(a, day - 1) or day <= lo else [(_u(rng, 7, 11), None)]
        if _covered(a, day - 1) and day - 1 >= lo:  # back: only the arrival
            return [(None, _u(rng, 13, 21))]
    if day == lo:  # moves in
        return [(None, _u(rng, 10, 17))]
    if day == hi - 1 and hi < 10**5 and not a.vanishes:  # leaves for good
        return [(_u(rng, 8, 12), None)]
    return normal_day(rng, a.routine, wd, a.night_bias)
