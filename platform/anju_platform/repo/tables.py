"""The register tables as data: key columns, writable columns, how a row maps to the
estate and grid that scope access to it (`scope` selects estate_id, grid_id for row t),
and which columns name another register record (`refs`: checked by `anju_platform.links`
on every API write and import row, so a write can only name records the writer may change)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]  # written by create / import, keys included
    scope: str  # SQL: SELECT estate_id, grid_id ... for the row aliased t
    order_by: str
    refs: tuple[tuple[str, Table], ...] = field(default=())  # column -> table it names
    admin_only: bool = False  # only admins create or change it (estates), API and import


_VIA_UNIT = "SELECT u.estate_id, u.grid_id FROM units u WHERE u.unit_id = t.unit_id"
_VIA_HOUSEHOLD = (
    "SELECT u.estate_id, u.grid_id FROM households h JOIN units u ON u.unit_id = h.unit_id"
    " WHERE h.household_id = t.household_id"
)
_OWN_ESTATE = "SELECT t.estate_id, NULL::text"

ESTATES = Table(
    "estates",
    ("estate_id",),
    ("estate_id", "name", "city", "housing_office", "address"),
    _OWN_ESTATE,
    "estate_id",
    admin_only=True,
)
BUILDINGS = Table(
    "buildings",
    ("building_id",),
    ("building_id", "estate_id", "name", "floors"),
    _OWN_ESTATE,
    "building_id",
    refs=(("estate_id", ESTATES),),
)
ENTRANCES = Table(
    "entrances",
    ("entrance_id",),
    ("entrance_id", "building_id", "name"),
    "SELECT b.estate_id, NULL::text FROM buildings b WHERE b.building_id = t.building_id",
    "entrance_id",
    refs=(("building_id", BUILDINGS),),
)
GRIDS = Table(
    "grids",
    ("grid_id",),
    ("grid_id", "estate_id", "name"),
    "SELECT t.estate_id, t.grid_id",
    "grid_id",
    refs=(("estate_id", ESTATES),),
)
GRID_STAFF = Table(
    "grid_staff",
    ("grid_id", "staff_id"),
    ("grid_id", "staff_id", "name", "role", "user_id"),
    "SELECT g.estate_id, g.grid_id FROM grids g WHERE g.grid_id = t.grid_id",
    "grid_id, staff_id",
    refs=(("grid_id", GRIDS),),
)
UNITS = Table(
    "units",
    ("unit_id",),
    (
        "unit_id",
        "estate_id",
        "building_id",
        "entrance_id",
        "grid_id",
        "floor",
        "number",
        "area_m2",
        "rooms",
    ),
    "SELECT t.estate_id, t.grid_id",
    "unit_id",
    refs=(
        ("estate_id", ESTATES),
        ("building_id", BUILDINGS),
        ("entrance_id", ENTRANCES),
        ("grid_id", GRIDS),
    ),
)
HOUSEHOLDS = Table(
    "households",
    ("household_id",),
    ("household_id", "unit_id", "lease_start", "lease_end", "move_in", "move_out", "end_reason"),
    _VIA_UNIT,
    "household_id",
    refs=(("unit_id", UNITS),),
)
PERSONS = Table(
    "persons",
    ("person_id",),
    ("person_id", "name", "birth_year", "gender", "estate_id", "phone"),
    "SELECT t.estate_id, NULL::text WHERE t.estate_id IS NOT NULL"
    " UNION ALL SELECT u.estate_id, u.grid_id FROM household_members m"
    " JOIN households h ON h.household_id = m.household_id"
    " JOIN units u ON u.unit_id = h.unit_id WHERE m.person_id = t.person_id"
    " UNION ALL SELECT u.estate_id, u.grid_id FROM caregivers c"
    " JOIN units u ON u.unit_id = c.unit_id WHERE c.person_id = t.person_id",
    "person_id",
    refs=(("estate_id", ESTATES),),
)
MEMBERS = Table(
    "household_members",
    ("household_id", "person_id", "valid_from"),
    ("household_id", "person_id", "role", "valid_from", "valid_to"),
    _VIA_HOUSEHOLD,
    "household_id, valid_from, person_id",
    refs=(("household_id", HOUSEHOLDS), ("person_id", PERSONS)),
)
CREDENTIALS = Table(
    "credentials",
    ("credential_id",),
    (
        "credential_id",
        "person_id",
        "estate_id",
        "type",
        "ref",
        "valid_from",
        "valid_to",
        "revoked_at",
    ),
    _OWN_ESTATE,
    "credential_id",
    refs=(("person_id", PERSONS), ("estate_id", ESTATES)),
)
CAREGIVERS = Table(
    "caregivers",
    ("caregiver_id",),
    (
        "caregiver_id",
        "person_id",
        "unit_id",
        "weekdays",
        "start_time",
        "end_time",
        "valid_from",
        "valid_to",
        "note",
    ),
    _VIA_UNIT,
    "caregiver_id",
    refs=(("person_id", PERSONS), ("unit_id", UNITS)),
)
ABSENCES = Table(
    "absences",
    ("absence_id",),
    ("absence_id", "household_id", "kind", "starts_on", "ends_on", "note", "approved_by"),
    _VIA_HOUSEHOLD,
    "absence_id",
    refs=(("household_id", HOUSEHOLDS),),
)
GATEWAYS = Table(
    "gateways",
    ("gateway_id",),
    ("gateway_id", "estate_id", "name", "mqtt_username"),
    _OWN_ESTATE,
    "gateway_id",
    refs=(("estate_id", ESTATES),),
)
DEVICES = Table(
    "devices",
    ("device_id",),
    ("device_id", "gateway_id", "kind", "building_id", "entrance_id", "door_id", "name"),
    "SELECT g.estate_id, NULL::text FROM gateways g WHERE g.gateway_id = t.gateway_id",
    "device_id",
    refs=(("gateway_id", GATEWAYS), ("building_id", BUILDINGS), ("entrance_id", ENTRANCES)),
)
ENROLLMENTS = Table(
    "face_enrollments",
    ("enrollment_id",),
    (
        "enrollment_id",
        "person_id",
        "estate_id",
        "embedding",
        "consent_at",
        "consent_ref",
    ),
    _OWN_ESTATE,
    "enrollment_id",
    refs=(("person_id", PERSONS), ("estate_id", ESTATES)),
)
