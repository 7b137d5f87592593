"""Capture thread and motion gate on real files and a missing device."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from anju_edge.capture import Capture
from anju_edge.motion import MotionGate


def test_folder_delivers_every_frame_then_ends(tmp_path: Path) -> None:
    for i in range(12):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), np.full((48, 64, 3), i * 10, np.uint8))
    (tmp_path / "notes.txt").write_text("not a frame")
    cap = Capture(str(tmp_path), realtime=None, fps=10, loop=False).start()
    seen = []
    while (f := cap.get(5)) is not None:
        assert f is not False
        seen.append(int(f[0, 0, 0]))  # type: ignore[index]
    assert seen == [i * 10 for i in range(12)]
    assert cap.health.frames == 12


def test_missing_device_retries_with_backoff() -> None:
    cap = Capture("57", realtime=None, fps=10, loop=False, max_backoff=1).start()
    try:
        time.sleep(2.5)
        assert cap.live and not cap.health.ok
        assert "cannot open" in (cap.health.detail or "")
        assert 2 <= cap.health.reconnects <= 4  # 1 s, then capped at 1 s
        assert cap.get(0.1) is False
    finally:
        cap.stop()


def test_motion_gate_ignores_noise_and_sees_a_person() -> None:
    rng = np.random.default_rng(0)
    bg = np.full((480, 640, 3), 120, np.uint8)
    gate = MotionGate(0.002)
    assert gate.moved(bg)  # first frame: nothing to compare with
    for _ in range(5):
        noisy = cv2.add(bg, rng.integers(0, 8, bg.shape, dtype=np.uint8))
        assert not gate.moved(noisy)
    person = bg.copy()
    person[150:330, 250:380] = 30
    assert gate.moved(person)


def test_mjpeg_camera_reconnects_after_it_ends_and_when_it_dies() -> None:
    """An HTTP MJPEG camera (multipart/x-mixed-replace) that hangs up after 20 frames."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Camera(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            for i in range(20):
                jpg = cv2.imencode(".jpg", np.full((480, 640, 3), i * 7, np.uint8))[1].tobytes()
                head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                self.wfile.write(head % len(jpg) + jpg + b"\r\n")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Camera)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    cap = Capture(url, realtime=None, fps=10, loop=False, max_backoff=1).start()
    try:
        assert cap.realtime  # a live source: only the newest frame is kept
        deadline = time.monotonic() + 20
        while cap.health.frames < 45 and time.monotonic() < deadline:
            cap.get(0.5)
        assert cap.health.frames >= 45 and cap.health.reconnects >= 2  # reopened, read again
        server.shutdown()
        server.server_close()
        time.sleep(2.5)
        assert not cap.health.ok
        assert "cannot open" in (cap.health.detail or "")
    finally:
        cap.stop()
