"""CSV for people: every export the platform offers goes through here.

A cell that starts with = + - @ (or a tab / carriage return, which some spreadsheet
programs skip before reading a formula) is run as a formula when the file is opened
in Excel or WPS: a grid named `=HYPERLINK(...)` becomes a link. Such text cells get a
leading apostrophe (OWASP's advice); numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_bytes(header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with a BOM (Excel then reads it as UTF-8), CRLF line ends."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([safe_cell(h) for h in header])
    w.writerows([safe_cell(v) for v in row] for row in rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
