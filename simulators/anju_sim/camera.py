"""Virtual camera: a 640x480 video (mp4v) or frame folder made from the photos in
../shared/faces, in which people walk into view, pause, and walk out, with a
ground-truth file of frame ranges per identity. Lets the edge pipeline run end to end
without hardware."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

W, H = 640, 480
SPRITE_H = 360
SKIP = ("_groups", "_variants")


def default_faces_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "faces"


@dataclass(slots=True)
class Appearance:
    identity: str
    photo: str
    direction: str  # in: left to right, out: right to left
    enrolled: bool  # false for the never-enrolled stranger
    first_frame: int  # first frame with any part of the person in view
    last_frame: int
    full_view: tuple[int, int]  # frames with the whole picture in view (face visible)


def _small_face(notes: str) -> bool:
    return "small face" in notes


def load_photos(faces: Path) -> list[tuple[str, str, np.ndarray]]:
    """(identity, relative path, BGR sprite) for every single-person photo with a
    reasonably large face (the manifest marks the others)."""
    import cv2

    rows = list(csv.DictReader((faces / "MANIFEST.tsv").open(), delimiter="\t"))
    out = []
    for r in rows:
        path = r["path"]
        if path.startswith(SKIP) or r["faces_expected"] != "1" or _small_face(r.get("notes", "")):
            continue
        img = cv2.imread(str(faces / path), cv2.IMREAD_COLOR)
        if img is None:
            continue
        scale = SPRITE_H / img.shape[0]
        w = min(int(img.shape[1] * scale), 420)
        sprite = cv2.resize(img, (w, SPRITE_H), interpolation=cv2.INTER_AREA)
        identity = "_stranger" if path.startswith("_unknown") else r["identity"]
        out.append((identity, path, sprite))
    return out


def _background() -> np.ndarray:
    """A plain corridor: graded wall, floor, a door frame."""
    bg = np.zeros((H, W, 3), dtype=np.uint8)
    bg[:, :] = np.linspace(90, 150, W, dtype=np.uint8)[None, :, None]
    bg[400:, :] = (70, 80, 85)
    bg[60:400, 250:390] = (60, 90, 120)
    return bg


def render(
    faces: Path, out: Path, seed: int = 1, walks: int = 10, fps: int = 10
) -> list[Appearance]:
    """Write the video (out ends in .mp4) or frames (out is a folder) and truth JSON."""
    import cv2

    photos = load_photos(faces)
    if not photos:
        raise FileNotFoundError(f"no usable photos in {faces}")
    rng = random.Random(seed)
    bg = _background()
    video = out.suffix.lower() == ".mp4"
    if video:
        out.parent.mkdir(parents=True, exist_ok=True)
        fourcc = cv2.VideoWriter.fourcc(*"mp4v")
        writer = cv2.VideoWriter(str(out), fourcc, fps, (W, H))
        if not writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {out}")
    else:
        out.mkdir(parents=True, exist_ok=True)
    frame_no = 0
    truth: list[Appearance] = []

    def emit(frame: np.ndarray) -> None:
        nonlocal frame_no
        if video:
            writer.write(frame)
        else:
            cv2.imwrite(str(out / f"frame_{frame_no:05d}.jpg"), frame)
        frame_no += 1

    for _ in range(fps):  # one empty second first
        emit(bg)
    for _ in range(walks):
        identity, path, sprite = photos[int(rng.random() * len(photos))]
        sw = sprite.shape[1]
        direction = "in" if rng.random() < 0.6 else "out"
        centre = (W - sw) // 2
        walk = int(1.2 * fps)
        xs = [int(-sw + (centre + sw) * i / walk) for i in range(walk)]
        xs += [centre] * int(1.5 * fps)
        xs += [int(centre + (W - centre) * i / walk) for i in range(1, walk + 1)]
        if direction == "out":
            xs = [W - sw - x for x in xs]
        first = frame_no
        full = [frame_no + i for i, x in enumerate(xs) if x >= 0 and x + sw <= W]
        for x in xs:
            frame = bg.copy()
            lo, hi = max(0, x), min(W, x + sw)
            if hi > lo:
                frame[H - SPRITE_H - 20 : H - 20, lo:hi] = sprite[:, lo - x : hi - x]
            emit(frame)
        truth.append(
            Appearance(
                identity,
                path,
                direction,
                identity != "_stranger",
                first,
                frame_no - 1,
                (full[0], full[-1]),
            )
        )
        for _ in range(int(fps * (0.5 + rng.random()))):
            emit(bg)
    if video:
        writer.release()
    truth_path = out.with_suffix(".truth.json") if video else out / "truth.json"
    doc = {
        "generator": "anju simulate camera",
        "seed": seed,
        "fps": fps,
        "size": [W, H],
        "frames": frame_no,
        "appearances": [asdict(a) for a in truth],
    }
    truth_path.write_text(json.dumps(doc, indent=2) + "\n")
    return truth
