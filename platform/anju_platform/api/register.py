"""The plain register resources, declared once: which table, which models, who may
see them (inspector access), which fields may change, how they end."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from anju_platform import schemas as s
from anju_platform.access import FLAT, NO_INSPECTOR, STRUCTURE, InspectorAccess, Policy, Principal
from anju_platform.api.crud import Resource, crud_router
from anju_platform.cards import hash_number
from anju_platform.repo import tables as t
from anju_platform.settings import PlatformSettings


def credential_values(
    model: BaseModel, settings: PlatformSettings, who: Principal
) -> dict[str, Any]:
    """Hash card / PIN numbers with the estate key; the number itself goes nowhere."""
    assert isinstance(model, s.CredentialIn)
    values = model.model_dump(exclude={"number"})
    if model.type == "face":
        raise HTTPException(422, "face credentials are made by enrollment")
    if model.number is not None:
        try:
            master = settings.card_master()
        except RuntimeError as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
        values["ref"] = hash_number(master, model.estate_id, model.number)
    return values


def absence_values(model: BaseModel, settings: PlatformSettings, who: Principal) -> dict[str, Any]:
    return {**model.model_dump(), "approved_by": who.user_id}


ESTATES = Resource(
    "estates",
    "estate",
    t.ESTATES,
    s.EstateIn,
    s.EstateOut,
    Policy(inspector=InspectorAccess.ESTATE, admin_only_write=t.ESTATES.admin_only),
    patchable=("name", "city", "housing_office", "address"),
    end_column="ended_on",
    listing=False,
)
BUILDINGS = Resource(
    "buildings",
    "building",
    t.BUILDINGS,
    s.BuildingIn,
    s.BuildingOut,
    STRUCTURE,
    patchable=("name", "floors"),
    end_column="ended_on",
)
ENTRANCES = Resource(
    "entrances",
    "entrance",
    t.ENTRANCES,
    s.EntranceIn,
    s.EntranceOut,
    STRUCTURE,
    patchable=("name",),
    end_column="ended_on",
)
GRIDS = Resource(
    "grids",
    "grid",
    t.GRIDS,
    s.GridIn,
    s.GridOut,
    STRUCTURE,
    patchable=("name",),
    end_column="ended_on",
)
UNITS = Resource(
    "units",
    "unit",
    t.UNITS,
    s.UnitIn,
    s.UnitOut,
    FLAT,
    patchable=("entrance_id", "grid_id", "floor", "number", "area_m2", "rooms"),
    end_column="ended_on",
)
HOUSEHOLDS = Resource(
    "households",
    "household",
    t.HOUSEHOLDS,
    s.HouseholdIn,
    s.HouseholdOut,
    FLAT,
    patchable=("lease_start", "lease_end"),
)
PERSONS = Resource(
    "persons",
    "person",
    t.PERSONS,
    s.PersonIn,
    s.PersonOut,
    FLAT,
    personal=True,
    patchable=("name", "birth_year", "gender", "estate_id", "phone"),
)
CREDENTIALS = Resource(
    "credentials",
    "credential",
    t.CREDENTIALS,
    s.CredentialIn,
    s.CredentialOut,
    NO_INSPECTOR,
    personal=True,
    patchable=("person_id", "valid_to"),
    end_column="revoked_at",
    end_is_datetime=True,
    prepare=credential_values,
)
CAREGIVERS = Resource(
    "caregivers",
    "caregiver",
    t.CAREGIVERS,
    s.CaregiverIn,
    s.CaregiverOut,
    FLAT,
    personal=True,
    patchable=("weekdays", "start_time", "end_time", "valid_to", "note"),
    end_column="valid_to",
)
ABSENCES = Resource(
    "absences",
    "absence",
    t.ABSENCES,
    s.AbsenceIn,
    s.AbsenceOut,
    FLAT,
    personal=True,
    patchable=("kind", "starts_on", "ends_on", "note"),
    end_column="ends_on",
    prepare=absence_values,
)
GATEWAYS = Resource(
    "gateways",
    "gateway",
    t.GATEWAYS,
    s.GatewayIn,
    s.GatewayOut,
    NO_INSPECTOR,
    patchable=("name", "mqtt_username"),
    end_column="ended_on",
)
DEVICES = Resource(
    "devices",
    "device",
    t.DEVICES,
    s.DeviceIn,
    s.DeviceOut,
    NO_INSPECTOR,
    patchable=("kind", "building_id", "entrance_id", "door_id", "name"),
    end_column="ended_on",
)

RESOURCES = [
    ESTATES,
    BUILDINGS,
    ENTRANCES,
    GRIDS,
    UNITS,
    HOUSEHOLDS,
    PERSONS,
    CREDENTIALS,
    CAREGIVERS,
    ABSENCES,
    GATEWAYS,
    DEVICES,
]


def routers() -> list[APIRouter]:
    return [crud_router(r, tag=r.path) for r in RESOURCES]
