"""Calibrate an estate's face-match thresholds from its own faces and store them
(issue 18): the enrolled gallery gives the impostor distances, recognised sightings
kept in event_faces the genuine ones (anju_common.facecal does the arithmetic)."""

from __future__ import annotations

from typing import Any

import numpy as np
import psycopg

from anju_common.facecal import calibrate
from anju_platform.faces import face_model_id
from anju_platform.repo import faces
from anju_platform.settings import PlatformSettings

MAX_SIGHTINGS = 20_000  # the newest; enough for the distributions, bounded in memory


def calibrate_estate(
    conn: psycopg.Connection,
    estate_id: str,
    settings: PlatformSettings,
    *,
    far: float,
    model: str | None,
) -> dict[str, Any]:
    """Compute and store a new calibration of one face model (default: the platform's)
    for the estate, from that model's enrolments and sightings only; returns the row."""
    fallback = settings.faces.fallback_threshold
    model = model or face_model_id(settings.faces.model)
    gallery = faces.gallery(conn, estate_id, model)
    seen = faces.calibration_sightings(conn, estate_id, model, MAX_SIGHTINGS)
    enrolled = {p for p, _, _ in gallery}
    seen = [(p, b) for p, b in seen if p in enrolled and len(b) == 128 * 4]
    cal = calibrate(
        [p for p, _, _ in gallery],
        np.asarray([e for _, _, e in gallery], dtype=np.float64).reshape(-1, 128),
        [p for p, _ in seen],
        np.asarray([np.frombuffer(b, dtype="<f4") for _, b in seen], dtype=np.float64).reshape(
            -1, 128
        ),
        far=far,
        fallback=fallback,
    )
    report = cal.as_dict()
    for key in ("threshold", "person_thresholds", "far_target", "calibrated"):
        report.pop(key)
    if report["expected_far"] != report["expected_far"]:  # NaN: nothing was fitted
        report["expected_far"] = None
    with conn.transaction():
        return faces.add_calibration(
            conn,
            estate_id,
            cal.threshold,
            cal.person_thresholds,
            cal.far_target,
            cal.calibrated,
            report,
            model,
        )


def summary(row: dict[str, Any]) -> str:
    """One line for the CLI."""
    r = row["report"]
    miss = "n/a" if r["expected_miss"] is None else f"{r['expected_miss']:.1%}"
    if not row["calibrated"]:
        return (
            f"{row['estate_id']} ({row['model']}): gallery too small to calibrate"
            f" ({r['people']} people,"
            f" {r['impostor_pairs']} impostor pairs): fallback threshold {row['threshold']:.3f}"
        )
    return (
        f"{row['estate_id']} ({row['model']}): threshold {row['threshold']:.4f}"
        f" for a false-accept rate of"
        f" {row['far_target']:.2%} per stranger ({r['people']} people,"
        f" {r['impostor_pairs']} impostor and {r['genuine_pairs']} genuine distances;"
        f" impostors {r['impostor_mean']:.3f} +- {r['impostor_sd']:.3f});"
        f" {len(row['person_thresholds'])} people tightened; expected miss rate {miss}"
    )
