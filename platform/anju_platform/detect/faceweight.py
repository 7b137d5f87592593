"""Face matches weighed, not obeyed (issue 18 item 3): pure decisions over one passage.

A gateway's match is evidence with a confidence from the estate's calibration: how far
the face lies inside the person's threshold and how far ahead of the second-nearest
person (the open-set margin). A match that contradicts the person's own history (at a
building that is not theirs without a credential of their own, or with someone else's
card) does not alone make them present: a weak one is taken as an unknown face, and
the card, the clusters and the card/face check decide; a strong one stands and the
conflict is kept as evidence."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

import numpy as np

from anju_common.facecal import MARGIN, open_set_match


class Conflict(StrEnum):
    OTHER_BUILDING = "other_building"  # no credential of their own, not their building
    FOREIGN_CARD = "foreign_card"  # the card (or tenant QR) of someone else
    AFTER_FOREIGN_CARD = "after_foreign_card"  # no credential, right after someone else's


@dataclass(frozen=True, slots=True)
class MatchWeight:
    """A stored match re-measured against the calibration."""

    person_id: str | None  # the calibration's own decision (None: it rejects the match)
    distance: float | None
    second: float | None
    threshold: float | None
    confidence: float | None  # 0..1; None: nothing to weigh with (no embedding/calibration)


def confidence(
    distance: float, second: float | None, threshold: float, band: float, margin: float = MARGIN
) -> float:
    """0.5 at the edge of acceptance (distance at the threshold, or the margin to the
    second-nearest person just met), 1.0 once `band` inside both; below 0.5 outside."""

    def clamp(x: float) -> float:
        return min(1.0, max(0.0, x))

    inside = clamp(0.5 + 0.5 * (threshold - distance) / band)
    if second is None:
        return round(inside, 3)
    ahead = clamp(0.5 + 0.5 * (second - distance - margin) / band)
    return round(min(inside, ahead), 3)


def weigh(
    ids: list[str],
    gallery: np.ndarray,
    embedding: np.ndarray,
    limit_of: dict[str, float],
    default_limit: float,
    band: float,
) -> MatchWeight:
    """The open-set rule of the gateways on the embedding, with its confidence."""
    who, best, second = open_set_match(
        ids, gallery, embedding, lambda p: limit_of.get(p, default_limit), MARGIN
    )
    if best is None:
        return MatchWeight(None, None, None, None, None)
    if who is not None:
        nearest = who
    else:
        nearest = ids[int(np.argmin(np.linalg.norm(gallery - embedding, axis=1)))]
    limit = limit_of.get(nearest, default_limit)
    return MatchWeight(who, best, second, limit, confidence(best, second, limit, band))


def conflict(
    face_person: str,
    owner: str | None,
    own_building: str | None,
    door_buildings: frozenset[str],
    follows: str | None,
) -> Conflict | None:
    """How a recognised face contradicts the person's history at this passage, if it
    does. `owner`: the person of the card or tenant QR in the passage; `own_building`:
    the building of the person's flat that day; `door_buildings`: the buildings the
    gateway's doors serve (empty: unknown); `follows`: the owner of another credential
    that went through the same door seconds before (a tailgater's face, or that
    person's own face paired late)."""
    if owner is not None:
        return Conflict.FOREIGN_CARD if owner != face_person else None
    if own_building is not None and door_buildings and own_building not in door_buildings:
        return Conflict.OTHER_BUILDING
    if follows is not None and follows != face_person:
        return Conflict.AFTER_FOREIGN_CARD
    return None


def face_wins(conf: float | None, strong: float) -> bool:
    """Whether a contradicted match still stands: only a confident one does (no
    confidence to weigh: the match stands, as gateways without embeddings always did)."""
    return conf is None or conf >= strong


def verify_limit(
    impostor_mean: float | None, impostor_sd: float | None, far: float
) -> float | None:
    """The distance below which a face is the card's owner, 1:1 against one enrolment:
    the impostor distances' `far` quantile (a normal fit, as the calibration does). A
    card claims one identity, so this is looser than the 1:N threshold of the gallery."""
    if impostor_mean is None or impostor_sd is None or not 0 < far < 1:
        return None
    return round(impostor_mean + impostor_sd * NormalDist().inv_cdf(far), 4)
