"""Names of places as estate staff say them, composed from the register: a flat as
building + entrance + room (`1栋2单元0501`), a door or camera by where it is
(`1栋2单元 东门`). Pure; the console, the evidence pack and the PDF use the same words."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _join(parts: list[str]) -> str:
    """Chinese names run together (1栋2单元0501); others keep a space between."""
    out = ""
    for p in parts:
        if out and not (_CJK.search(out[-1]) or _CJK.search(p[0])):
            out += " "
        out += p
    return out


def flat_label(building: str | None, entrance: str | None, number: str) -> str:
    """`1栋` + `2单元` + `0501`. A part that a later one starts with is dropped (an
    entrance named `1栋2单元` already says the building)."""
    parts = [x.strip() for x in (building or "", entrance or "", number or "") if x and x.strip()]
    kept = [p for i, p in enumerate(parts) if not any(q.startswith(p) for q in parts[i + 1 :])]
    return _join(kept)


def device_label(
    name: str | None, building: str | None, entrance: str | None, door: str | None
) -> str | None:
    """A device by its place: its own name when the register gives one, else the
    entrance (or building) it is at and its door; None when nothing is known."""
    if name and name.strip():
        return name.strip()
    place = flat_label(building, entrance, "") if (building or entrance) else ""
    bits = [b for b in (place, (door or "").strip()) if b]
    return _join(bits) if bits else None
