"""Camera capture in a thread: RTSP/HTTP URLs, USB indexes, video files, frame folders.

Live sources keep only the newest frame (a slow pipeline must not fall behind the
door); files and folders hand over every frame unless `realtime` is set. A source
that fails is reopened with exponential backoff."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from anju_edge.faces import Image

log = logging.getLogger("anju.edge.capture")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def is_stream(source: str) -> bool:
    return source.isdigit() or "://" in source


def frames_from_folder(folder: Path) -> Iterator[Image]:
    """Sorted image files of a folder, as BGR frames (like cv2.VideoCapture gives)."""
    import cv2

    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is not None:
            yield np.asarray(frame, dtype=np.uint8)


def frames_from_capture(source: str) -> Iterator[Image]:
    """Frames of a video file, URL or USB index until it ends or fails."""
    import cv2

    if source.isdigit():
        cap: Any = cv2.VideoCapture(int(source))
    elif "://" in source:  # a stalled network camera must not hang the thread forever
        timeouts = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 10000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 10000]
        cap = cv2.VideoCapture(source, cv2.CAP_FFMPEG, timeouts)
    else:
        cap = cv2.VideoCapture(source)
    if not cap.isOpened():
        raise OSError(f"cannot open video source {source!r}")
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            yield np.asarray(frame, dtype=np.uint8)
    finally:
        cap.release()


def open_source(source: str) -> Iterator[Image]:
    path = Path(source)
    if not is_stream(source) and path.is_dir():
        return frames_from_folder(path)
    return frames_from_capture(source)


@dataclass
class CameraHealth:
    ok: bool = False
    detail: str | None = "starting"
    frames: int = 0
    fps: float = 0.0
    reconnects: int = 0


class Capture:
    """Reads frames in a thread; `get()` returns the next frame or None at the end."""

    def __init__(
        self, source: str, *, realtime: bool | None, fps: float, loop: bool, max_backoff: float = 30
    ) -> None:
        self.source = source
        self.live = is_stream(source)
        self.realtime = self.live if realtime is None else realtime
        self.period = 1.0 / fps
        self.loop = loop
        self.max_backoff = max_backoff
        self.health = CameraHealth()
        self._q: queue.Queue[Image | None] = queue.Queue(maxsize=1 if self.realtime else 8)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"capture:{source}")
        self._window: list[float] = []

    def start(self) -> Capture:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def get(self, timeout: float = 1.0) -> Image | bool | None:
        """A frame, None when the source has ended, False when nothing came in time."""
        try:
            return self._q.get(timeout=timeout)
        except queue.Empty:
            return False

    def _offer(self, frame: Image) -> None:
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 5.0] + [now]
        self.health.frames += 1
        self.health.fps = round(len(self._window) / 5.0, 1)
        if self.realtime:
            with contextlib.suppress(queue.Empty):  # keep only the newest frame
                self._q.get_nowait()
            self._q.put_nowait(frame)
        else:
            while not self._stop.is_set():
                try:
                    self._q.put(frame, timeout=0.2)
                    return
                except queue.Full:
                    continue

    def _run(self) -> None:
        backoff = 1.0
        paced = self.realtime and not self.live
        while not self._stop.is_set():
            got = False
            problem = "no frames from the source"
            try:
                for frame in open_source(self.source):
                    if self._stop.is_set():
                        break
                    if not got:
                        self.health.ok, self.health.detail, backoff = True, None, 1.0
                        got = True
                    self._offer(frame)
                    if paced:
                        time.sleep(self.period)
            except OSError as exc:
                problem = str(exc)[:200]
            if self._stop.is_set():
                break
            if not self.live and not self.loop and got:
                break  # a file or folder that has ended
            if not got or self.live:
                self.health.ok = False
                self.health.detail = problem if not got else "stream ended"
                self.health.reconnects += 1
                log.warning(
                    "camera %s: %s; retry in %.0fs", self.source, self.health.detail, backoff
                )
                if self._stop.wait(backoff):
                    break
                backoff = min(backoff * 2, self.max_backoff)
        self.health.ok = False
        self.health.detail = "ended"
        self._q.put(None)
