"""The gateway installs with `anju[edge]` only: nothing in anju_edge may import server
packages (FastAPI, psycopg, httpx, uvicorn...) or other components."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gateway.toml"

PROBE = """
import importlib, pkgutil, sys
BLOCKED = ("fastapi", "psycopg", "psycopg_pool", "httpx", "uvicorn", "openpyxl", "argon2",
           "anju_platform", "anju_ingest", "anju_sim", "anju_bench", "anju_dashboards",
           "face_recognition", "amqtt")

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"anju[edge] must not need {name}")
        return None

sys.meta_path.insert(0, Block())
import anju_edge
for m in pkgutil.iter_modules(anju_edge.__path__):
    importlib.import_module(f"anju_edge.{m.name}")
from anju_edge.faces import DlibRecognizer
DlibRecognizer()
from anju_common.passes import new_ed25519_keypair
new_ed25519_keypair()
from anju_cli.main import app
sys.argv = ["anju", "edge", "check", "--config", sys.argv[1]]
app()
"""


def test_edge_needs_only_the_edge_extra() -> None:
    res = subprocess.run(
        [sys.executable, "-c", PROBE, str(EXAMPLE)], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "ok - gateway estate-01/gw-b3" in res.stdout
