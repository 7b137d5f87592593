"""Synthetic 128-d face embeddings calibrated to the real distances on ../shared/faces
(MEASURED.md: same person 0.33-0.53, different people 0.71-1.12).

A person is a centre `offset + tau * z`; each sighting adds `sigma * z'`. In 128
dimensions distances concentrate: two sightings of one person lie about
sigma * sqrt(256) apart, two people about sqrt(128 * (tau1^2 + tau2^2) + 256 * sigma^2).
Drawing tau and sigma per person from the ranges below spreads the distances over the
measured intervals."""

from __future__ import annotations

import numpy as np

DIM = 128
TAU_RANGE = (0.041, 0.062)  # centre spread per person -> different people 0.71-1.12
SIGMA_RANGE = (0.0222, 0.0302)  # sighting noise per person -> same person 0.34-0.51
DECIMALS = 4  # on the wire; the error this adds is about 0.0003 in distance


def _offset() -> np.ndarray:
    # dlib embeddings are not centred on zero; a fixed offset makes values look alike.
    return np.random.default_rng(128).normal(0.0, 0.08, DIM)


OFFSET = _offset()


def centres(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Face centres and per-person sighting noise for n people."""
    tau = rng.uniform(*TAU_RANGE, n)
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
