"""Snapshots of unknown faces: small, and gone after the retention period."""

from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

from anju_edge.faces import Box
from anju_edge.snapshots import SnapshotStore, crop_face


def test_crop_resize_and_retention(tmp_path: Path) -> None:
    frame = np.zeros((1080, 1920, 3), np.uint8)
    crop = crop_face(frame, Box(1800, 900, 2000, 1200))  # runs off the frame: clipped
    assert crop.shape[:2] == (1080 - 825, 1920 - 1750)  # 25% margin, then clipped
    store = SnapshotStore(tmp_path, retention_days=1, max_px=64, quality=80)
    ref = store.save("evt-1", np.zeros((400, 300, 3), np.uint8))
    assert ref == "snapshots/evt-1.jpg"
    img = cv2.imread(str(tmp_path / "evt-1.jpg"))
    assert img is not None and img.shape[:2] == (64, 48)
    store.save("evt-2", crop)
    old = time.time() - 2 * 86400
    os.utime(tmp_path / "evt-1.jpg", (old, old))
    assert store.purge() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evt-2.jpg"]
