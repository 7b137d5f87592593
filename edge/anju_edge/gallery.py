"""The estate's enrolled faces, synced from the platform, cached on disk, hot-swapped.

Wire format (GET <gallery.url>, or a local file), JSON, either the platform's list
    [{"person_id": "p-123", "enrollment_id": "en-1", "embedding": [128 floats]}, ...]
(GET /gateways/{gateway_id}/gallery with the gateway's bearer token) or an object
    {"estate_id": "e1", "version": "...", "people": [<the same entries>]}
A person may appear several times (several enrolled photos)."""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from anju_common.events import Ident
from anju_edge.faces import Embedding, distances

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
    people: list[GalleryEntry] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Match:
    person_id: str | None
    distance: float | None


class Gallery:
    """An immutable snapshot of embeddings; matching is nearest neighbour + tolerance."""

    def __init__(self, entries: list[GalleryEntry], version: str | None = None) -> None:
        self.version = version
        self.ids = [e.person_id for e in entries]
        self.matrix: npt.NDArray[np.float64] = (
            np.asarray([e.embedding for e in entries], dtype=np.float64)
            if entries
            else np.empty((0, 128))
        )

    def __len__(self) -> int:
        return len(self.ids)

    def match(self, probe: Embedding, tolerance: float) -> Match:
        d = distances(self.matrix, probe)
        if d.size == 0:
            return Match(None, None)
        i = int(np.argmin(d))
        best = float(d[i])
        return Match(self.ids[i] if best <= tolerance else None, best)


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
    ) -> None:
        self.cache = cache
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
        self.current = Gallery(list(data.people), data.version)  # one reference swap
        if save:
            tmp = self.cache.with_suffix(".tmp")
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(raw)
            os.replace(tmp, self.cache)
        log.info("gallery %s: %d embeddings", data.version, len(self.current))

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
