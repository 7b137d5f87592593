"""Read CSV files and .xlsx workbooks into sheets of (line number, {column: text}).
Cells become text (or None when empty) so one validation path serves both formats;
line numbers are those a person sees in a spreadsheet program (header = line 1).

Uploads are untrusted: a workbook is a zip whose XML may expand a thousandfold, so its
unpacked size is checked before parsing, rows are streamed (openpyxl read_only) and
counted, and columns are capped; beyond a limit reading stops with `TooLarge`."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path


@dataclass
class Sheet:
    name: str  # table-like name: file stem or worksheet title, lower case
    source: str  # file name, for the report
    columns: list[str]
    rows: list[tuple[int, dict[str, str | None]]] = field(default_factory=list)
    encoding: str | None = None  # CSV only: how its bytes were read


class TooLarge(ValueError):
    """Beyond ANJU_PLATFORM_IMPORT_MAX_*: refused as a whole (HTTP 413)."""


@dataclass(frozen=True)
class Limits:
    max_rows: int = 100_000  # lines per sheet after the header
    max_unpacked_bytes: int = 100 * 1024 * 1024  # an .xlsx's members, uncompressed
    max_columns: int = 256  # cells read per row: a register sheet has about ten


DEFAULT = Limits()


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _header(values: list[object]) -> list[str]:
    return [(_cell(v) or "").lower() for v in values]


# Byte order marks first (Excel's "Unicode text" is UTF-16 with one), then strict UTF-8,
# then GB18030, a superset of GBK: what Excel on a zh-CN Windows saves as "CSV".
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def decode(name: str, data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read with."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), label
            except UnicodeDecodeError:
                raise ValueError(f"{name}: starts like {label} but is not valid {label}") from None
    for codec, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{name}: not UTF-8, UTF-16 or GB18030 text; save it as CSV UTF-8")


def _too_many(source: str, limits: Limits) -> TooLarge:
    return TooLarge(
        f"{source}: more than {limits.max_rows} rows (ANJU_PLATFORM_IMPORT_MAX_ROWS); "
        "split the file"
    )


def read_csv(name: str, data: bytes, limits: Limits = DEFAULT) -> Sheet:
    text, encoding = decode(name, data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","  # Excel's Unicode text
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    sheet = Sheet(Path(name).stem.lower(), name, [], encoding=encoding)
    start = 1
    for count, values in enumerate(reader):
        if count > limits.max_rows:
            raise _too_many(name, limits)
        values = values[: limits.max_columns]
        if not sheet.columns:
            sheet.columns = _header(list(values))
            start = reader.line_num + 1
            continue
        if any(v.strip() for v in values):
            sheet.rows.append((start, _row(sheet.columns, list(values))))
        start = reader.line_num + 1
    return sheet


def _check_unpacked(name: str, data: bytes, limits: Limits) -> None:
    """Sizes as the zip declares them: zipfile stops reading a member at its declared
    size (a member that lies fails its CRC check), so the sum bounds what is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise ValueError(f"{name}: not an .xlsx workbook (not a zip file)") from None
    if unpacked > limits.max_unpacked_bytes:
        raise TooLarge(
            f"{name}: unpacks to {unpacked // (1024 * 1024)} MiB, more than "
            f"{limits.max_unpacked_bytes // (1024 * 1024)} MiB "
            "(ANJU_PLATFORM_IMPORT_MAX_UNPACKED_BYTES); split the workbook"
        )


def read_xlsx(name: str, data: bytes, limits: Limits = DEFAULT) -> list[Sheet]:
    from openpyxl import load_workbook

    _check_unpacked(name, data, limits)
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = []
    try:
        for ws in book.worksheets:
            sheet = Sheet(ws.title.strip().lower(), f"{name}:{ws.title}", [])
            # Read one row past the limit to tell "exactly at" from "beyond"; gaps count
            # as lines (openpyxl yields an empty row for each).
            rows = ws.iter_rows(
                values_only=True, max_col=limits.max_columns, max_row=limits.max_rows + 2
            )
            for line, values in enumerate(rows, start=1):
                if line > limits.max_rows + 1:
                    raise _too_many(sheet.source, limits)
                if not sheet.columns:
                    sheet.columns = _header(list(values))
                    continue
                if any(_cell(v) is not None for v in values):
                    sheet.rows.append((line, _row(sheet.columns, list(values))))
            sheets.append(sheet)
    finally:
        book.close()
    return sheets


def _row(columns: list[str], values: list[object]) -> dict[str, str | None]:
    return {c: _cell(v) for c, v in zip(columns, values, strict=False) if c}


def read_upload(name: str, data: bytes, limits: Limits = DEFAULT) -> list[Sheet]:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return read_xlsx(name, data, limits)
    if lower.endswith(".csv"):
        return [read_csv(name, data, limits)]
    raise ValueError(f"{name}: expected a .csv or .xlsx file")


def read_path(path: Path, limits: Limits = DEFAULT) -> list[Sheet]:
    """A file, or a directory (as `anju simulate generate` writes `register/`): its CSV
    files, or its .xlsx workbooks when it holds no CSV (the simulator writes both)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        files = files or sorted(p for p in path.iterdir() if p.suffix.lower() == ".xlsx")
        return [s for f in files for s in read_upload(f.name, f.read_bytes(), limits)]
    return read_upload(path.name, path.read_bytes(), limits)
