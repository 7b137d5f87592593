"""Reads made for the console: GET /api/v1/overview/gateways (gateway health; not for
inspectors, like the register's gateway records) and GET /api/v1/overview/places (the
names of an estate's flats, grids and doors, so pages show names instead of ids)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from anju_platform.access import Location, list_filter
from anju_platform.api.register import FLAT, NO_INSPECTOR
from anju_platform.console.dictionary import console_vocabulary
from anju_platform.console.health import shown_state
from anju_platform.console.places import device_label, flat_label
from anju_platform.deps import Conn, Settings, TzOffset, User, log
from anju_platform.repo import console

router = APIRouter(prefix="/overview", tags=["console"])

# The dashboards compose provisions from dashboards/json (uid, title).
DASHBOARDS = [
    {"uid": "anju-estate-live", "title": "Estate live"},
    {"uid": "anju-occupancy", "title": "Occupancy"},
    {"uid": "anju-operations", "title": "Operations"},
    {"uid": "anju-pipeline", "title": "Pipeline health"},
]


class GatewayHealthOut(BaseModel):
    gateway_id: str
    name: str | None = Field(description="Gateway name from the register")
    state: str = Field(description="online, offline or unknown (never reported)")
    version: str | None = Field(description="Agent version last reported")
    state_time: datetime | None = Field(description="When the state last changed")
    heartbeat_time: datetime | None = Field(description="Last heartbeat received")
    queue_depth: int | None = Field(description="Events buffered on the gateway")
    dropped: int | None = Field(description="Events the gateway dropped (buffer full)")
    stale: bool = Field(
        default=False,
        description="Reported online but silent for longer than ANJU_PLATFORM_GATEWAY_STALE_S:"
        " shown (and returned) as offline",
    )


@router.get(
    "/gateways",
    response_model=list[GatewayHealthOut],
    summary="Gateway health of one estate (console overview)",
)
def gateway_health(
    conn: Conn, who: User, settings: Settings, estate_id: str = Query(..., description="Estate")
) -> list[dict[str, Any]]:
    ok, _ = list_filter(who, NO_INSPECTOR, estate_id)
    if not ok:
        raise HTTPException(403, "estate is outside your scope")
    now = datetime.now(UTC)
    with conn.transaction():
        rows = console.gateway_health(conn, estate_id)
    out = []
    for g in rows:
        state, stale = shown_state(
            g["state"], g["heartbeat_time"], g["state_time"], now, settings.console.gateway_stale_s
        )
        out.append({**g, "state": state, "stale": stale})
    return out


class ConsoleConfig(BaseModel):
    tz_offset_hours: int = Field(description="The estates' local time (UTC+8 in China)")
    gateway_stale_s: int = Field(description="Silent this long, a gateway shows offline")
    grafana_url: str | None = Field(description="Where Grafana is; null: no links")
    dashboards: list[dict[str, str]] = Field(description="Grafana dashboards: uid and title")
    vocabulary: dict[str, dict[str, Any]] = Field(
        description="The workflow's terms: `values` (group -> its stable names, in order) and "
        "`labels` (language -> 'group.name' -> text), e.g. labels['zh-CN']['outcome.confirmed']"
    )


@router.get("/config", response_model=ConsoleConfig, summary="What the console needs to know")
def console_config(who: User, settings: Settings, tz: TzOffset) -> dict[str, Any]:
    return {
        "tz_offset_hours": tz,
        "gateway_stale_s": settings.console.gateway_stale_s,
        "grafana_url": settings.console.grafana_url.rstrip("/")
        if settings.console.grafana_url
        else None,
        "dashboards": DASHBOARDS if settings.console.grafana_url else [],
        "vocabulary": console_vocabulary(),
    }


class UnitPlace(BaseModel):
    unit_id: str
    label: str = Field(description="As people say it: building, entrance and room (1栋2单元0501)")
    building_id: str
    entrance_id: str | None
    grid_id: str | None
    floor: int | None
    household_id: str | None = Field(description="The household living there now")
    household_name: str | None = Field(description="Its lease holder's name")


class NamedPlace(BaseModel):
    id: str
    name: str
    building_id: str | None = None


class DevicePlace(BaseModel):
    device_id: str
    gateway_id: str
    kind: str
    label: str | None = Field(description="Its name, else the entrance and door it is at")


class PlacesOut(BaseModel):
    buildings: list[NamedPlace]
    entrances: list[NamedPlace]
    grids: list[NamedPlace]
    units: list[UnitPlace] = Field(description="Inspectors: the flats of their grids")
    gateways: list[NamedPlace] = Field(description="Not for inspectors")
    devices: list[DevicePlace] = Field(description="Not for inspectors")


@router.get(
    "/places",
    response_model=PlacesOut,
    summary="Names of an estate's places for the console (flats, grids, doors)",
)
def estate_places(
    conn: Conn, who: User, estate_id: str = Query(..., description="Estate")
) -> dict[str, Any]:
    ok, grids = list_filter(who, FLAT, estate_id)
    if not ok:
        raise HTTPException(403, "estate is outside your scope")
    with conn.transaction():
        found = console.places(conn, estate_id, grids)
        gateways, devices = [], []
        if list_filter(who, NO_INSPECTOR, estate_id)[0]:
            gateways = [
                {"id": g["gateway_id"], "name": g["name"] or g["gateway_id"]}
                for g in console.gateway_health(conn, estate_id)
            ]
            devices = [
                {**d, "label": device_label(d["name"], d["building_name"], d["entrance_name"],
                                            d["door_id"])}
                for d in console.devices(conn, estate_id)
            ]  # fmt: skip
        # lease holders' names are personal data: the read is audited
        log(conn, who, "list", "household", None, [Location(estate_id)],
            {"count": sum(1 for u in found["units"] if u["household_name"])})  # fmt: skip
    named = lambda rows, key: [  # noqa: E731
        {"id": r[key], "name": r["name"], "building_id": r.get("building_id")} for r in rows
    ]
    return {
        "buildings": named(found["buildings"], "building_id"),
        "entrances": named(found["entrances"], "entrance_id"),
        "grids": named(found["grids"], "grid_id"),
        "units": [
            {**u, "label": flat_label(u["building_name"], u["entrance_name"], u["number"])}
            for u in found["units"]
        ],
        "gateways": gateways,
        "devices": devices,
    }


class ChartsOut(BaseModel):
    days: int
    open_alerts: list[dict[str, Any]] = Field(
        description="Alerts open at the end of each local day: day, type, grid_id, open"
    )
    entries: list[dict[str, Any]] = Field(
        description="Doors opened coming in, by local hour and entrance (not for inspectors)"
    )
    uptime: list[dict[str, Any]] = Field(
        description="Per gateway: hours heard from, out of days x 24 (not for inspectors)"
    )


@router.get("/charts", response_model=ChartsOut, summary="Figures for the console's charts")
def charts(
    conn: Conn,
    who: User,
    tz: TzOffset,
    estate_id: str = Query(..., description="Estate"),
    days: int = Query(30, ge=1, le=366, description="How many days back"),
) -> dict[str, Any]:
    ok, grids = list_filter(who, FLAT, estate_id)
    if not ok:
        raise HTTPException(403, "estate is outside your scope")
    with conn.transaction():
        out: dict[str, Any] = {
            "days": days,
            "open_alerts": console.open_alerts_by_day(conn, estate_id, grids, days, tz),
            "entries": [],
            "uptime": [],
        }
        if list_filter(who, NO_INSPECTOR, estate_id)[0]:
            week = min(days, 7)  # events: a week is enough for a daily rhythm, and cheaper
            out["entries"] = console.entries_by_hour(conn, estate_id, week, tz)
            out["uptime"] = [
                {**g, "share": round(g["hours"] / (week * 24), 4)}
                for g in console.gateway_hours(conn, estate_id, week)
            ]
    return out
