"""Decompression-bomb images (issue 15 item 13): a small PNG declaring 15000 x 15000
pixels is refused with 413 at enrollment, as a case photo and as a gateway snapshot,
from its header, before anything decodes it; never a 500, never stored."""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path

from platform_live import live_server
from test_cases import _alert, _case_of, _sync
from test_lifecycle import _gateway, _put


def png_bomb(side: int) -> bytes:
    """A valid 1-bit greyscale PNG of side x side white pixels: a few KB on the wire."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\0" + b"\xff" * ((side + 7) // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_png_bombs_refused_everywhere(pg_url: str, tmp_path: Path) -> None:
    bombs = {side: png_bomb(side) for side in (15000, 12000)}
    assert all(len(b) < 100_000 for b in bombs.values())
    with live_server(
        pg_url, tmp_path, jobs_enabled=False, snapshot_dir=tmp_path / "snapshots"
    ) as live:
        aid = _alert(live, "U1", "G1", "sublet", datetime.now(UTC))
        _sync(live)
        cid = _case_of(live, aid)
        for side, data in bombs.items():
            with live.client("manager") as c:
                r = c.post(
                    "/api/v1/persons/P1/enrollments",
                    data={"estate_id": "E1", "consent_at": "2026-01-02T09:30:00+08:00",
                          "consent_ref": "f1"},
                    files={"photo": ("bomb.png", data, "image/png")},
                )  # fmt: skip
            assert r.status_code == 413, (side, r.text)
            assert f"{side} x {side}" in r.json()["detail"]
            assert "ANJU_PLATFORM_MAX_IMAGE_PIXELS" in r.json()["detail"]

            with live.client("inspector") as c:
                r = c.post(f"/api/v1/cases/{cid}/photos", files={"photo": ("b.png", data)})
            assert r.status_code == 413, (side, r.text)

            with _gateway(live, "GW1") as gw:
                r = _put(gw, str(uuid.uuid4()), data, datetime(2026, 11, 2, tzinfo=UTC))
            assert r.status_code == 413, (side, r.text)
        assert not list((tmp_path / "snapshots").rglob("*.png"))
        assert not list(live.settings.cases.evidence_dir.rglob("*.png"))
