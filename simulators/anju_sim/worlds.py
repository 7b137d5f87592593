"""Randomized worlds: the assumptions detection leans on, drawn per world.

A world family names ranges; `draw_world(family, seed)` draws one value per parameter
from them (its own random stream, so the portfolio's streams are untouched). The
`default` family is the simulator's own picture of the world, exactly as before: every
new parameter there is off, so the same seed gives the same bytes as without worlds.
The labels stay exact in every world: the planners record what they made happen."""

from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from anju_sim.seeds import sub_seed


class World(BaseModel):
    """One drawn world (written to the manifest under params.world)."""

    model_config = ConfigDict(extra="forbid")

    family: str = Field(default="default", title="World family")
    # how sublet, lend and overcrowding occupants get in
    occupant_card: float = Field(
        default=0.6, ge=0, le=1, title="Sublet occupants on the holder's card (else passes)"
    )
    occupant_tailgate: float = Field(
        default=0.0, ge=0, le=1, title="Occupants' entries behind someone else (no credential)"
    )
    # residents: entries behind a neighbour or let in from inside (a face at most)
    resident_tailgate: float = Field(
        default=0.0, ge=0, le=1, title="Residents' entries behind someone else or let in"
    )
    camera_capture_out: float = Field(
        default=0.0, ge=0, le=1, title="Logged exits where the camera also sees the face"
    )
    cover_absence: float = Field(
        default=0.0, ge=0, le=1, title="Sublets and lends covered by an approved absence"
    )
    evicted_gallery_dropped: bool = Field(
        default=False, title="Evicted faces removed from the gateway gallery (unknown faces)"
    )
    evicted_card_attempt: float = Field(
        default=1.0, ge=0, le=1, title="Evicted re-entries that try the old card first"
    )
    same_second: float = Field(
        default=0.0, ge=0, le=1, title="Passages in the same second as the one before"
    )
    card_scope: Literal["estate", "authority"] = Field(
        default="estate", title="Card key scope (authority: cards issued city-wide)"
    )
    clone_other_estate: float = Field(
        default=0.0, ge=0, le=1, title="Cloned cards used at another estate (authority scope)"
    )


# family -> parameter -> (low, high) for floats, or a fixed value. Values for the base
# SimParams fields (camera_capture, exit_logged, face_consent) are drawn the same way.
FAMILIES: dict[str, dict[str, tuple[float, float] | bool | str]] = {
    "default": {},
    # occupants and residents follow others in; the camera misses more
    "tailgate": {
        "occupant_card": (0.2, 0.5),
        "occupant_tailgate": (0.3, 0.7),
        "resident_tailgate": (0.05, 0.15),
        "camera_capture": (0.6, 0.85),
        "exit_logged": (0.2, 0.5),
        "evicted_gallery_dropped": True,
        "evicted_card_attempt": (0.0, 0.5),
    },
    # sublets behind an approved absence; fewer faces enrolled; cards lent more
    "cover": {
        "occupant_card": (0.7, 0.9),
        "cover_absence": (0.4, 0.8),
        "face_consent": (0.2, 0.5),
        "camera_capture_out": (0.0, 0.3),
    },
    # poor sensing: few exits logged, weak capture, same-second crowds at the door
    "sparse": {
        "camera_capture": (0.5, 0.7),
        "camera_capture_out": (0.1, 0.4),
        "exit_logged": (0.1, 0.3),
        "face_consent": (0.3, 0.5),
        "resident_tailgate": (0.0, 0.1),
        "same_second": (0.05, 0.15),
        "evicted_gallery_dropped": True,
    },
    # cards issued city-wide (one key for the authority); clones used at other estates
    "citywide": {
        "card_scope": "authority",
        "clone_other_estate": (0.5, 1.0),
        "occupant_card": (0.5, 0.9),
        "camera_capture": (0.7, 0.9),
        "exit_logged": (0.3, 0.6),
    },
}
BASE_FIELDS = ("camera_capture", "exit_logged", "face_consent")


class UnknownWorld(ValueError):
    pass


def draw_world(family: str, seed: int) -> tuple[World, dict[str, float]]:
    """The world of `family` for `seed`, and the base SimParams values it sets."""
    if family not in FAMILIES:
        known = ", ".join(sorted(FAMILIES))
        raise UnknownWorld(f"unknown world '{family}' (known: {known})")
    rng = random.Random(sub_seed(seed, "world", family))
    values: dict[str, object] = {}
    for name, spec in sorted(FAMILIES[family].items()):
        if isinstance(spec, tuple):
            lo, hi = spec
            values[name] = round(lo + (hi - lo) * rng.random(), 3)
        else:
            values[name] = spec
    base = {k: float(v) for k, v in values.items() if k in BASE_FIELDS}  # type: ignore[arg-type]
    world = World(family=family, **{k: v for k, v in values.items() if k not in BASE_FIELDS})
    return world, base
