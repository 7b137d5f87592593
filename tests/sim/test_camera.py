"""The virtual camera shows real faces where its ground truth says, and the right ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from anju_sim.camera import render


@pytest.mark.slow
def test_frames_show_the_labelled_people(faces_dir: Path, tmp_path: Path) -> None:
    import cv2

    from anju_edge.faces import DlibRecognizer, load_rgb

    rec = DlibRecognizer(upsample=1)
    truth = render(faces_dir, tmp_path / "frames", seed=3, walks=5)
    doc = json.loads((tmp_path / "frames" / "truth.json").read_text())
    frames = sorted((tmp_path / "frames").glob("frame_*.jpg"))
    assert doc["frames"] == len(frames) and len(truth) == 5

    def encodings(frame: Path) -> list[np.ndarray]:
        rgb = cv2.cvtColor(cv2.imread(str(frame)), cv2.COLOR_BGR2RGB)
        return [np.asarray(rec.encode(rgb, box)) for box in rec.detect(rgb)]

    assert encodings(frames[0]) == []  # the empty corridor before anyone comes
    for a in truth:
        mid = (a.full_view[0] + a.full_view[1]) // 2
        found = encodings(frames[mid])
        assert len(found) == 1, a
        if a.enrolled:
            ref = next((faces_dir / a.identity).glob("1.*"))
            img = load_rgb(ref)
            enrol = np.asarray(rec.encode(img, rec.detect(img)[0]))
            assert np.linalg.norm(found[0] - enrol) < 0.6, a


def test_mp4_has_the_frames_the_truth_counts(faces_dir: Path, tmp_path: Path) -> None:
    import cv2

    render(faces_dir, tmp_path / "walk.mp4", seed=1, walks=2)
    doc = json.loads((tmp_path / "walk.truth.json").read_text())
    cap = cv2.VideoCapture(str(tmp_path / "walk.mp4"))
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        assert frame.shape == (480, 640, 3)
        n += 1
    assert n == doc["frames"] > 0
    assert [a["direction"] for a in doc["appearances"]] and all(
        a["first_frame"] <= a["full_view"][0] <= a["full_view"][1] <= a["last_frame"]
        for a in doc["appearances"]
    )
