"""Images that come in from outside (enrollment photos, case photos, face snapshots):
their pixel count is read from the header before anything decodes them. A 27 KB PNG
can declare 15000 x 15000 pixels, which takes gigabytes to decode."""

from __future__ import annotations

import io
import struct
import warnings

from fastapi import HTTPException, status


def _size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header, or None when no reader knows the bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                return img.size
    except Image.DecompressionBombError:
        return (2**31, 1)  # beyond Pillow's own limit: far beyond ours
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error):
        return None


def check_pixels(data: bytes, max_pixels: int) -> None:
    """413 when the image declares more than `max_pixels`. Reads the header only
    (Image.open is lazy); what it cannot read is left to the caller's own checks."""
    size = _size(data)
    if size is None or size[0] * size[1] <= max_pixels:
        return
    width, height = size
    shown = f"{width} x {height} pixels" if height > 1 else "too many pixels"
    raise HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"image is {shown}; at most {max_pixels:,} (ANJU_PLATFORM_MAX_IMAGE_PIXELS)",
    )
