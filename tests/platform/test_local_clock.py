"""The estates' clock is given to the app (create_app's tz_offset_hours, else detection's
ANJU_DETECT_TZ_OFFSET_HOURS) and reaches the routes through deps.TzOffset."""

from __future__ import annotations

from pathlib import Path

from platform_live import live_server

from anju_platform.app import create_app
from anju_platform.detect.settings import local_offset_hours
from anju_platform.settings import PlatformSettings
from anju_platform.settings_access import AuthSettings


def test_the_app_takes_detections_clock_unless_given_one() -> None:
    dev = PlatformSettings(auth=AuthSettings(dev=True))
    assert create_app(dev).state.tz_offset_hours == local_offset_hours() == 8
    assert create_app(dev, tz_offset_hours=-5).state.tz_offset_hours == -5


def test_routes_use_the_clock_the_app_is_given(pg_url: str, tmp_path: Path) -> None:
    with (
        live_server(pg_url, tmp_path, tz_offset_hours=-5, jobs_enabled=False) as live,
        live.client("manager") as c,
    ):
        r = c.get("/api/v1/overview/config")
        assert r.status_code == 200 and r.json()["tz_offset_hours"] == -5
