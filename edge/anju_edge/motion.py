"""A cheap motion gate: compare small blurred grey frames, so face detection runs
only when something in view changes (most entrance frames are empty)."""

from __future__ import annotations

import numpy as np

from anju_edge.faces import Image


class MotionGate:
    def __init__(self, threshold: float, *, width: int = 160, pixel_delta: int = 25) -> None:
        self.threshold = threshold
        self.width = width
        self.pixel_delta = pixel_delta
        self._prev: Image | None = None

    def moved(self, bgr: Image) -> bool:
        """True if the fraction of changed pixels since the last frame passes the threshold."""
        import cv2

        h, w = bgr.shape[:2]
        small = cv2.resize(bgr, (self.width, max(1, h * self.width // w)))
        gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        prev, self._prev = self._prev, np.asarray(gray, dtype=np.uint8)
        if prev is None or prev.shape != gray.shape:
            return True
        changed = np.count_nonzero(cv2.absdiff(prev, gray) > self.pixel_delta)
        return bool(changed / gray.size >= self.threshold)
