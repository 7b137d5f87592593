"""Embeddings of the real photos in ../shared/faces, labelled, for calibration tests.

Western set: `<identity>/1.*` is enrolled; the other photos of those people and the
faces in `_groups/` (left to right, as MANIFEST.tsv says) are the 15 probes of enrolled
people; the child in `obama_and_biden.jpg` and `_unknown/` are the 2 strangers.

`_east_asian/japanese_actors.jpg` has no labels: JAPANESE below groups its 24 faces
(numbered left to right, then top to bottom, by the centre of the detected box) into
the identities told apart by eye; two faces we could not place are left out."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from anju_edge.faces import Box, DlibRecognizer, load_rgb

STRANGER = "_stranger"
FRAME = (640, 480)  # the reference results in faces/README.md letterbox every photo to this


@dataclass(frozen=True)
class Face:
    label: str
    source: str
    box: Box
    embedding: np.ndarray


@cache
def recognizer() -> DlibRecognizer:
    return DlibRecognizer()


def _fit(rgb: np.ndarray) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    scale = min(FRAME[0] / w, FRAME[1] / h, 1.0)
    if scale >= 1.0:
        return rgb
    return np.asarray(cv2.resize(rgb, (int(w * scale), int(h * scale))), dtype=np.uint8)


def faces_in(path: Path, labels: list[str], fit: bool = True) -> list[Face]:
    """The faces of one photo, left to right, labelled in that order."""
    rgb = load_rgb(path)
    rgb = _fit(rgb) if fit else rgb
    rec = recognizer()
    boxes = sorted(rec.detect(rgb), key=lambda b: b.left)
    assert len(boxes) == len(labels), f"{path}: {len(boxes)} faces, expected {len(labels)}"
    pairs = zip(labels, boxes, strict=True)
    return [Face(lab, path.name, b, rec.encode(rgb, b)) for lab, b in pairs]


@cache
def western(faces_dir: Path) -> tuple[list[Face], list[Face]]:
    """(enrolled, probes): probes labelled with their identity or STRANGER."""
    enrolled: list[Face] = []
    probes: list[Face] = []
    with (faces_dir / "MANIFEST.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            path = row["path"]
            if path.startswith(("_variants/", "_east_asian/")):
                continue  # near-duplicates, and the unlabelled collages
            labels = [STRANGER if x.startswith("_") or path.startswith("_unknown/") else x
                      for x in row["identity"].split(",")]  # fmt: skip
            found = faces_in(faces_dir / path, labels)
            (enrolled if Path(path).stem == "1" and "/" in path and not path.startswith("_")
             else probes).extend(found)  # fmt: skip
    return enrolled, probes


# japanese_actors.jpg (1914x1274), grouped by eye; each face is named by the centre of
# its detected box in pixels. K: the actor with dark swept-back hair, in a suit (6
# photos); T: bald, goatee, often glasses (6); S: thin-faced, older, often a hat (5);
# I: bald, round face, suit (3); J: round face with some hair on top (2). I and J may be
# one man at two ages, so tests never split them between enrolled and strangers. The
# faces at (141, 743) (grey top hat) and (431, 766) (black hat, round glasses) are not
# placed.
JAPANESE: dict[str, list[tuple[int, int]]] = {
    "K": [(1077, 662), (933, 954), (1284, 1140), (1467, 774), (661, 1149), (352, 1096)],
    "T": [(1148, 420), (1789, 873), (123, 1018), (676, 891), (1428, 438), (798, 600)],
    "S": [(1431, 141), (1740, 537), (451, 476), (1614, 1161), (823, 278)],
    "I": [(1759, 211), (158, 433), (450, 158)],
    "J": [(174, 174), (1138, 158)],
}


@cache
def japanese(faces_dir: Path) -> dict[str, list[np.ndarray]]:
    """The grouped faces of japanese_actors.jpg, at full size, by identity."""
    rgb = load_rgb(faces_dir / "_east_asian" / "japanese_actors.jpg")
    rec = recognizer()
    boxes = rec.detect(rgb)
    assert len(boxes) == 24

    def at(x: int, y: int) -> Box:
        def off(b: Box) -> int:
            return abs(b.left + b.right - 2 * x) + abs(b.top + b.bottom - 2 * y)

        box = min(boxes, key=off)
        assert box.left <= x <= box.right and box.top <= y <= box.bottom
        return box

    return {who: [rec.encode(rgb, at(x, y)) for x, y in where] for who, where in JAPANESE.items()}
