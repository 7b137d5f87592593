"""Request and response models of the register API; the import validates rows with the
same `*In` models, so the API and the spreadsheet accept exactly the same data."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

# Ids appear in MQTT topics: no '/', '+', '#', no spaces.
Id = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 -]{4,29}$")]
HEX64 = re.compile(r"^[0-9a-f]{64}$")
_GENDERS = {
    "f": "F",
    "female": "F",
    "女": "F",
    "m": "M",
    "male": "M",
    "男": "M",
    "x": "X",
    "other": "X",
}


def _gender(value: object) -> object:
    return _GENDERS.get(value.strip().lower(), value) if isinstance(value, str) else value


Gender = Annotated[Literal["F", "M", "X"], BeforeValidator(_gender)]


def _sane_year(value: date) -> date:
    """PostgreSQL takes year 1 (and a move-out in year 1 failed a CHECK whose message
    echoed the row); no record of a rental estate is that old or that far ahead."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


def _local_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local time of day, without an offset (HH:MM or HH:MM:SS)")
    return value


MIN_YEAR, MAX_YEAR = 1900, 2200
Day = Annotated[date, AfterValidator(_sane_year)]
Moment = Annotated[datetime, AfterValidator(_sane_year)]
# JSON Schema's "format: time" demands an offset ("08:00:00Z"), which a local time of
# day has not: the schema says what is accepted and what is answered instead.
LocalTime = Annotated[
    time,
    AfterValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "Local time of day, HH:MM[:SS]",
            "examples": ["08:30"],
        }
    ),
]


def not_before(field: str, value: object, info: ValidationInfo) -> object:
    """Cross-field date order as a field error, so reports name the column."""
    start = info.data.get(field)
    if value is not None and start is not None and value < start:
        raise ValueError(f"{info.field_name} is before {field}")
    return value


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RowOut(BaseModel):
    """A model read from a database row (its attributes); extra columns are ignored."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")  # listed last: wins


class EstateIn(_In):
    estate_id: Id
    name: Name
    city: Text | None = None
    housing_office: Text | None = None
    address: Text | None = None


class EstateOut(EstateIn, RowOut):
    ended_on: date | None = None


class BuildingIn(_In):
    building_id: Id
    estate_id: Id
    name: Name
    floors: int | None = Field(default=None, ge=1, le=200)


class BuildingOut(BuildingIn, RowOut):
    ended_on: date | None = None


class EntranceIn(_In):
    entrance_id: Id
    building_id: Id
    name: Name


class EntranceOut(EntranceIn, RowOut):
    ended_on: date | None = None


class GridIn(_In):
    grid_id: Id
    estate_id: Id
    name: Name


class GridOut(GridIn, RowOut):
    ended_on: date | None = None


class GridStaffIn(_In):
    grid_id: Id
    staff_id: Id
    name: Name
    role: Literal["inspector", "manager", "leader", "other"] = "inspector"
    user_id: Id | None = Field(default=None, description="Login account of this staff member")


class GridStaffOut(GridStaffIn, RowOut):
    pass


class UnitIn(_In):
    unit_id: Id
    estate_id: Id
    building_id: Id
    entrance_id: Id | None = None
    grid_id: Id | None = None
    floor: int | None = Field(default=None, ge=-5, le=200)
    number: Name
    area_m2: Decimal | None = Field(default=None, ge=0, le=10000, decimal_places=2)
    rooms: int | None = Field(default=None, ge=0, le=50)


class UnitOut(UnitIn, RowOut):
    ended_on: date | None = None


class HouseholdIn(_In):
    household_id: Id
    unit_id: Id
    lease_start: Day
    lease_end: Day | None = None
    move_in: Day | None = None
    move_out: Day | None = None
    end_reason: Literal["moved_out", "evicted", "other"] | None = Field(
        default=None, description="Why the tenancy ended: evicted is told apart explicitly."
    )

    @field_validator("lease_end")
    @classmethod
    def _lease_end(cls, v: date | None, info: ValidationInfo) -> object:
        return not_before("lease_start", v, info)

    @field_validator("move_out")
    @classmethod
    def _move_out(cls, v: date | None, info: ValidationInfo) -> object:
        return not_before("move_in", v, info)


class HouseholdOut(HouseholdIn, RowOut):
    pass


class PersonIn(_In):
    person_id: Id
    name: Name
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    gender: Gender | None = None
    estate_id: Id | None = Field(default=None, description="Estate of record")
    phone: Phone | None = Field(
        default=None,
        description="Contact number; never read back from the register: only the inspector"
        " assigned to a case at the person's flat sees it (GET /cases/{id}, audited)",
    )


class PersonOut(PersonIn, RowOut):
    phone: str | None = Field(default=None, exclude=True)  # written, never listed
    created_at: datetime | None = None


class MemberIn(_In):
    household_id: Id
    person_id: Id
    role: Literal["lease_holder", "member"]
    valid_from: Day
    valid_to: Day | None = None

    @field_validator("valid_to")
    @classmethod
    def _valid_to(cls, v: date | None, info: ValidationInfo) -> object:
        return not_before("valid_from", v, info)


class MemberOut(MemberIn, RowOut):
    pass


class CredentialIn(_In):
    """Cards and PINs arrive as `number` and are hashed with the estate key; the
    number is never stored. `ref` is for QR identities, a card hash computed elsewhere,
    or (import only) the enrollment id of a face credential."""

    credential_id: Id
    person_id: Id | None = None
    estate_id: Id
    type: Literal["card", "qr", "pin", "face"]
    number: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None
    ) = None
    ref: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
        | None
    ) = Field(default=None, validate_default=True)
    valid_from: Moment
    valid_to: Moment | None = None
    revoked_at: Moment | None = None

    @field_validator("ref")
    @classmethod
    def _ref_or_number(cls, ref: str | None, info: ValidationInfo) -> str | None:
        number, kind = info.data.get("number"), info.data.get("type")
        if (number is None) == (ref is None):
            raise ValueError("give exactly one of number and ref")
        if kind in ("qr", "face") and number is not None:
            raise ValueError(f"a {kind} credential takes ref, not number")
        if kind in ("card", "pin") and ref is not None and not HEX64.match(ref):
            raise ValueError("ref of a card or pin must be the 64-char lowercase hex hash")
        return ref

    @field_validator("valid_to")
    @classmethod
    def _valid_to(cls, v: datetime | None, info: ValidationInfo) -> object:
        return not_before("valid_from", v, info)


class CredentialOut(RowOut):
    credential_id: str
    person_id: str | None
    estate_id: str
    type: str
    ref: str
    valid_from: datetime
    valid_to: datetime | None
    revoked_at: datetime | None


class CaregiverIn(_In):
    caregiver_id: Id
    person_id: Id
    unit_id: Id
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default=[1, 2, 3, 4, 5, 6, 7], description="ISO weekdays (1 = Monday) of the visits"
    )
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    valid_from: Day
    valid_to: Day | None = None
    note: Text | None = None

    @field_validator("weekdays", mode="before")
    @classmethod
    def _weekdays(cls, v: object) -> object:
        if isinstance(v, str):  # a spreadsheet cell: "[1,3,5]" or "1,3,5"
            return [x for x in re.split(r"[\s,;\[\]]+", v) if x]
        return v

    @field_validator("valid_to")
    @classmethod
    def _valid_to(cls, v: date | None, info: ValidationInfo) -> object:
        return not_before("valid_from", v, info)


class CaregiverOut(CaregiverIn, RowOut):
    pass


class AbsenceIn(_In):
    absence_id: Id
    household_id: Id
    kind: Literal["hospital", "travel", "other"]
    starts_on: Day
    ends_on: Day
    note: Text | None = None

    @field_validator("ends_on")
    @classmethod
    def _ends_on(cls, v: date, info: ValidationInfo) -> object:
        return not_before("starts_on", v, info)


class AbsenceOut(AbsenceIn, RowOut):
    approved_by: str | None = None
    approved_at: datetime | None = None


class GatewayIn(_In):
    gateway_id: Id
    estate_id: Id
    name: Text | None = None
    mqtt_username: Id | None = None


class GatewayOut(GatewayIn, RowOut):
    ended_on: date | None = None


class DeviceIn(_In):
    device_id: Id
    gateway_id: Id
    kind: Literal["door", "camera", "qr_scanner"]
    building_id: Id | None = None
    entrance_id: Id | None = None
    door_id: Id | None = None
    name: Text | None = None


class DeviceOut(DeviceIn, RowOut):
    ended_on: date | None = None


class EndOn(_In):
    on: Day = Field(description="Last day (inclusive) the record is in force")


class EndAt(_In):
    at: Moment = Field(description="Moment the record stops being valid")


class FaceEnrollmentIn(_In):
    """Import only: embeddings computed elsewhere (e.g. simulated), with their consent."""

    enrollment_id: Id
    person_id: Id
    estate_id: Id
    embedding: Annotated[list[float], Field(min_length=128, max_length=128)]
    consent_at: Moment
    consent_ref: Name

    @field_validator("embedding", mode="before")
    @classmethod
    def _parse(cls, v: object) -> object:
        if isinstance(v, str):  # "[0.1, 0.2, ...]" or "0.1 0.2 ..." or "0.1;0.2;..."
            return [x for x in re.split(r"[\s,;\[\]{}]+", v) if x]
        return v
