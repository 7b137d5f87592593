"""A daily pass's events, a local day at a time, each read with the next days of the
run: one statement per span, not per day (each is planned over the day partitions:
~2 ms of backend CPU a day on the default portfolio)."""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime

import psycopg

from anju_platform.detect import repo
from anju_platform.detect.passages import EventRow

READ_AHEAD_DAYS = 7
READ_AHEAD_EVENTS = 40_000  # events held read ahead, about (a few tens of MB)


class DayReader:
    """Days come in order. `until`: the start of the run's last day, never read ahead
    into (its events may still be arriving); None: each day read alone."""

    def __init__(self, until: datetime | None = None) -> None:
        self.until = until
        # the next days' events, read with an earlier day's: (day start, events), in order
        self.ahead: list[tuple[datetime, list[EventRow]]] = []
        self.per_day = 0  # events a day in the last read

    def day(
        self, conn: psycopg.Connection, estate: str, start: datetime, end: datetime
    ) -> list[EventRow]:
        """The events of [start, end) as repo.events gives them: the same rows in the same
        (content) order. Reads up to READ_AHEAD_DAYS days of the same length, or
        READ_AHEAD_EVENTS at the last read's rate; the first read is one day."""
        while self.ahead and self.ahead[0][0] < start:
            del self.ahead[0]
        if self.ahead and self.ahead[0][0] == start:
            return self.ahead.pop(0)[1]
        step = end - start
        days = 1
        if self.until is not None and self.per_day:
            days = max(1, min(READ_AHEAD_DAYS, READ_AHEAD_EVENTS // self.per_day))
            while days > 1 and start + (days - 1) * step >= self.until:
                days -= 1  # the run's last day is read alone, at its turn
        got = repo.events(conn, estate, start, start + days * step)
        self.per_day = max(1, len(got) // days)
        if days == 1:
            return got
        # split at the day starts (events in time order; content order within a day)
        times = [e.time for e in got]
        cuts = [bisect_left(times, start + k * step) for k in range(days + 1)]
        self.ahead = [(start + k * step, got[cuts[k] : cuts[k + 1]]) for k in range(1, days)]
        return got[cuts[0] : cuts[1]]
