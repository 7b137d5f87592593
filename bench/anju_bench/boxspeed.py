"""A fixed piece of CPU work, timed beside a bench's own figures: the same code and data
ran 1.7-2x slower on this kind of machine from one day to the next (a shared host), so a
timing means little without the speed the machine had while it was taken. The work is
the pass's kind (string-keyed dicts, tuples, a sort, single-threaded); the figure is the
best of a few runs, in seconds: lower is a faster machine."""

from __future__ import annotations

import time

N = 200_000


def reference_s(repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        _work()
        best = min(best, time.perf_counter() - t)
    return round(best, 3)


def _work() -> int:
    groups: dict[str, list[tuple[int, str]]] = {}
    for i in range(N):
        key = f"e08-{i % 3001:04d}"
        groups.setdefault(key, []).append((i * 7919 % N, key))
    total = 0
    for rows in groups.values():
        rows.sort()
        total += rows[0][0]
    return total
