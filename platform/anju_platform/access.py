"""Who may do what where: one pure decision function over roles and scopes.

- admin: everything.
- authority: reads every estate; changes nothing in the register.
- manager: reads and changes records of their estates (not estate creation, users, audit).
- inspector: reads only; records tied to a flat (units, households, persons...) in their
  grids, structural records (estate, buildings, grids) of the estates their grids are in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    AUTHORITY = "authority"
    MANAGER = "manager"
    INSPECTOR = "inspector"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


class InspectorAccess(StrEnum):
    NONE = "none"  # inspectors never see it (credentials, enrollments, gateways)
    ESTATE = "estate"  # structural: visible in any estate holding one of their grids
    GRID = "grid"  # tied to a flat: visible only in their grids


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    name: str
    role: Role
    estates: frozenset[str] = frozenset()  # manager scope
    grids: frozenset[str] = frozenset()  # inspector scope
    grid_estates: frozenset[str] = frozenset()  # estates holding the inspector's grids


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record lives; a person may have several (estate of record, households)."""

    estate_id: str
    grid_id: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    inspector: InspectorAccess = InspectorAccess.GRID
    admin_only_write: bool = False  # e.g. creating or ending an estate


# The policies of the register's resources (api/register.py) and of what hangs off a
# flat (alerts, cases): buildings for the whole estate, flats for their grid's inspector.
STRUCTURE = Policy(inspector=InspectorAccess.ESTATE)
FLAT = Policy(inspector=InspectorAccess.GRID)
NO_INSPECTOR = Policy(inspector=InspectorAccess.NONE)


def allowed(who: Principal, action: Action, policy: Policy, where: Iterable[Location]) -> bool:
    if who.role is Role.ADMIN:
        return True
    if who.role is Role.AUTHORITY:
        return action is Action.READ
    places = list(where)
    if who.role is Role.MANAGER:
        if action is Action.WRITE and policy.admin_only_write:
            return False
        return any(p.estate_id in who.estates for p in places)
    # inspector
    if action is Action.WRITE or policy.inspector is InspectorAccess.NONE:
        return False
    if policy.inspector is InspectorAccess.ESTATE:
        return any(p.estate_id in who.grid_estates for p in places)
    return any(p.grid_id is not None and p.grid_id in who.grids for p in places)


def list_filter(who: Principal, policy: Policy, estate_id: str) -> tuple[bool, list[str] | None]:
    """(may list in this estate, grid ids to restrict to or None for all)."""
    if not allowed(who, Action.READ, policy, [Location(estate_id)]) and who.role != Role.INSPECTOR:
        return False, None
    if who.role is Role.INSPECTOR:
        if policy.inspector is InspectorAccess.NONE or estate_id not in who.grid_estates:
            return False, None
        if policy.inspector is InspectorAccess.GRID:
            return True, sorted(who.grids)
    return True, None
