"""One way for a test to wait for something another process or thread does."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    check: Callable[[], T], timeout: float = 30.0, what: str = "", interval: float = 0.1
) -> T:
    """Call `check` until it returns something true and return that; after `timeout`
    seconds, fail the test saying `what` did not happen. A check may raise to fail early
    (e.g. when the process it waits for has died)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or check}")
        time.sleep(interval)
