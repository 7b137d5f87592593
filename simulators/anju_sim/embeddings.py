"""Synthetic 128-d face embeddings calibrated to the real distances on ../shared/faces
(MEASURED.md: same person 0.33-0.53, different people 0.71-1.12).

A person is a centre `offset + tau * z`; each sighting adds `sigma * z'`. In 128
dimensions distances concentrate: two sightings of one person lie about
sigma * sqrt(256) apart, two people about sqrt(128 * (tau1^2 + tau2^2) + 256 * sigma^2).
Drawing tau and sigma per person from the ranges below spreads the distances over the
measured intervals.

`spread` (SimParams.face_spread) scales how far apart different people are, the
same-person noise unchanged: 1 is the Western-like default (different people about
0.92 apart), PROFILES["crowded"] about 0.72, as crowded as dlib's model makes East Asian
faces (../shared/faces/_east_asian, MEASURED.md)."""

from __future__ import annotations

import numpy as np

DIM = 128
TAU_RANGE = (0.041, 0.062)  # centre spread per person -> different people 0.71-1.12
SIGMA_RANGE = (0.0222, 0.0302)  # sighting noise per person -> same person 0.34-0.51
DECIMALS = 4  # on the wire; the error this adds is about 0.0003 in distance
PROFILES = {"western": 1.0, "crowded": 0.71}  # face_spread presets


def _offset() -> np.ndarray:
    # dlib embeddings are not centred on zero; a fixed offset makes values look alike.
    return np.random.default_rng(128).normal(0.0, 0.08, DIM)


OFFSET = _offset()


def centres(rng: np.random.Generator, n: int, spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Face centres and per-person sighting noise for n people."""
    tau = rng.uniform(*TAU_RANGE, n) * spread
    sigma = rng.uniform(*SIGMA_RANGE, n)
    c = OFFSET + rng.standard_normal((n, DIM)) * tau[:, None]
    return c, sigma


def sightings(rng: np.random.Generator, centre: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """One noisy embedding per row of `centre` (shape (k, 128)), rounded for the wire."""
    e = centre + rng.standard_normal(centre.shape) * sigma[:, None]
    # + 0.0 turns -0.0 into 0.0: JSON stores like PostgreSQL's jsonb cannot keep the sign
    return np.round(e, DECIMALS) + 0.0


def match_distance(sigma: float, z: float) -> float:
    """Distance of a recognized sighting to its enrollment (both noisy): about
    sigma * sqrt(256), with the small chi spread of 128 dimensions (z ~ N(0, 1))."""
    z = max(-2.5, min(2.5, z))  # the measured range has no far tails
    return round(sigma * 16.0 * (1.0 + 0.044 * z), 4)


class FaceGate:
    """The estate's gateways' face matching (docs/edge.md), for the simulator: the
    enrolled gallery, thresholds calibrated on it as the platform does (or one fixed
    threshold), open-set with a margin; it counts the strangers' sightings it takes for
    a resident (the gateway's stranger false-match rate)."""

    def __init__(
        self, ids: list[str], gallery: np.ndarray, fixed: float | None, margin: float
    ) -> None:
        from anju_common.facecal import calibrate

        self.ids = ids
        self.gallery = gallery.reshape(-1, DIM)
        self.margin = margin
        if fixed is not None:
            self.threshold, limits = fixed, {}
        else:
            cal = calibrate(ids, self.gallery)
            self.threshold, limits = cal.threshold, cal.person_thresholds
        self.limits = np.asarray([limits.get(p, self.threshold) for p in ids])
        self._limit_of = dict(zip(ids, self.limits.tolist(), strict=True))
        self.strangers = 0  # sightings of people not enrolled
        self.false_matches = 0  # of those, matched to a resident

    def accepts(self, person_id: str, distance: float) -> bool:
        """A resident's own sighting at this distance from their enrolment."""
        return distance <= self._limit_of.get(person_id, self.threshold)

    def match(self, rows: np.ndarray) -> list[tuple[str, float, float] | None]:
        """(person, distance, second distance) for each row of strangers' embeddings
        that the gateway matches to a resident, else None; counted."""
        self.strangers += len(rows)
        if len(rows) == 0 or len(self.ids) == 0:
            return [None] * len(rows)
        from anju_common.facecal import pairwise

        d = pairwise(rows, self.gallery)
        order = np.argsort(d, axis=1)[:, :2]
        out: list[tuple[str, float, float] | None] = []
        for i, row in enumerate(order):
            j = int(row[0])
            best = float(d[i, j])
            second = float(d[i, row[1]]) if len(row) > 1 else 4.0
            ok = best <= self.limits[j] and second - best >= self.margin
            out.append((self.ids[j], round(best, 4), round(second, 4)) if ok else None)
        self.false_matches += sum(m is not None for m in out)
        return out
