"""Gateway health as the console shows it. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta


def shown_state(
    state: str, heartbeat: datetime | None, changed: datetime | None, now: datetime, stale_s: int
) -> tuple[str, bool]:
    """(state to show, stale). A gateway that reads online but has not been heard from
    for stale_s (no heartbeat, no state change) is offline: its last will may never have
    reached the broker (a power cut at the same time as the link)."""
    last = max((t for t in (heartbeat, changed) if t is not None), default=None)
    if state == "online" and (last is None or now - last > timedelta(seconds=stale_s)):
        return "offline", True
    return state, False
