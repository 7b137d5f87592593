"""Enrollment from photos: one embedding per photo that shows exactly one face."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from anju_edge.capture import IMAGE_SUFFIXES
from anju_edge.faces import DlibRecognizer, Recognizer, load_rgb
from anju_edge.gallery import GalleryEntry, GalleryFile


def embed_photo(recognizer: Recognizer, path: Path) -> list[float] | None:
    rgb = load_rgb(path)
    boxes = recognizer.detect(rgb)
    if len(boxes) != 1:
        return None
    return [float(x) for x in recognizer.encode(rgb, boxes[0])]


def enroll_folder(
    people: Iterable[Path], first_only: bool = True, recognizer: Recognizer | None = None
) -> tuple[GalleryFile, list[Path]]:
    rec = recognizer or DlibRecognizer()
    entries: list[GalleryEntry] = []
    skipped: list[Path] = []
    for person in people:
        photos = sorted(p for p in person.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if first_only:
            photos = [p for p in photos if p.stem == "1"]
        for photo in photos:
            emb = embed_photo(rec, photo)
            if emb is None:
                skipped.append(photo)
            else:
                entries.append(GalleryEntry(person_id=person.name, embedding=emb))
    return GalleryFile(people=entries), skipped
