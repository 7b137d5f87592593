"""Writing a portfolio to a folder:

    manifest.json            seed, parameters, counts, file list
    register/<table>.csv     one CSV per register table, headers = DB column names
    register/register.xlsx   the same tables, one sheet each (how estate offices keep them)
    events/<estate_id>.jsonl the estate's events in time order, one wire message a line
    labels.jsonl             ground truth: violations and near misses
    traps.jsonl              normal-life traps (holidays, carers, night shifts, ...)

Same parameters, same bytes (the xlsx zip gets fixed timestamps)."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing as mp
import re
import zipfile
from collections.abc import Callable
from dataclasses import astuple, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from anju_sim.model import REGISTER_TABLES, Label, Portfolio, Register
from anju_sim.params import SYNTHETIC_SECRET
from anju_sim.portfolio import estate_day_events

FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = "2020-01-01T00:00:00Z"


def cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, list):
        return orjson.dumps(v).decode()
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def table_rows(reg: Register, name: str) -> tuple[list[str], list[list[str]]]:
    header = [f.name for f in fields(REGISTER_TABLES[name])]
    return header, [[cell(v) for v in astuple(row)] for row in reg.table(name)]  # type: ignore[call-overload]


def write_register(reg: Register, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tables = {name: table_rows(reg, name) for name in REGISTER_TABLES}
    for name, (header, rows) in tables.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
    write_xlsx(tables, folder / "register.xlsx")


def write_xlsx(tables: dict[str, tuple[list[str], list[list[str]]]], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, (header, rows) in tables.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    _fix_zip(buf.getvalue(), path)


def _fix_zip(data: bytes, path: Path) -> None:
    """Same content, fixed timestamps, so the workbook is byte-identical across runs."""
    src = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED_DOC_TIME.encode(),
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, body)


def write_labels(labels: list[Label], path: Path) -> None:
    with path.open("wb") as f:
        for lab in labels:
            f.write(lab.model_dump_json().encode() + b"\n")


def write_estate_events(
    pf: Portfolio, estate: int, folder: Path, tick: Callable[[int], None] | None = None
) -> int:
    n = 0
    path = folder / f"{pf.estates[estate].estate_id}.jsonl"
    with path.open("wb", buffering=1 << 20) as f:
        for d in range(pf.params.days):
            evs = estate_day_events(pf, estate, d)
            if evs:
                f.write(b"\n".join([e.data for e in evs]) + b"\n")
            n += len(evs)
            if tick:
                tick(len(evs))
    return n


_PF: Portfolio | None = None  # the forked workers' view of the portfolio


def _worker(args: tuple[list[int], str, Any]) -> int:
    estates, folder, q = args
    assert _PF is not None
    total = 0
    for e in estates:
        total += write_estate_events(_PF, e, Path(folder), q.put)
    return total


def write_events(
    pf: Portfolio, folder: Path, workers: int = 2, tick: Callable[[int], None] | None = None
) -> int:
    """Estates are independent: split them over forked workers (largest first)."""
    global _PF
    folder.mkdir(parents=True, exist_ok=True)
    if workers <= 1 or len(pf.estates) == 1:
        return sum(write_estate_events(pf, e, folder, tick) for e in range(len(pf.estates)))
    order = sorted(range(len(pf.estates)), key=lambda e: -len(pf.estates[e].actors))
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for e in order:
        k = loads.index(min(loads))
        shares[k].append(e)
        loads[k] += len(pf.estates[e].actors)
    _PF = pf
    ctx = mp.get_context("fork")
    with ctx.Manager() as manager:
        q = manager.Queue()
        with ctx.Pool(workers) as pool:
            res = pool.map_async(_worker, [(s, str(folder), q) for s in shares])
            while not res.ready() or not q.empty():
                try:
                    n = q.get(timeout=0.2)
                except Exception:
                    continue
                if tick:
                    tick(n)
            total = sum(res.get())
    _PF = None
    return total


def manifest(pf: Portfolio, events: int) -> dict[str, object]:
    reg = pf.register
    return {
        "generator": "anju_sim",
        "format_version": 1,
        "seed": pf.params.seed,
        # the card-key secret stays out of files; see docs/simulators.md
        "params": pf.params.model_dump(mode="json", exclude={"master_secret"}),
        "master_secret": "synthetic default"
        if pf.params.master_secret == SYNTHETIC_SECRET
        else "given (not written)",
        "counts": {name: len(reg.table(name)) for name in REGISTER_TABLES}
        | {"events": events, "labels": len(pf.labels), "traps": len(pf.traps)},
        "estates": [e.estate_id for e in pf.estates],
        "files": {
            "register_csv": [f"register/{n}.csv" for n in REGISTER_TABLES],
            "register_xlsx": "register/register.xlsx",
            "events": [f"events/{e.estate_id}.jsonl" for e in pf.estates],
            "labels": "labels.jsonl",
            "traps": "traps.jsonl",
        },
    }


def write_portfolio(
    pf: Portfolio, out: Path, workers: int = 2, tick: Callable[[int], None] | None = None
) -> int:
    out.mkdir(parents=True, exist_ok=True)
    write_labels(pf.labels, out / "labels.jsonl")
    write_labels(pf.traps, out / "traps.jsonl")
    if workers <= 1:
        write_register(pf.register, out / "register")
        n = write_events(pf, out / "events", workers, tick)
    else:  # the register (mostly openpyxl) overlaps with the event workers
        proc = mp.get_context("fork").Process(
            target=write_register, args=(pf.register, out / "register")
        )
        proc.start()
        n = write_events(pf, out / "events", workers, tick)
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"writing the register failed (exit {proc.exitcode})")
    (out / "manifest.json").write_text(json.dumps(manifest(pf, n), indent=2, sort_keys=True) + "\n")
    return n
