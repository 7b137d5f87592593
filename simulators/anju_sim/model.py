"""What a portfolio is made of: register rows (one dataclass per register table, fields
named exactly like the columns of migrations/0001_register.sql), the simulated actors,
and the ground-truth labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from anju_sim.embeddings import FaceGate
from anju_sim.params import SimParams


@dataclass(slots=True)
class Estate:
    estate_id: str
    name: str
    city: str
    housing_office: str
    address: str


@dataclass(slots=True)
class Building:
    building_id: str
    estate_id: str
    name: str
    floors: int


@dataclass(slots=True)
class Entrance:
    entrance_id: str
    building_id: str
    name: str


@dataclass(slots=True)
class Grid:
    grid_id: str
    estate_id: str
    name: str


@dataclass(slots=True)
class GridStaff:
    grid_id: str
    staff_id: str
    name: str
    role: str


@dataclass(slots=True)
class Unit:
    unit_id: str
    estate_id: str
    building_id: str
    entrance_id: str
    grid_id: str
    floor: int
    number: str
    area_m2: float
    rooms: int


@dataclass(slots=True)
class Household:
    household_id: str
    unit_id: str
    lease_start: date
    lease_end: date | None
    move_in: date | None
    move_out: date | None
    end_reason: str | None = None  # moved_out | evicted | other (0011_worlds_end_reason.sql)


@dataclass(slots=True)
class Person:
    person_id: str
    name: str
    birth_year: int
    gender: str
    estate_id: str  # estate of record (0003_platform.sql): scopes carers without a household


@dataclass(slots=True)
class HouseholdMember:
    household_id: str
    person_id: str
    role: str
    valid_from: date
    valid_to: date | None


@dataclass(slots=True)
class Credential:
    credential_id: str
    person_id: str
    estate_id: str
    type: str
    ref: str
    valid_from: datetime
    valid_to: datetime | None
    revoked_at: datetime | None


@dataclass(slots=True)
class FaceEnrollment:
    enrollment_id: str
    person_id: str
    estate_id: str
    embedding: list[float]
    consent_at: datetime
    consent_ref: str


@dataclass(slots=True)
class Gateway:
    gateway_id: str
    estate_id: str
    name: str
    mqtt_username: str


@dataclass(slots=True)
class Device:
    device_id: str
    gateway_id: str
    kind: str
    building_id: str
    entrance_id: str
    door_id: str | None
    name: str


@dataclass(slots=True)
class Caregiver:
    """A carer registered with the office for a flat (migrations/0003_platform.sql)."""

    caregiver_id: str
    person_id: str
    unit_id: str
    weekdays: list[int]  # ISO weekdays, 1 = Monday
    start_time: time | None
    end_time: time | None
    valid_from: date
    valid_to: date | None
    note: str | None


@dataclass(slots=True)
class Absence:
    """An absence the household reported and the office approved (0003_platform.sql)."""

    absence_id: str
    household_id: str
    kind: str  # hospital | travel | other
    starts_on: date
    ends_on: date
    note: str | None


# Table name -> row type, in foreign-key order (load and CSV order).
REGISTER_TABLES: dict[str, type] = {
    "estates": Estate,
    "buildings": Building,
    "entrances": Entrance,
    "grids": Grid,
    "grid_staff": GridStaff,
    "units": Unit,
    "households": Household,
    "persons": Person,
    "household_members": HouseholdMember,
    "credentials": Credential,
    "face_enrollments": FaceEnrollment,
    "caregivers": Caregiver,
    "absences": Absence,
    "gateways": Gateway,
    "devices": Device,
}


@dataclass(slots=True)
class Register:
    estates: list[Estate] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    entrances: list[Entrance] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    grid_staff: list[GridStaff] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    household_members: list[HouseholdMember] = field(default_factory=list)
    credentials: list[Credential] = field(default_factory=list)
    face_enrollments: list[FaceEnrollment] = field(default_factory=list)
    caregivers: list[Caregiver] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)

    def table(self, name: str) -> list[object]:
        rows: list[object] = getattr(self, name)
        return rows


DayRange = tuple[int, int]  # [first day index, end day index) of the window


@dataclass(slots=True)
class Actor:
    """Anyone who passes a door: tenant, member, subtenant, caregiver, courier...

    `aid` indexes the estate's face centres. Day ranges are indexes into the window
    (negative or beyond `days` for things that began before or end after it)."""

    aid: int
    ident: str  # register person_id, or a synthetic 'x-...' id for unregistered people
    routine: str  # worker | night | student | retiree | home | none
    entrance: int  # index into the estate's entrances (the stairwell of the flat)
    unit_id: str | None
    person_id: str | None = None  # set when the person is in the register
    enrolled: bool = False  # face in the gateway gallery (recognized as person_id)
    card: str | None = None  # card hash
    qr: str | None = None  # tenant QR pass id
    active: DayRange = (-(10**6), 10**6)  # lives here during these days
    away: list[DayRange] = field(default_factory=list)
    credential_from: int = -(10**6)  # late registration: no card before this day
    via_unit_card: str | None = None  # uses someone else's card (sublet, lend)
    visitor_pass: bool = False  # enters on visitor passes for unit_id
    night_bias: bool = False  # keeps late hours (subtenants)
    vanishes: bool = False  # stops being seen at the end of `active` (no last exit)
    tailgates: float = 0.0  # share of entries behind someone else or let in (worlds)

    def present(self, day: int) -> bool:
        if not self.active[0] <= day < self.active[1]:
            return False
        return all(not a <= day < b for a, b in self.away)


class Label(BaseModel):
    """One ground-truth case: a violation, a near miss, or a trap of normal life."""

    model_config = ConfigDict(extra="forbid")

    estate_id: str
    unit_id: str
    household_id: str | None = None
    type: str = Field(description="Violation or trap type, e.g. sublet, spring_festival.")
    start: datetime = Field(description="UTC; may lie before the window (began earlier).")
    end: datetime | None = Field(default=None, description="UTC; null = still going at the end.")
    persons: list[str] = Field(
        default_factory=list,
        description="Register person ids involved, and synthetic 'x-' ids of unregistered people.",
    )
    violation: bool = Field(default=True, description="false for near misses and traps.")
    days: int | None = Field(default=None, description="Length in days, for vacancies.")
    documented: bool | None = Field(
        default=None,
        description="Traps: the register explains it (an approved absence, a registered "
        "carer); false: the office was never told.",
    )
    note: str | None = None


@dataclass(slots=True)
class EstateSim:
    """Everything needed to generate one estate's days without the rest."""

    index: int
    estate_id: str
    card_key: bytes
    entrances: list[str]  # entrance ids
    gateways: list[str]  # gateway id per entrance
    doors: dict[str, str]  # gateway id -> door id
    units: list[Unit]
    actors: list[Actor]
    centres: np.ndarray  # (n_actors, 128) face centres
    sigmas: np.ndarray  # (n_actors,) per-sighting noise
    behaviours: list[object]  # Behaviour objects (see behaviours.py)
    faces: FaceGate  # the gateways' face matching: gallery, thresholds, counts


@dataclass(slots=True)
class Portfolio:
    params: SimParams
    register: Register
    estates: list[EstateSim]
    labels: list[Label]
    traps: list[Label]
