"""Randomized worlds (issue 16): named families draw the assumptions detection leans on;
the default world is the simulator's own, byte for byte; labels stay exact."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from anju_cli.main import app
from anju_sim.params import scaled_params, small_params, with_world
from anju_sim.portfolio import estate_day_events, generate, iter_day_events
from anju_sim.worlds import FAMILIES, draw_world


def test_default_world_gives_the_same_events() -> None:
    p = small_params(seed=5, days=4)
    a = [ev.data for day in iter_day_events(generate(p)) for ev in day]
    b = [ev.data for day in iter_day_events(generate(with_world(p, "default"))) for ev in day]
    assert a == b


def test_families_draw_inside_their_ranges_and_repeat_per_seed() -> None:
    for family, spec in FAMILIES.items():
        for seed in (11, 12):
            world, base = draw_world(family, seed)
            assert (world, base) == draw_world(family, seed)
            values = {**world.model_dump(), **base}
            for name, rng in spec.items():
                if isinstance(rng, tuple):
                    assert rng[0] <= values[name] <= rng[1], (family, name)
                else:
                    assert values[name] == rng
    assert draw_world("tailgate", 11) != draw_world("tailgate", 12)


def test_unknown_world_is_one_clear_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["simulate", "generate", "--small", "--world", "moon", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert "unknown world 'moon'" in res.output and "tailgate" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()


def test_generate_writes_the_world_to_the_manifest(tmp_path: Path) -> None:
    out = tmp_path / "o"
    args = ["simulate", "generate", "--small", "--days", "2", "--world", "cover", "--seed", "3"]
    res = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    params = json.loads((out / "manifest.json").read_text())["params"]
    world, base = draw_world("cover", 3)
    assert params["world"] == world.model_dump()
    assert params["face_consent"] == base["face_consent"]


def test_tailgate_world_occupants_and_evicted_follow_others_in() -> None:
    p = with_world(small_params(seed=21, days=60, flats=300), "tailgate")
    pf = generate(p)
    events = [orjson.loads(ev.data) for day in iter_day_events(pf) for ev in day]
    evicted = [lab for lab in pf.labels if lab.type == "evicted_reentry"]
    assert evicted
    # the gallery dropped the evicted tenant: never recognized after the eviction
    for lab in evicted:
        pid = lab.persons[0]
        after = [e for e in events if datetime.fromisoformat(e["time"]) >= lab.start]
        assert after and not [e for e in after if e.get("person_id") == pid]
    # sublet occupants: a share of their days without any credential (faces only)
    assert p.world.occupant_tailgate > 0.3


def test_cover_world_puts_an_approved_absence_over_some_sublets() -> None:
    p = with_world(small_params(seed=4, days=60, flats=600), "cover")
    p = p.model_copy(update={"world": p.world.model_copy(update={"cover_absence": 1.0})})
    pf = generate(p)
    covered = {a.household_id for a in pf.register.absences if a.note == "work elsewhere"}
    subs = {lab.household_id for lab in pf.labels if lab.type in ("sublet", "lend")}
    assert subs and subs <= covered
    for lab in pf.labels:
        if lab.type in ("sublet", "lend"):
            assert lab.violation  # still a violation: the absence is cover, not a reason


def test_bench_detect_refuses_an_unknown_world_in_one_line() -> None:
    res = CliRunner().invoke(app, ["bench", "detect", "--worlds", "default,moon", "--seeds", "1"])
    assert res.exit_code == 2 and "unknown world 'moon'" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(app, ["bench", "detect", "--worlds", "default", "--seeds", "1,x"])
    assert res.exit_code == 2 and "--seeds" in res.output


def test_card_clone_labels_start_on_a_day_the_copy_was_used() -> None:
    # seed 12 at 600 flats: a clone planned to start while the holder was on a trip
    p = scaled_params(600, 12, 90)
    rates = p.violations.model_dump(exclude={"at_least_one"})
    more = p.violations.model_copy(update={k: 4 * v for k, v in rates.items()})
    p = p.model_copy(update={"violations": more})
    pf = generate(p)
    cards = {c.person_id: c.ref for c in pf.register.credentials if c.type == "card"}
    labs = [lab for lab in pf.labels if lab.type == "card_clone"]
    assert len(labs) >= 2
    index = {e.estate_id: i for i, e in enumerate(pf.estates)}
    for lab in labs:
        first = (lab.start - datetime.fromisoformat("2026-01-04T16:00:00+00:00")).days
        card = cards[lab.persons[0]].encode()
        day = estate_day_events(pf, index[lab.estate_id], first)
        doors = {ev.gateway_id for ev in day if ev.kind == "access" and card in ev.data}
        assert len(doors) == 2, lab


def test_welfare_is_scored_as_care_checks_apart_from_false_alerts() -> None:
    from anju_bench.detect_score import score_alerts

    pf = generate(small_params(seed=4, days=30, flats=300))
    case = next(lab for lab in pf.labels if lab.type == "elderly_not_seen")
    other = next(
        hp.unit_id
        for hp in pf.register.households
        if hp.unit_id != case.unit_id
        and not any(lab.unit_id == hp.unit_id for lab in pf.labels if lab.violation)
    )
    start = (case.start + timedelta(hours=8)).date()
    rows = [
        (case.unit_id, "elderly_not_seen", start + timedelta(days=2), None),
        (other, "elderly_not_seen", start, None),
    ]
    got = score_alerts(rows, pf)
    assert got["false_alerts"] == 0 and got["false_alerts_clean"] == 0
    care = got["care_checks"]
    assert care["labelled"] == 1 and care["within_3_days"] == 1 and care["false_checks"] == 1
    assert care["elderly_alone"] > 0 and care["false_per_100_elderly_alone_month"] > 0
    # a check on the flat before the silence began (a trip before) finds nothing: it is a
    # false check, and the case is found only by a check on or after its first day
    early = [(case.unit_id, "elderly_not_seen", start - timedelta(days=20), None)]
    care = score_alerts(early + rows, pf)["care_checks"]
    assert (care["within_3_days"], care["false_checks"], care["missed"]) == (1, 2, 0)
    care = score_alerts(early, pf)["care_checks"]
    assert (care["within_3_days"], care["false_checks"], care["missed"]) == (0, 1, 1)
    late = [(case.unit_id, "elderly_not_seen", start + timedelta(days=9), None)]
    care = score_alerts(early + late + late, pf)["care_checks"]
    assert (care["within_3_days"], care["false_checks"], care["missed"]) == (0, 2, 0)


def test_a_vacancy_is_detectable_without_its_departure_day() -> None:
    """The simulator's household leaves on the vacancy label's first day (a departure and
    nothing else that day), and the rule counts the days after the last sign of anyone:
    a vacancy that reaches 180 days on the window's last day only when its departure day
    counts is a violation (an alert then is right) but not a detectable one."""
    import random
    from datetime import date
    from types import SimpleNamespace

    from anju_bench.detect_score import vacancies
    from anju_sim.model import Actor
    from anju_sim.routines import resident_trips

    a = Actor(1, "p1", "worker", 0, "u1", away=[(40, 300)])
    rng = random.Random(3)
    first = resident_trips(rng, a, 40, 2)
    assert len(first) == 1 and first[0][0] is not None and first[0][1] is None  # leaves
    assert resident_trips(rng, a, 41, 2) == []

    def label(unit: str, local_start: str) -> SimpleNamespace:
        start = datetime.fromisoformat(local_start + "T00:00:00+08:00")
        return SimpleNamespace(
            type="vacancy", violation=True, unit_id=unit, household_id=unit, start=start, end=None
        )

    away = [SimpleNamespace(household_id=u, starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 12))
            for u in ("u1", "u2")]  # fmt: skip
    pf = SimpleNamespace(
        labels=[label("u1", "2026-02-22"), label("u2", "2026-02-21")],
        register=SimpleNamespace(absences=away),
    )
    vacant, detectable = vacancies(pf, date(2026, 1, 5), date(2026, 9, 1), 180)
    assert vacant == {"u1": date(2026, 9, 1), "u2": date(2026, 8, 31)}
    assert detectable == {"u2"}
