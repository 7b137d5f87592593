"""Small cropped JPEGs of unknown faces, kept on the gateway for a retention period.
Only when enabled in the config; known faces never get one."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from anju_edge.faces import Box, Image


def crop_face(bgr: Image, box: Box, margin: float = 0.25) -> Image:
    h, w = bgr.shape[:2]
    mx, my = int(box.width * margin), int(box.height * margin)
    b = Box(box.left - mx, box.top - my, box.right + mx, box.bottom + my).clipped(w, h)
    return bgr[b.top : b.bottom, b.left : b.right].copy()


class SnapshotStore:
    def __init__(self, folder: Path, *, retention_days: float, max_px: int, quality: int) -> None:
        self.folder = folder
        self.retention_s = retention_days * 86400
        self.max_px = max_px
        self.quality = quality
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, name: str, crop: Image) -> str:
        """Write <name>.jpg; returns the reference carried in the event."""
        import cv2

        h, w = crop.shape[:2]
        scale = min(1.0, self.max_px / max(h, w, 1))
        if scale < 1.0:
            size = (max(1, int(w * scale)), max(1, int(h * scale)))
            crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)
        path = self.folder / f"{name}.jpg"
        cv2.imwrite(str(path), crop, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return f"snapshots/{path.name}"

    def purge(self, now: float | None = None) -> int:
        """Delete snapshots older than the retention period; returns how many."""
        now = time.time() if now is None else now
        gone = 0
        for p in self.folder.glob("*.jpg"):
            if now - p.stat().st_mtime > self.retention_s:
                p.unlink(missing_ok=True)
                gone += 1
        return gone
