"""One camera's frame pipeline: motion gate -> downscaled detection -> tracking ->
a few encodings per track -> one FaceSighting per track."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from anju_common.events import Direction, FaceSighting
from anju_edge.config import CameraConfig, FacesSection
from anju_edge.faces import Box, Image, Recognizer, face_quality
from anju_edge.gallery import Gallery
from anju_edge.motion import MotionGate
from anju_edge.snapshots import SnapshotStore, crop_face
from anju_edge.tracker import Track, Tracker, decide


@dataclass
class PipelineStats:
    frames: int = 0
    detections: int = 0  # frames on which the detector ran
    faces_encoded: int = 0
    events: int = 0


def _rounded(distance: float | None) -> float | None:
    return None if distance is None else round(min(distance, 4.0), 4)


class FacePipeline:
    def __init__(
        self,
        *,
        estate_id: str,
        gateway_id: str,
        camera: CameraConfig,
        faces: FacesSection,
        recognizer: Recognizer,
        gallery: Callable[[], Gallery],
        emit: Callable[[FaceSighting], object],
        snapshots: SnapshotStore | None = None,
    ) -> None:
        self.estate_id = estate_id
        self.gateway_id = gateway_id
        self.camera = camera
        self.cfg = faces
        self.recognizer = recognizer
        self.gallery = gallery
        self.emit = emit
        self.snapshots = snapshots
        self.gate = MotionGate(camera.motion_threshold) if camera.motion else None
        # Track ids stay unique across restarts of the agent.
        prefix = f"{camera.id[:40]}-{uuid.uuid4().hex[:8]}"
        self.tracker = Tracker(prefix, min_iou=faces.min_iou, lost_frames=faces.track_lost_frames)
        self.stats = PipelineStats()

    def process(self, bgr: Image) -> None:
        import cv2

        frame = self.stats.frames
        self.stats.frames += 1
        moved = self.gate.moved(bgr) if self.gate else True
        if not moved and not self.tracker.active:
            return
        h, w = bgr.shape[:2]
        scale = min(1.0, self.cfg.detect_width / w)
        small = cv2.resize(bgr, (int(w * scale), int(h * scale))) if scale < 1.0 else bgr
        rgb_small = np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), dtype=np.uint8)
        boxes = [b.scaled(1 / scale).clipped(w, h) for b in self.recognizer.detect(rgb_small)]
        self.stats.detections += 1
        assigned, closed = self.tracker.update(frame, boxes)
        rgb: Image | None = None
        for track, box in assigned:
            if box.height < self.cfg.min_face_px:
                continue
            if not track.wants_encoding(frame, self.cfg.encode_every, self.cfg.max_encodings):
                continue
            if rgb is None:
                rgb = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
            self._encode(track, box, rgb, bgr, frame)
        for t in closed:
            self._finish(t)

    def _encode(self, track: Track, box: Box, rgb: Image, bgr: Image, frame: int) -> None:
        import cv2

        emb = self.recognizer.encode(rgb, box)
        self.stats.faces_encoded += 1
        m = self.gallery().match(emb, self.cfg.tolerance, self.cfg.margin)
        track.embeddings.append(emb)
        track.votes.append((m.person_id, m.distance, m.second_distance))
        track.last_encoded = frame
        crop = crop_face(bgr, box)
        q = face_quality(box, np.asarray(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), dtype=np.uint8))
        if q >= track.best_quality:
            track.best_quality, track.best_crop = q, crop

    def _finish(self, track: Track) -> None:
        if not track.embeddings:
            return  # never large enough to encode: nothing to say about who it was
        d = decide(track)
        event_id = uuid.uuid4()
        snap = None
        if d.person_id is None and self.snapshots and track.best_crop is not None:
            snap = self.snapshots.save(str(event_id), track.best_crop)
        send_emb = d.embedding is not None and self.cfg.send_embedding
        event = FaceSighting(
            event_id=event_id,
            time=datetime.fromtimestamp(track.started_at, UTC),
            estate_id=self.estate_id,
            gateway_id=self.gateway_id,
            device_id=self.camera.id,
            track_id=track.id,
            person_id=d.person_id,
            distance=_rounded(d.distance),
            second_distance=_rounded(d.second_distance),
            quality=track.best_quality,
            direction=self.camera.direction or Direction.UNKNOWN,
            # float32 values: what the platform stores (event_faces)
            embedding=[float(x) for x in d.embedding.astype(np.float32)]
            if send_emb and d.embedding is not None
            else None,
            snapshot_ref=snap,
            model=self.recognizer.model_id,
        )
        self.stats.events += 1
        self.emit(event)

    def flush(self) -> None:
        """End of the source: every open track gets its decision now."""
        for t in self.tracker.close_all():
            self._finish(t)

    def tick(self) -> None:
        """No frame arrived: age tracks so a frozen camera still ends them."""
        for t in self.tracker.expire(self.stats.frames + self.cfg.track_lost_frames + 1):
            self._finish(t)
