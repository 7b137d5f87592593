"""Typed values passed between the presence model, the rules and the alert merge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple


class Presence(NamedTuple):
    """One identity seen for one unit on one local day (a detect_presence row). A tuple:
    the pass makes one per row, hundreds of thousands a day over a city, and a frozen
    dataclass's __init__ (a setattr per field) cost more than the roll-up around it."""

    unit_id: str
    day: date
    identity: str  # person id, cluster id 'u-...' or 'pass:...'
    role: str  # member | stranger | visitor | caregiver
    via: str = "card"
    cluster_id: str | None = None
    n: int = 1
    n_in: int = 1
    n_face: int = 1
    n_night: int = 0
    last_in: bool = True
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    person_id: str
    birth_year: int | None = None
    enrolled: bool = False


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """What the register says about a unit on the day a rule looks at it."""

    unit_id: str
    estate_id: str
    grid_id: str | None
    household_id: str | None
    members: tuple[Member, ...] = ()
    move_in: date | None = None
    caregivers: frozenset[str] = frozenset()
    absences: tuple[tuple[date, date], ...] = ()  # approved, inclusive

    def absent_on(self, d: date) -> bool:
        return any(a <= d <= b for a, b in self.absences)


@dataclass(frozen=True, slots=True)
class UnitClock:
    """Last signs of life for a unit (detect_unit_state) and when watching began."""

    last_any_day: date | None
    last_member_day: date | None
    last_member_in: bool | None
    watched_from: date


@dataclass(frozen=True, slots=True)
class Evidence:
    key: str  # event id or a day key: dedupes evidence across passes
    at: datetime
    day: date
    kind: str
    note: str
    event_id: str | None = None
    snapshot_ref: str | None = None
    # The note as a stable code and its values, so readers get it in their language
    # (console dictionaries: evidenceNote.<code>); note stays the English text.
    code: str | None = None
    params: tuple[tuple[str, str | int | float | bool | None], ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    type: str
    unit_id: str
    day: date
    score: float
    reason_en: str
    reason_zh: str
    level: int = 1
    first_day: date | None = None
    persons: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
