"""No product module above 400 lines (issue 19 item 8): a module that grows past it is
doing two things; split it where they part. Tests are not product modules."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400


def product_packages() -> list[Path]:
    """The packages the wheel ships (pyproject.toml), i.e. the product."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [ROOT / p for p in project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]]


def test_no_product_module_above_the_limit() -> None:
    modules = [f for pkg in product_packages() for f in pkg.rglob("*.py")]
    assert len(modules) > 100  # the walk found the product
    sizes = {
        str(f.relative_to(ROOT)): len(f.read_text(encoding="utf-8").splitlines()) for f in modules
    }
    over = {p: n for p, n in sorted(sizes.items()) if n > LIMIT}
    assert over == {}, f"modules above {LIMIT} lines: {over}"
