"""The estate's enrolled faces, synced from the platform, cached on disk, hot-swapped.

Wire format (GET <gallery.url>, or a local file), JSON, either the platform's list
    [{"person_id": "p-123", "enrollment_id": "en-1", "embedding": [128 floats]}, ...]
or an object (what GET /gateways/{gateway_id}/gallery with the gateway's bearer token
returns)
    {"estate_id": "e1", "version": "...", "threshold": 0.44,
     "person_thresholds": {"p-9": 0.38}, "people": [<the same entries>]}
where `threshold` and `person_thresholds` are the estate's calibrated match thresholds
(absent: not calibrated, the gateway's `[faces] tolerance` applies).
A person may appear several times (several enrolled photos)."""

from __future__ import annotations

import logging
import os
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from anju_common.events import Ident
from anju_common.facecal import DEFAULT_MODEL, open_set_match
from anju_edge.faces import Embedding

log = logging.getLogger("anju.edge.gallery")


class GalleryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    person_id: Ident
    enrollment_id: str | None = None
    embedding: list[float] = Field(min_length=128, max_length=128)


class GalleryFile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    estate_id: Ident | None = None
    version: str | None = None
    model: str | None = None  # the model of the embeddings; None: the bundled default
    threshold: float | None = Field(default=None, gt=0, le=2)
    person_thresholds: dict[str, float] = Field(default_factory=dict)
    people: list[GalleryEntry] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Match:
    person_id: str | None
    distance: float | None  # to the nearest enrolled person
    second_distance: float | None = None  # to the nearest other person


class Gallery:
    """An immutable snapshot of embeddings; matching is open-set: the nearest person
    within their threshold (calibrated, else the tolerance) *and* `margin` nearer than
    the second-nearest person, else unknown."""

    def __init__(
        self,
        entries: list[GalleryEntry],
        version: str | None = None,
        threshold: float | None = None,
        person_thresholds: dict[str, float] | None = None,
    ) -> None:
        self.version = version
        self.threshold = threshold
        self.person_thresholds = person_thresholds or {}
        self.ids = [e.person_id for e in entries]
        self.matrix: npt.NDArray[np.float64] = (
            np.asarray([e.embedding for e in entries], dtype=np.float64)
            if entries
            else np.empty((0, 128))
        )

    def __len__(self) -> int:
        return len(self.ids)

    def limit(self, person_id: str, tolerance: float) -> float:
        """The person's match threshold: calibrated when the gallery carries one."""
        if self.threshold is None:
            return tolerance
        return self.person_thresholds.get(person_id, self.threshold)

    def match(self, probe: Embedding, tolerance: float, margin: float = 0.0) -> Match:
        who, best, second = open_set_match(
            self.ids, self.matrix, probe, lambda p: self.limit(p, tolerance), margin
        )
        return Match(who, best, second)


_ENTRIES: TypeAdapter[list[GalleryEntry]] = TypeAdapter(list[GalleryEntry])


def parse_gallery(raw: bytes) -> GalleryFile:
    if raw.lstrip()[:1] == b"[":  # the platform's bare list
        return GalleryFile(people=_ENTRIES.validate_json(raw))
    return GalleryFile.model_validate_json(raw)


class GallerySync:
    """Holds the current gallery; a background thread refreshes it from URL or file."""

    def __init__(
        self,
        *,
        cache: Path,
        url: str | None,
        path: Path | None,
        token: str | None,
        refresh_s: float,
        model: str | None = None,
    ) -> None:
        self.cache = cache
        self.model = model  # this gateway's recognition model: a gallery of another is refused
        if url and model:  # the platform serves the enrolments of the asked model only
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode({'model': model})}"
        self.url = url
        self.path = path
        self.token = token
        self.refresh_s = refresh_s
        self.current = Gallery([])
        self._mtime: float | None = None
        self._etag: str | None = None
        self._stop = threading.Event()
        self.last_error: str | None = None
        self._load_cache()

    def _load_cache(self) -> None:
        if self.cache.exists():
            try:
                self._install(self.cache.read_bytes(), save=False)
            except (ValidationError, ValueError) as exc:
                log.warning("ignoring bad gallery cache %s: %s", self.cache, exc)

    def _install(self, raw: bytes, save: bool) -> None:
        data = parse_gallery(raw)
        if self.model is not None and (data.model or DEFAULT_MODEL) != self.model:
            raise ValueError(
                f"gallery of face model {data.model or DEFAULT_MODEL}, this gateway runs"
                f" {self.model}: embeddings of different models cannot be compared"
            )
        self.current = Gallery(  # one reference swap
            list(data.people), data.version, data.threshold, data.person_thresholds
        )
        if save:
            tmp = self.cache.with_suffix(".tmp")
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(raw)
            os.replace(tmp, self.cache)
        log.info(
            "gallery %s: %d embeddings, threshold %s",
            data.version,
            len(self.current),
            data.threshold or "not calibrated",
        )

    def refresh(self) -> bool:
        """One sync; True if a new gallery was installed. Failures keep the old one."""
        try:
            if self.path is not None:
                mtime = self.path.stat().st_mtime
                if mtime == self._mtime:
                    return False
                self._install(self.path.read_bytes(), save=True)
                self._mtime = mtime
                return True
            if self.url:
                req = urllib.request.Request(self.url)
                if self.token:
                    req.add_header("Authorization", f"Bearer {self.token}")
                if self._etag:
                    req.add_header("If-None-Match", self._etag)
                with urllib.request.urlopen(req, timeout=15) as resp:
                    raw = resp.read()
                    etag = resp.headers.get("ETag")
                self._install(raw, save=True)
                self._etag = etag
                return True
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return False
            self.last_error = f"HTTP {exc.code}"
        except (OSError, ValidationError, ValueError) as exc:
            self.last_error = str(exc)[:200]
            log.warning("gallery sync failed, keeping %s: %s", self.current.version, exc)
        return False

    def start(self) -> None:
        self.refresh()
        threading.Thread(target=self._run, daemon=True, name="gallery").start()

    def _run(self) -> None:
        period = min(self.refresh_s, 2.0) if self.path is not None else self.refresh_s
        while not self._stop.wait(period):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
