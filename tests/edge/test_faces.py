"""The face pipeline on the real photos in ../shared/faces: enroll `<identity>/1.*`,
then people walk through a synthetic 640x480 entrance clip built from their other
photos (and a stranger); each must give exactly one event with the right decision."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from anju_bench.edge import background, default_walkers, entrance_frames, write_folder, write_mp4
from anju_common.events import FaceSighting
from anju_edge.capture import open_source
from anju_edge.config import CameraConfig, FacesSection
from anju_edge.enroll import enroll_folder
from anju_edge.faces import DlibRecognizer, load_rgb
from anju_edge.gallery import Gallery
from anju_edge.pipeline import FacePipeline
from anju_edge.snapshots import SnapshotStore

IDENTITIES = ["alex_lacamoire", "biden", "kit_harington", "obama", "rose_leslie"]


@pytest.fixture(scope="module")
def recognizer() -> DlibRecognizer:
    return DlibRecognizer()


@pytest.fixture(scope="module")
def gallery(faces_dir: Path, recognizer: DlibRecognizer) -> Gallery:
    people = [faces_dir / name for name in IDENTITIES]
    data, skipped = enroll_folder(people, first_only=True, recognizer=recognizer)
    assert not skipped
    assert sorted(e.person_id for e in data.people) == IDENTITIES
    return Gallery(list(data.people))


def run(
    frames: Iterator[np.ndarray],
    recognizer: DlibRecognizer,
    gallery: Gallery,
    snapshots: SnapshotStore | None = None,
) -> tuple[list[FaceSighting], FacePipeline]:
    events: list[FaceSighting] = []
    pipe = FacePipeline(
        estate_id="e1",
        gateway_id="g1",
        camera=CameraConfig(id="cam-entrance", source="unused"),
        faces=FacesSection(),
        recognizer=recognizer,
        gallery=lambda: gallery,
        emit=events.append,
        snapshots=snapshots,
    )
    for f in frames:
        pipe.process(f)
    pipe.flush()
    return events, pipe


@pytest.mark.slow
def test_people_walking_through_a_frame_folder(
    faces_dir: Path, recognizer: DlibRecognizer, gallery: Gallery, tmp_path: Path
) -> None:
    walkers = default_walkers(faces_dir)
    assert {w.label for w in walkers} == {*IDENTITIES, ""}
    folder = tmp_path / "clip"
    n = write_folder(entrance_frames(background(), walkers, gap_frames=12, step_px=25), folder)
    snaps = SnapshotStore(tmp_path / "snaps", retention_days=1, max_px=160, quality=80)
    events, pipe = run(open_source(str(folder)), recognizer, gallery, snaps)

    # One event per person passing, in the order they passed, each decided correctly.
    assert [e.person_id or "" for e in events] == [w.label for w in walkers]
    assert len({e.track_id for e in events}) == len(events)
    # Encoded a few times per track, not on every frame with a face.
    assert pipe.stats.faces_encoded <= 3 * len(walkers) < n
    for e in events:
        assert e.model == "dlib_resnet_v1"  # the model the embedding comes from
        if e.person_id:
            assert e.distance is not None and e.distance <= 0.6
            # open-set: the second-nearest person is farther by the margin, and the
            # embedding (float32) goes along so the platform can re-decide the match
            assert e.second_distance is not None and e.second_distance - e.distance >= 0.05
            assert e.embedding is not None and len(e.embedding) == 128
            assert np.array_equal(np.float32(e.embedding), np.asarray(e.embedding))
            assert e.snapshot_ref is None
        else:  # the stranger: embedding for clustering, a small snapshot on the gateway
            assert e.embedding is not None and len(e.embedding) == 128
            assert e.snapshot_ref is not None
            jpg = tmp_path / "snaps" / Path(e.snapshot_ref).name
            img = cv2.imread(str(jpg))
            assert img is not None and max(img.shape[:2]) <= 160


@pytest.mark.slow
def test_mp4_with_gaps_and_motion_gate(
    faces_dir: Path, recognizer: DlibRecognizer, gallery: Gallery, tmp_path: Path
) -> None:
    walkers = [w for w in default_walkers(faces_dir) if w.label in ("", "rose_leslie")]
    clip = tmp_path / "entrance.mp4"
    n = write_mp4(entrance_frames(background(), walkers, gap_frames=60, step_px=30), clip)
    events, pipe = run(open_source(str(clip)), recognizer, gallery)
    assert [e.person_id for e in events] == [w.label or None for w in walkers]
    # Empty frames do not reach the detector.
    assert pipe.stats.detections < n - 60


VARIANTS = [
    "obama-240p.jpg",
    "obama-480p.jpg",
    "obama-720p.jpg",
    "obama-1080p.jpg",
    "obama_small.jpg",
    "obama_partial_face.jpg",
    "obama_partial_face2.jpg",
    "32bit.png",
]


@pytest.mark.parametrize("name", VARIANTS)
def test_variants_at_native_size(
    name: str, faces_dir: Path, recognizer: DlibRecognizer, gallery: Gallery
) -> None:
    bgr = cv2.cvtColor(load_rgb(faces_dir / "_variants" / name), cv2.COLOR_RGB2BGR)
    frames = (np.asarray(bgr, np.uint8) for _ in range(6))  # a person standing still
    events, _ = run(frames, recognizer, gallery)
    assert [e.person_id for e in events] == ["obama"]


def test_two_people_in_one_frame_are_two_tracks(
    faces_dir: Path, recognizer: DlibRecognizer, gallery: Gallery
) -> None:
    rgb = load_rgb(faces_dir / "_groups" / "kit_with_rose.jpg")
    scale = 640 / rgb.shape[1]
    bgr = cv2.cvtColor(cv2.resize(rgb, None, fx=scale, fy=scale), cv2.COLOR_RGB2BGR)
    events, _ = run((bgr for _ in range(5)), recognizer, gallery)
    assert sorted(e.person_id or "" for e in events) == ["kit_harington", "rose_leslie"]


def test_cnn_detector_option_finds_the_same_face(
    faces_dir: Path, recognizer: DlibRecognizer
) -> None:
    """detector = "cnn" (dlib MMOD): slow on a CPU (about 1 s at 320 px), but it works."""
    from anju_edge.tracker import iou

    rgb = load_rgb(faces_dir / "obama" / "1.jpg")
    rgb = cv2.resize(rgb, None, fx=320 / rgb.shape[1], fy=320 / rgb.shape[1])
    (cnn,) = DlibRecognizer(detector="cnn", upsample=0).detect(rgb)
    (hog,) = recognizer.detect(rgb)
    assert iou(cnn, hog) > 0.6
