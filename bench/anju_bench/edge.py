"""Edge pipeline benchmark and the synthetic entrance clips it (and the edge tests) use.

Clips are 640x480: a static entrance background with sensor noise, and face photos
from ../shared/faces carried across the view (enter on one side, leave on the other)."""

from __future__ import annotations

import functools
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

W, H = 640, 480
Frame = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Walker:
    label: str  # person id, or "" for a stranger
    crop: Frame  # head and shoulders, BGR


def background(seed: int = 7) -> Frame:
    """A plain corridor with a door frame and some texture (detectors see edges)."""
    import cv2

    rng = np.random.default_rng(seed)
    img = np.full((H, W, 3), 170, np.uint8)
    img[:, :, 0] = np.linspace(150, 200, W, dtype=np.uint8)[None, :]
    cv2.rectangle(img, (220, 40), (420, 479), (90, 80, 70), 12)
    cv2.rectangle(img, (0, 400), (639, 479), (120, 120, 120), -1)
    noise = rng.integers(0, 12, (H, W, 3), dtype=np.uint8)
    return np.asarray(cv2.add(img, noise), dtype=np.uint8)


@functools.lru_cache(maxsize=1)
def _recognizer() -> Any:
    from anju_edge.faces import DlibRecognizer

    return DlibRecognizer(upsample=1)


def head_crop(photo: Path, face_px: int = 110) -> Frame:
    """Crop head and shoulders around the largest face, scaled to a face height."""
    import cv2

    from anju_edge.faces import load_rgb

    rgb = load_rgb(photo)
    scale = min(1.0, 1000 / max(rgb.shape[:2]))
    small = cv2.resize(rgb, None, fx=scale, fy=scale) if scale < 1 else rgb
    boxes = _recognizer().detect(small)
    if not boxes:
        raise ValueError(f"no face in {photo}")
    b = max(boxes, key=lambda x: x.height).scaled(1 / scale)
    h, w = rgb.shape[:2]
    top, bottom = max(0, b.top - b.height), min(h, b.bottom + b.height)
    left, right = max(0, b.left - b.width * 3 // 4), min(w, b.right + b.width * 3 // 4)
    crop = cv2.cvtColor(rgb[top:bottom, left:right], cv2.COLOR_RGB2BGR)
    f = face_px / b.height
    return np.asarray(cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), np.uint8)


def walk(bg: Frame, crop: Frame, step_px: int, rng: np.random.Generator) -> Iterator[Frame]:
    """Frames of one person crossing the view from left to right."""
    import cv2

    ch, cw = crop.shape[:2]
    ch, cw = min(ch, H), min(cw, W)
    crop = crop[:ch, :cw]
    y = max(0, (H - ch) // 2 - 30)
    for x in range(-cw // 2, W - cw // 2, step_px):
        frame = bg.copy()
        x0, x1 = max(0, x), min(W, x + cw)
        frame[y : y + ch, x0:x1] = crop[:, x0 - x : x1 - x]
        yield jitter(frame, rng, cv2)


def jitter(frame: Frame, rng: np.random.Generator, cv2: Any) -> Frame:
    noise = rng.integers(0, 6, frame.shape, dtype=np.uint8)
    return np.asarray(cv2.add(frame, noise), dtype=np.uint8)


def entrance_frames(
    bg: Frame, walkers: list[Walker], *, gap_frames: int, step_px: int, seed: int = 1
) -> Iterator[Frame]:
    """Empty gap, person, empty gap, person, ... (gap 0: a face in nearly every frame)."""
    import cv2

    rng = np.random.default_rng(seed)
    for w in walkers:
        for _ in range(gap_frames):
            yield jitter(bg, rng, cv2)
        yield from walk(bg, w.crop, step_px, rng)
    for _ in range(gap_frames):
        yield jitter(bg, rng, cv2)


def write_folder(frames: Iterator[Frame], folder: Path) -> int:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for n, f in enumerate(frames, 1):
        cv2.imwrite(str(folder / f"{n:06d}.jpg"), f, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return n


def write_mp4(frames: Iterator[Frame], path: Path, fps: float = 15.0) -> int:
    import cv2

    out: Any = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (W, H))
    n = 0
    for f in frames:
        out.write(f)
        n += 1
    out.release()
    return n


def default_walkers(faces_dir: Path) -> list[Walker]:
    """Every non-enrollment photo of each person, plus the stranger."""
    out: list[Walker] = []
    for person in sorted(p for p in faces_dir.iterdir() if p.is_dir() and p.name[0] != "_"):
        for photo in sorted(person.iterdir()):
            if photo.stem != "1":
                out.append(Walker(person.name, head_crop(photo)))
    for photo in sorted((faces_dir / "_unknown").iterdir()):
        out.append(Walker("", head_crop(photo)))
    return out


def build_clips(faces_dir: Path, out_dir: Path, seconds: float, fps: float) -> dict[str, Path]:
    """The realistic entrance clip (mostly empty, people passing every ~8 s) and a clip
    with a face in (nearly) every frame, as mp4 at `fps`."""
    walkers = default_walkers(faces_dir)
    total = int(seconds * fps)
    bg = background()
    out_dir.mkdir(parents=True, exist_ok=True)

    def take(frames: Iterator[Frame]) -> Iterator[Frame]:
        for i, f in enumerate(frames):
            if i >= total:
                return
            yield f

    def cycle(gap: int) -> Iterator[Frame]:
        seed = 1
        while True:
            yield from entrance_frames(bg, walkers, gap_frames=gap, step_px=25, seed=seed)
            seed += 1

    realistic, busy = out_dir / "entrance.mp4", out_dir / "faces.mp4"
    write_mp4(take(cycle(int(6 * fps))), realistic, fps)
    write_mp4(take(cycle(0)), busy, fps)
    return {"realistic": realistic, "face_every_frame": busy}


def measure(clip: Path, gallery: Any, fps: float, progress: Any = None) -> dict[str, float]:
    """Decode + full pipeline over every frame of a clip, as fast as it goes."""
    from anju_edge.capture import open_source
    from anju_edge.config import CameraConfig, FacesSection
    from anju_edge.faces import DlibRecognizer
    from anju_edge.pipeline import FacePipeline

    events: list[Any] = []
    pipe = FacePipeline(
        estate_id="bench",
        gateway_id="bench",
        camera=CameraConfig(id="cam-bench", source=str(clip)),
        faces=FacesSection(),
        recognizer=DlibRecognizer(),
        gallery=lambda: gallery,
        emit=events.append,
    )
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for frame in open_source(str(clip)):
        pipe.process(frame)
        if progress:
            progress()
    pipe.flush()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    s = pipe.stats
    return {
        "frames": s.frames,
        "seconds": round(wall, 2),
        "frames_per_s": round(s.frames / wall, 1),
        "faces_encoded": s.faces_encoded,
        "faces_encoded_per_s": round(s.faces_encoded / wall, 2),
        "detector_runs": s.detections,
        "events": len(events),
        "matched": sum(1 for e in events if e.person_id),
        # process CPU time / wall time while running flat out on one core
        "cpu_per_camera": round(cpu / wall, 2),
        "cpu_ms_per_frame": round(1000 * cpu / max(s.frames, 1), 1),
        # frames per CPU-second: the rate on a core of its own (the box may be shared)
        "frames_per_cpu_s": round(s.frames / max(cpu, 1e-9), 1),
        # share of one core a live camera at the clip's fps needs
        "cores_per_camera_at_clip_fps": round(cpu / max(s.frames, 1) * fps, 3),
    }


def run(
    clip: Path | None = None,
    seconds: float = 40.0,
    *,
    fps: float = 15.0,
    faces_dir: Path | None = None,
    one_core: bool = True,
    progress: Any = None,
) -> dict[str, Any]:
    """Benchmark the camera pipeline on one core.

    clip: a 640x480 video or frame folder to measure; None builds the two standard clips
    (realistic entrance, face in every frame) of `seconds` at `fps` from the real photos.
    progress: optional callable invoked once per processed frame (see total_frames).
    Returns {clip name: {frames_per_s, faces_encoded_per_s, cpu_per_camera, ...}, ...}.
    """
    import cv2

    from anju_edge.enroll import enroll_folder
    from anju_edge.gallery import Gallery

    faces_dir = faces_dir or Path(os.environ.get("ANJU_FACES_DIR", "/work/shared/faces"))
    people = sorted(p for p in faces_dir.iterdir() if p.is_dir() and p.name[0] != "_")
    data, _ = enroll_folder(people, first_only=True)
    gallery = Gallery(list(data.people))
    cores = os.sched_getaffinity(0)
    cv2.setNumThreads(1)
    result: dict[str, Any] = {"cores": 1 if one_core else len(cores)}
    with tempfile.TemporaryDirectory(prefix="anju-edge-bench-") as tmp:
        clips = {"clip": clip} if clip else build_clips(faces_dir, Path(tmp), seconds, fps)
        if one_core:
            os.sched_setaffinity(0, {min(cores)})
        try:
            for name, path in clips.items():
                result[name] = measure(path, gallery, fps, progress)
        finally:
            os.sched_setaffinity(0, cores)
    result["targets"] = {"realistic_fps": 15.0, "face_every_frame_fps": 6.0}
    return result


def total_frames(clip: Path | None, seconds: float, fps: float) -> int | None:
    """How many frames `run` will process (for a progress bar); None if unknown."""
    if clip is None:
        return 2 * int(seconds * fps)
    if clip.is_dir():
        return sum(1 for p in clip.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    import cv2

    cap: Any = cv2.VideoCapture(str(clip))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    return n or None


def report_lines(result: dict[str, Any]) -> list[str]:
    """Plain lines for `anju bench edge`."""
    lines = [f"cores: {result['cores']}"]
    for name, r in result.items():
        if not isinstance(r, dict) or "frames_per_s" not in r:
            continue
        lines.append(
            f"{name}: {r['frames_per_s']} frames/s ({r['frames_per_cpu_s']} per CPU-second), "
            f"{r['faces_encoded_per_s']} faces encoded/s, "
            f"CPU per camera {r['cpu_per_camera']} (process CPU / wall, flat out), "
            f"{r['cores_per_camera_at_clip_fps']} of a core for a live camera at the clip fps "
            f"({r['frames']} frames, {r['events']} events, {r['matched']} matched)"
        )
    t = result.get("targets", {})
    if "realistic" in result:
        lines.append(
            f"target realistic >= {t['realistic_fps']} fps, face in every frame >= "
            f"{t['face_every_frame_fps']} fps"
        )
    return lines
