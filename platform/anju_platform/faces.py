"""Server-side face encoding for enrollment: dlib's HOG detector, 5-point landmarks and
the ResNet descriptor from face_recognition_models, the same model files the edge uses,
so an enrolled embedding and a live sighting are comparable."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MAX_SIDE = 1280  # larger photos are scaled down first: detection time grows with area


def photo_file(folder: Path, enrollment_id: str) -> Path:
    """Where an enrollment's kept photo lives: named by the id, always inside `folder`.
    Paths never come from users (an imported `photo_path` once let a manager have the
    server unlink any file); a stored path is not trusted either."""
    path = folder / f"{enrollment_id}.img"
    if "/" in enrollment_id or "\\" in enrollment_id or path.resolve().parent != folder.resolve():
        raise ValueError(f"enrollment id {enrollment_id!r} cannot name a file")
    return path


class FaceError(ValueError):
    """The photo cannot be enrolled (unreadable, no face, several faces)."""


@dataclass(frozen=True)
class _Models:
    detector: Any
    shapes: Any
    encoder: Any


@lru_cache
def _models(model_file: Path | None) -> _Models:
    import dlib
    import face_recognition_models as frm

    return _Models(
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(frm.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(
            str(model_file) if model_file else frm.face_recognition_model_location()
        ),
    )


@lru_cache
def face_model_id(model_file: Path | None) -> str:
    """The id enrolments of this model file are recorded with (see anju_common.facecal)."""
    from anju_common.facecal import model_id

    return model_id(model_file)


def load_rgb(data: bytes) -> np.ndarray:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        img = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise FaceError("not a readable image") from exc
    if max(img.size) > MAX_SIDE:
        img.thumbnail((MAX_SIDE, MAX_SIDE))
    return np.asarray(img, dtype=np.uint8)


def encode_photo(data: bytes, upsample: int = 1, model_file: Path | None = None) -> list[float]:
    """The 128-d embedding of the single face in the photo, by the given model file
    (None: the bundled dlib ResNet v1, as on the gateways by default)."""
    rgb = load_rgb(data)
    m = _models(model_file)
    boxes = m.detector(rgb, upsample)
    if len(boxes) == 0:
        raise FaceError("no face found in the photo")
    if len(boxes) > 1:
        raise FaceError(f"{len(boxes)} faces found; an enrollment photo must show one person")
    shape = m.shapes(rgb, boxes[0])
    return [float(x) for x in m.encoder.compute_face_descriptor(rgb, shape, 1)]


def distance(a: list[float], b: list[float]) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))
