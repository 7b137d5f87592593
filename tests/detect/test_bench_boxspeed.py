"""The bench's machine-speed reference (anju_bench.boxspeed) sees the CPU this process
gets: with a busy process sharing its one core, the same work takes about twice as long."""

from __future__ import annotations

import multiprocessing
import os
import time
from typing import Any

from anju_bench.boxspeed import reference_s


def _spin(cpu: int, stop_at: float, ready: Any) -> None:
    os.sched_setaffinity(0, {cpu})
    ready.set()
    while time.monotonic() < stop_at:
        pass


def test_the_reference_is_slower_on_a_shared_core() -> None:
    was = os.sched_getaffinity(0)
    cpu = min(was)
    os.sched_setaffinity(0, {cpu})
    try:
        alone = reference_s(repeat=5)
        context = multiprocessing.get_context("fork")
        ready = context.Event()
        hog = context.Process(target=_spin, args=(cpu, time.monotonic() + 60, ready))
        hog.start()
        try:
            assert ready.wait(30)
            shared = reference_s(repeat=5)
        finally:
            hog.terminate()
            hog.join()
    finally:
        os.sched_setaffinity(0, was)
    assert shared > 1.3 * alone, (alone, shared)
