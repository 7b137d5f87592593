"""Face detection and 128-d encodings, behind a small `Recognizer` protocol.

The default implementation talks to dlib directly (HOG detector, 5-point shape
predictor, ResNet encoder: the same models `face_recognition` wraps) because the
`face_recognition` package pins `dlib<20`, which would compile from source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Embedding = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Box:
    """A face box in pixel coordinates of the frame it was found in."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def scaled(self, factor: float) -> Box:
        return Box(
            round(self.left * factor),
            round(self.top * factor),
            round(self.right * factor),
            round(self.bottom * factor),
        )

    def clipped(self, width: int, height: int) -> Box:
        return Box(
            max(0, self.left), max(0, self.top), min(width, self.right), min(height, self.bottom)
        )


class Recognizer(Protocol):
    """What the pipeline needs from a face model; swap it for another model (an ONNX
    encoder through onnxruntime fits too). `model_id` goes with every embedding."""

    model_id: str

    def detect(self, rgb: Image) -> list[Box]: ...

    def encode(self, rgb: Image, box: Box) -> Embedding: ...


class DlibRecognizer:
    """dlib HOG (or CNN) detector + 5-point landmarks + ResNet 128-d encoder: the bundled
    model, or any dlib-compatible 128-d ResNet model file (`model_file`)."""

    def __init__(
        self,
        *,
        detector: str = "hog",
        upsample: int = 1,
        jitters: int = 0,
        model_file: Path | None = None,
    ) -> None:
        import dlib
        import face_recognition_models as frm

        from anju_common.facecal import model_id

        self.model_id = model_id(model_file)
        self.upsample = upsample
        self.jitters = jitters
        self._cnn: Any = None
        self._hog: Any = None
        if detector == "cnn":
            self._cnn = dlib.cnn_face_detection_model_v1(frm.cnn_face_detector_model_location())
        else:
            self._hog = dlib.get_frontal_face_detector()
        self._shape = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
        self._encoder = dlib.face_recognition_model_v1(
            str(model_file) if model_file else frm.face_recognition_model_location()
        )
        self._rect = dlib.rectangle

    def detect(self, rgb: Image) -> list[Box]:
        if self._cnn is not None:
            rects = [d.rect for d in self._cnn(rgb, self.upsample)]
        else:
            rects = list(self._hog(rgb, self.upsample))
        h, w = rgb.shape[:2]
        boxes = [Box(r.left(), r.top(), r.right(), r.bottom()).clipped(w, h) for r in rects]
        return [b for b in boxes if b.width > 0 and b.height > 0]

    def encode(self, rgb: Image, box: Box) -> Embedding:
        rect = self._rect(box.left, box.top, box.right, box.bottom)
        shape = self._shape(rgb, rect)
        vec = self._encoder.compute_face_descriptor(rgb, shape, self.jitters)
        return np.asarray(vec, dtype=np.float64)


def load_rgb(path: Path) -> Image:
    """Any photo (JPEG, 8/24/32-bit PNG) as an RGB uint8 array."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    with PILImage.open(path) as im:  # phone photos carry their rotation in EXIF
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"), dtype=np.uint8)


def distances(gallery: npt.NDArray[np.float64], probe: Embedding) -> npt.NDArray[np.float64]:
    """Euclidean distance of a probe to every row of the gallery."""
    if len(gallery) == 0:
        return np.empty(0, dtype=np.float64)
    return np.asarray(np.linalg.norm(gallery - probe, axis=1), dtype=np.float64)


def sharpness(gray: Image) -> float:
    """Variance of the Laplacian: low for blurred faces."""
    import cv2

    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def face_quality(box: Box, gray_crop: Image) -> float:
    """0..1 from face size (80 px tall is enough for the encoder) and sharpness."""
    size = min(1.0, box.height / 80.0)
    sharp = min(1.0, sharpness(gray_crop) / 100.0) if gray_crop.size else 0.0
    return round(0.6 * size + 0.4 * sharp, 3)
