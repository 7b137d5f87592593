"""Read CSV files and .xlsx workbooks into sheets of (line number, {column: text}).
Cells become text (or None when empty) so one validation path serves both formats;
line numbers are those a person sees in a spreadsheet program (header = line 1)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path


@dataclass
class Sheet:
    name: str  # table-like name: file stem or worksheet title, lower case
    source: str  # file name, for the report
    columns: list[str]
    rows: list[tuple[int, dict[str, str | None]]] = field(default_factory=list)


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


def read_csv(name: str, data: bytes) -> Sheet:
    text = data.decode("utf-8-sig")  # Excel writes a BOM
    reader = csv.reader(io.StringIO(text, newline=""))
    sheet = Sheet(Path(name).stem.lower(), name, [])
    start = 1
    for values in reader:
        if not sheet.columns:
            sheet.columns = _header(list(values))
            start = reader.line_num + 1
            continue
        if any(v.strip() for v in values):
            sheet.rows.append((start, _row(sheet.columns, list(values))))
        start = reader.line_num + 1
    return sheet


def read_xlsx(name: str, data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = []
    for ws in book.worksheets:
        sheet = Sheet(ws.title.strip().lower(), f"{name}:{ws.title}", [])
        for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if not sheet.columns:
                sheet.columns = _header(list(values))
                continue
            if any(_cell(v) is not None for v in values):
                sheet.rows.append((line, _row(sheet.columns, list(values))))
        sheets.append(sheet)
    book.close()
    return sheets


def _row(columns: list[str], values: list[object]) -> dict[str, str | None]:
    return {c: _cell(v) for c, v in zip(columns, values, strict=False) if c}


def read_upload(name: str, data: bytes) -> list[Sheet]:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return read_xlsx(name, data)
    if lower.endswith(".csv"):
        return [read_csv(name, data)]
    raise ValueError(f"{name}: expected a .csv or .xlsx file")


def read_path(path: Path) -> list[Sheet]:
    """A file, or a directory (as `anju simulate generate` writes `register/`): its CSV
    files, or its .xlsx workbooks when it holds no CSV (the simulator writes both)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        files = files or sorted(p for p in path.iterdir() if p.suffix.lower() == ".xlsx")
        return [s for f in files for s in read_upload(f.name, f.read_bytes())]
    return read_upload(path.name, path.read_bytes())
