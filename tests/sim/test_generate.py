"""Generation: byte-identical under a seed, wire bytes = the contract's, files as
documented."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from anju_common.events import dump_event, parse_event
from anju_sim.model import REGISTER_TABLES
from anju_sim.output import write_portfolio
from anju_sim.params import scaled_params, small_params
from anju_sim.portfolio import generate, iter_day_events


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    params = scaled_params(600, seed=11, days=6)  # 4 estates, split over 2 workers
    write_portfolio(generate(params), tmp_path / "a", workers=2)
    write_portfolio(generate(params), tmp_path / "b", workers=1)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert "register/register.xlsx" in a and "events/e04.jsonl" in a
    for name in a:
        assert a[name] == b[name], name
    write_portfolio(generate(scaled_params(600, seed=12, days=6)), tmp_path / "c", workers=1)
    c = _files(tmp_path / "c")
    assert c["events/e01.jsonl"] != a["events/e01.jsonl"]


def test_every_event_is_exactly_what_dump_event_makes() -> None:
    pf = generate(small_params(days=8))
    kinds: set[str] = set()
    n = 0
    for day in iter_day_events(pf):
        for ev in day:
            model = ev.model()
            assert dump_event(model) == ev.data
            assert str(model.event_id) == ev.event_id and model.kind == ev.kind
            assert model.gateway_id == ev.gateway_id
            assert int(model.time.timestamp()) == ev.t
            kinds.add(ev.kind)
            n += 1
    assert kinds == {"access", "face", "qr"}
    assert n > 1000


def test_output_files_match_register_tables(tmp_path: Path) -> None:
    pf = generate(small_params(days=3))
    n = write_portfolio(pf, tmp_path, workers=1)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == pf.params.seed and manifest["counts"]["events"] == n
    for table in REGISTER_TABLES:
        with (tmp_path / "register" / f"{table}.csv").open() as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(pf.register.table(table)), table
    lines = (tmp_path / "events" / "e01.jsonl").read_bytes().splitlines()
    assert len(lines) == n
    times = [parse_event(x).time for x in lines]
    assert times == sorted(times)
    labels = [json.loads(x) for x in (tmp_path / "labels.jsonl").read_text().splitlines()]
    assert {"estate_id", "unit_id", "type", "start", "end", "persons"} <= labels[0].keys()

    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "register" / "register.xlsx", read_only=True)
    assert wb.sheetnames == list(REGISTER_TABLES)
    assert sum(1 for _ in wb["units"].iter_rows()) == len(pf.register.units) + 1


def test_city_day_is_exactly_what_dump_event_makes() -> None:
    from anju_sim.params import SimParams
    from anju_sim.portfolio import estate_day_events

    pf = generate(SimParams(days=60))
    n = 0
    for e in range(len(pf.estates)):
        for ev in estate_day_events(pf, e, 43):  # Spring Festival week: unusual days too
            assert dump_event(ev.model()) == ev.data
            n += 1
    assert n > 20_000
