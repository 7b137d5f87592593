"""docs/schemas/ is what `anju schemas export` writes today: a stale schema fails here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from anju_common.events import MODELS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def test_docs_schemas_match_the_models(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "anju_cli.main", "schemas", "export", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    fresh = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.json")}
    assert sorted(fresh) == sorted(committed), "schema files added or removed"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale: {stale}; run `.venv/bin/anju schemas export docs/schemas`"


def test_one_schema_per_kind_with_its_kind_constant() -> None:
    assert {p.name for p in DOCS.glob("*.json")} == {f"{k}.schema.json" for k in MODELS}
    for kind in MODELS:
        doc = json.loads((DOCS / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert doc["$schema"].endswith("2020-12/schema")
        assert doc["properties"]["kind"]["const"] == kind
        assert "event_id" in doc.get("required", []) or kind == "batch"
