"""Face-match thresholds calibrated on an estate's own faces (issue 18, item 1).

No labels are needed: the enrolled gallery holds different people by definition, and a
repeat sighting of a recognised person is that person. So every pair of embeddings of
two different people is an impostor sample, and a sighting against its own person's
enrolments is a genuine sample. The threshold holds a target false-accept rate *per
probe against the whole gallery*: a stranger is accepted when any of the N enrolled
people lies within the threshold, so each person may accept at most
p = 1 - (1 - far) ** (1 / N) of strangers. The impostor distances are fitted with a
normal (their left tail is far below any sample a small estate has), and, once there
are enough probes to see that tail directly, the empirical quantile also bounds it.

Pure functions on numpy arrays; the platform loads the data and stores the result."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FALLBACK_THRESHOLD = 0.6  # dlib's own figure, for a gallery too small to calibrate
MARGIN = 0.05  # a match must be this much nearer than the second-nearest person
DEFAULT_FAR = 0.001
MIN_IMPOSTOR_PAIRS = 10  # fewer: the fit means nothing, the fallback applies
NEAR_GAP = 0.1  # a person's threshold stays this far below their nearest other enrolment
HIST_STEP = 0.05
HIST_MAX = 1.5

Vectors = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Calibration:
    threshold: float  # for every enrolled person unless tightened below
    person_thresholds: dict[str, float]  # only the tightened ones
    far_target: float
    calibrated: bool  # False: the gallery was too small and `threshold` is the fallback
    people: int
    impostor_pairs: int
    genuine_pairs: int
    expected_far: float  # per probe against the whole gallery, from the fit
    expected_miss: float | None  # share of genuine sightings above their threshold
    impostor_mean: float | None
    impostor_sd: float | None
    histogram: dict[str, list[float] | list[int]] = field(default_factory=dict)

    def threshold_for(self, person_id: str) -> float:
        return self.person_thresholds.get(person_id, self.threshold)

    def as_dict(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "person_thresholds": self.person_thresholds,
            "far_target": self.far_target,
            "calibrated": self.calibrated,
            "people": self.people,
            "impostor_pairs": self.impostor_pairs,
            "genuine_pairs": self.genuine_pairs,
            "expected_far": self.expected_far,
            "expected_miss": self.expected_miss,
            "impostor_mean": self.impostor_mean,
            "impostor_sd": self.impostor_sd,
            "histogram": self.histogram,
        }


def pairwise(a: Vectors, b: Vectors) -> Vectors:
    """Euclidean distances of every row of `a` to every row of `b`."""
    if len(a) == 0 or len(b) == 0:
        return np.empty((len(a), len(b)))
    # |a-b|^2 = |a|^2 + |b|^2 - 2ab: no (len(a), len(b), 128) array for a big gallery
    sq = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.asarray(np.sqrt(np.maximum(sq, 0.0)), dtype=np.float64)


def per_person_far(far: float, people: int) -> float:
    """The share of strangers one person may accept so that the whole gallery of `people`
    accepts at most `far` of them."""
    return 1.0 - (1.0 - far) ** (1.0 / max(people, 1))


def _histogram(values: Sequence[float] | Vectors) -> list[int]:
    edges = np.arange(0.0, HIST_MAX + HIST_STEP / 2, HIST_STEP)
    counts, _ = np.histogram(np.clip(np.asarray(values, dtype=np.float64), 0, HIST_MAX), edges)
    return [int(c) for c in counts]


def calibrate(
    gallery_ids: Sequence[str],
    gallery: Vectors,
    sighting_ids: Sequence[str] = (),
    sightings: Vectors | None = None,
    *,
    far: float = DEFAULT_FAR,
    fallback: float = FALLBACK_THRESHOLD,
    min_pairs: int = MIN_IMPOSTOR_PAIRS,
    near_gap: float = NEAR_GAP,
) -> Calibration:
    """Thresholds for one estate's gallery (rows of `gallery`, person ids alongside, a
    person may have several rows) from its impostor and genuine distances.
    `sightings` are embeddings of recognised sightings, labelled with their person."""
    if not 0 < far < 1:
        raise ValueError("the target false-accept rate must be between 0 and 1")
    g = np.asarray(gallery, dtype=np.float64).reshape(-1, 128)
    s = np.asarray(sightings if sightings is not None else [], dtype=np.float64).reshape(-1, 128)
    gid = np.asarray(list(gallery_ids))
    sid = np.asarray(list(sighting_ids))
    if len(gid) != len(g) or len(sid) != len(s):
        raise ValueError("every embedding needs its person id")
    people = sorted(set(gid.tolist()))

    # Impostors: gallery x gallery of different people (each pair once), and every
    # sighting against the other people's enrolments. Genuine: sighting vs own person.
    gg = pairwise(g, g)
    diff_g = gid[:, None] != gid[None, :]
    upper = np.triu(np.ones_like(diff_g, dtype=bool), k=1)
    sg = pairwise(s, g)
    diff_s = sid[:, None] != gid[None, :] if len(s) else np.zeros((0, len(g)), dtype=bool)
    impostor = np.concatenate([gg[diff_g & upper], sg[diff_s]])
    own = np.where(diff_s, np.inf, sg)
    genuine = own.min(axis=1) if len(s) and len(g) else np.empty(0)
    genuine = genuine[np.isfinite(genuine)]
    histogram: dict[str, list[float] | list[int]] = {
        "edges": [round(x, 2) for x in np.arange(0.0, HIST_MAX + HIST_STEP / 2, HIST_STEP)],
        "impostor": _histogram(impostor),
        "genuine": _histogram(genuine),
    }

    if len(people) < 2 or len(impostor) < min_pairs:
        miss = float(np.mean(genuine > fallback)) if len(genuine) else None
        return Calibration(
            fallback, {}, far, False, len(people), len(impostor), len(genuine),
            expected_far=float("nan"), expected_miss=miss, impostor_mean=None,
            impostor_sd=None, histogram=histogram,
        )  # fmt: skip

    p = per_person_far(far, len(people))
    mean, sd = float(np.mean(impostor)), float(np.std(impostor, ddof=1))
    t = mean + sd * NormalDist().inv_cdf(p)
    # Nearest other person of every probe (sightings and each enrolment left out):
    # with at least 1/far of them, their own quantile says directly what the gallery
    # accepts of strangers, whatever the tail's shape.
    nearest = np.concatenate(
        [
            np.where(diff_g, gg, np.inf).min(axis=1),
            np.where(diff_s, sg, np.inf).min(axis=1) if len(s) else np.empty(0),
        ]
    )
    if len(nearest) * far >= 1:
        t = min(t, float(np.quantile(nearest, far)))
    t = round(max(t, 0.0), 4)

    # A person whose nearest other enrolment is close: their neighbour's sightings fall
    # near them, so their threshold stays `near_gap` below that distance.
    tight: dict[str, float] = {}
    for person in people:
        mine = gid == person
        near = float(gg[np.ix_(mine, ~mine)].min()) if (~mine).any() else np.inf
        if near - near_gap < t:
            tight[person] = round(max(near - near_gap, 0.0), 4)
    limits = np.asarray([tight.get(str(x), t) for x in sid]) if len(s) else np.empty(0)
    own_d = own.min(axis=1) if len(s) and len(g) else np.empty(0)
    known = np.isfinite(own_d)
    miss = float(np.mean(own_d[known] > limits[known])) if known.any() else None
    expected = 1.0 - (1.0 - NormalDist(mean, sd).cdf(t)) ** len(people)
    return Calibration(
        t, tight, far, True, len(people), len(impostor), len(genuine),
        expected_far=round(expected, 6), expected_miss=miss, impostor_mean=round(mean, 4),
        impostor_sd=round(sd, 4), histogram=histogram,
    )  # fmt: skip


def open_set_match(
    ids: Sequence[str],
    gallery: Vectors,
    probe: Vectors,
    limit_of: Callable[[str], float],
    margin: float,
) -> tuple[str | None, float | None, float | None]:
    """(matched person or None, nearest distance, distance to the nearest other person):
    the nearest person within their threshold and `margin` nearer than anyone else.
    The one rule of the gateways (anju_edge.gallery) and of the platform's re-decision."""
    if len(ids) == 0:
        return None, None, None
    d = np.linalg.norm(gallery - probe, axis=1)
    i = int(np.argmin(d))
    best, who = float(d[i]), ids[i]
    others = d[[j for j, p in enumerate(ids) if p != who]]
    second = float(others.min()) if others.size else None
    ok = best <= limit_of(who) and (second is None or second - best >= margin)
    return (who if ok else None), best, second


# The recognition model an embedding comes from: embeddings of two models live in
# different spaces, so galleries, sightings and calibrations are kept per model id.
DEFAULT_MODEL = "dlib_resnet_v1"  # dlib_face_recognition_resnet_model_v1.dat, bundled


def model_id(model_file: Path | None) -> str:
    """The id recorded with embeddings of this model file (None: the bundled model)."""
    if model_file is None:
        return DEFAULT_MODEL
    digest = hashlib.sha256()
    with model_file.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return f"{model_file.stem[:40]}-{digest.hexdigest()[:12]}"
