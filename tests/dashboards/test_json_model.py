"""The generated JSON fits Grafana's layout rules and names only datasources that the
compose provisioning creates."""

from __future__ import annotations

from pathlib import Path

import yaml

from anju_dashboards.boards import build_all

ROOT = Path(__file__).resolve().parents[2]


def test_panels_fit_the_24_column_grid_without_overlap() -> None:
    for model in build_all():
        ids = [p["id"] for p in model["panels"]]
        assert len(ids) == len(set(ids)), model["uid"]
        taken: set[tuple[int, int]] = set()
        for p in model["panels"]:
            g = p["gridPos"]
            assert g["x"] >= 0 and g["x"] + g["w"] <= 24 and g["h"] > 0, (model["uid"], p)
            cells = {
                (x, y)
                for x in range(g["x"], g["x"] + g["w"])
                for y in range(g["y"], g["y"] + g["h"])
            }
            assert not cells & taken, f"{model['uid']}: {p['title']} overlaps"
            taken |= cells


def test_every_datasource_a_dashboard_uses_is_provisioned() -> None:
    prov = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/anju.yaml").read_text())
    provisioned = {d["uid"]: d["type"] for d in prov["datasources"]}
    used = set()
    for model in build_all():
        for p in model["panels"]:
            for ref in [p.get("datasource"), *(t.get("datasource") for t in p.get("targets", []))]:
                if ref:
                    used.add((ref["uid"], ref["type"]))
        for var in model["templating"]["list"]:
            if "datasource" in var:
                used.add((var["datasource"]["uid"], var["datasource"]["type"]))
    assert used == set(provisioned.items())


def test_dashboards_are_read_only_tagged_and_uniquely_named() -> None:
    models = build_all()
    assert len({m["uid"] for m in models}) == len({m["title"] for m in models}) == 4
    for m in models:
        assert m["editable"] is False and "anju" in m["tags"]
        assert m["time"]["to"] == "now" and m["refresh"]
