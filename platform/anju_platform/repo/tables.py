"""The register tables as data: key columns, writable columns, and how a row maps to the
estate and grid that scope access to it (`scope` selects estate_id, grid_id for row t)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]  # written by create / import, keys included
    scope: str  # SQL: SELECT estate_id, grid_id ... for the row aliased t
    order_by: str


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
)
BUILDINGS = Table(
    "buildings",
    ("building_id",),
    ("building_id", "estate_id", "name", "floors"),
    _OWN_ESTATE,
    "building_id",
)
ENTRANCES = Table(
    "entrances",
    ("entrance_id",),
    ("entrance_id", "building_id", "name"),
    "SELECT b.estate_id, NULL::text FROM buildings b WHERE b.building_id = t.building_id",
    "entrance_id",
)
GRIDS = Table(
    "grids",
    ("grid_id",),
    ("grid_id", "estate_id", "name"),
    "SELECT t.estate_id, t.grid_id",
    "grid_id",
)
GRID_STAFF = Table(
    "grid_staff",
    ("grid_id", "staff_id"),
    ("grid_id", "staff_id", "name", "role", "user_id"),
    "SELECT g.estate_id, g.grid_id FROM grids g WHERE g.grid_id = t.grid_id",
    "grid_id, staff_id",
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
)
HOUSEHOLDS = Table(
    "households",
    ("household_id",),
    ("household_id", "unit_id", "lease_start", "lease_end", "move_in", "move_out"),
    _VIA_UNIT,
    "household_id",
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
)
MEMBERS = Table(
    "household_members",
    ("household_id", "person_id", "valid_from"),
    ("household_id", "person_id", "role", "valid_from", "valid_to"),
    _VIA_HOUSEHOLD,
    "household_id, valid_from, person_id",
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
)
ABSENCES = Table(
    "absences",
    ("absence_id",),
    ("absence_id", "household_id", "kind", "starts_on", "ends_on", "note", "approved_by"),
    _VIA_HOUSEHOLD,
    "absence_id",
)
GATEWAYS = Table(
    "gateways",
    ("gateway_id",),
    ("gateway_id", "estate_id", "name", "mqtt_username"),
    _OWN_ESTATE,
    "gateway_id",
)
DEVICES = Table(
    "devices",
    ("device_id",),
    ("device_id", "gateway_id", "kind", "building_id", "entrance_id", "door_id", "name"),
    "SELECT g.estate_id, NULL::text FROM gateways g WHERE g.gateway_id = t.gateway_id",
    "device_id",
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
        "photo_path",
    ),
    _OWN_ESTATE,
    "enrollment_id",
)
