"""The estates' local calendar. Detection judges local days, the workflow dates visits
in them, the simulator plans them and the bench scores them: all with these functions,
so the components can never disagree about which day an instant belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

# China Standard Time, no daylight saving; the platform's setting
# (ANJU_DETECT_TZ_OFFSET_HOURS) may say otherwise, so callers there pass it in
CHINA_OFFSET_HOURS = 8


def local_day(at: datetime, offset_hours: int = CHINA_OFFSET_HOURS) -> date:
    """The local calendar day of an aware instant."""
    return (at.astimezone(UTC) + timedelta(hours=offset_hours)).date()


def day_start(day: date, offset_hours: int = CHINA_OFFSET_HOURS) -> datetime:
    """The instant (in UTC) a local day begins."""
    return datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=offset_hours)


def local_today(offset_hours: int = CHINA_OFFSET_HOURS) -> date:
    return local_day(datetime.now(UTC), offset_hours)
