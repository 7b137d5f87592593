"""The compiled detection modules never run stale (anju_platform/detect/native.py): an edit
to any compiled module's source since the build, a build without its manifest, or
ANJU_PURE_PYTHON=1 loads every compiled module from its .py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from anju_platform.detect import native

SO = EXTENSION_SUFFIXES[0]


def _tree(tmp: Path) -> Path:
    """A detect/ folder with two compiled modules, a kept-pure one, and their manifest."""
    detect = tmp / "detect"
    (detect / "rules").mkdir(parents=True)
    for rel in ("__init__.py", "alpha.py", "settings.py", "repo_x.py", "rules/__init__.py"):
        (detect / rel).write_text(f"# {rel}\n")
    (detect / "rules" / "beta.py").write_text("X = 1\n")
    for rel in ("alpha", "rules/beta", "native_lib__mypyc"):
        (detect / (rel + SO)).write_bytes(b"")
    hashes = {m: native.source_hash(native.source_path(m, detect)) for m in _both()}
    (detect / native.MANIFEST.name).write_text(json.dumps({"modules": hashes}))
    return detect


def _both() -> frozenset[str]:
    return frozenset({f"{native.PACKAGE}.alpha", f"{native.PACKAGE}.rules.beta"})


def test_the_compiled_set_leaves_out_the_package_settings_and_repositories(tmp_path: Path) -> None:
    assert set(native.compiled_modules(_tree(tmp_path))) == _both()


def test_a_current_build_runs_compiled(tmp_path: Path) -> None:
    assert native.decide(_tree(tmp_path), environ={}) == native.Decision(frozenset(), None)


def test_no_build_is_plain_python_without_a_word(tmp_path: Path) -> None:
    detect = _tree(tmp_path)
    for path in native.extension_files(detect):
        path.unlink()
    assert native.decide(detect, environ={}) == native.Decision(frozenset(), None)


def test_one_edited_module_bypasses_every_compiled_module(tmp_path: Path) -> None:
    detect = _tree(tmp_path)
    (detect / "rules" / "beta.py").write_text("X = 2\n")
    got = native.decide(detect, environ={})
    assert got.bypass == _both()
    assert got.reason == "changed since the build: beta.py"


def test_a_module_added_after_the_build_bypasses_it(tmp_path: Path) -> None:
    detect = _tree(tmp_path)
    (detect / "gamma.py").write_text("\n")
    got = native.decide(detect, environ={})
    assert got.bypass == _both() | {f"{native.PACKAGE}.gamma"}
    assert got.reason == f"not in the build: {native.PACKAGE}.gamma"


def test_compiled_files_without_a_manifest_are_bypassed(tmp_path: Path) -> None:
    detect = _tree(tmp_path)
    (detect / native.MANIFEST.name).unlink()
    got = native.decide(detect, environ={})
    assert got.bypass == _both() and got.reason is not None


def test_the_switch_forces_pure_python_quietly(tmp_path: Path) -> None:
    got = native.decide(_tree(tmp_path), environ={native.PURE_ENV: "1"})
    assert got == native.Decision(_both(), None)
    assert native.decide(_tree(tmp_path / "b"), environ={native.PURE_ENV: "0"}).bypass == set()


def test_the_finder_loads_the_source_of_a_bypassed_module_only(tmp_path: Path) -> None:
    detect = _tree(tmp_path)
    finder = native.SourceFinder(_both(), detect)
    spec = finder.find_spec(f"{native.PACKAGE}.rules.beta", None)
    assert spec is not None and spec.origin == str(detect / "rules" / "beta.py")
    assert finder.find_spec(f"{native.PACKAGE}.settings", None) is None


def _loaded(root: Path, env: dict[str, str]) -> tuple[list[str], str]:
    """Where each compiled module loads from, importing the anju_platform copy under root."""
    code = (
        "import importlib\nfrom anju_platform.detect import native\n"
        "for m in native.compiled_modules():\n"
        "    print(importlib.import_module(m).__file__)\n"
    )
    base = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    env = {**base, "PYTHONPATH": str(root), **env}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split(), done.stderr


def test_an_edit_to_a_copy_of_the_build_runs_all_of_it_from_source(tmp_path: Path) -> None:
    """End to end on a copy of the package: compiled as built; after one module's edit
    (and with the switch) every compiled module comes from its .py."""
    if not native.extension_files():
        pytest.skip("detection is not compiled here (scripts/build_native.py said why)")
    src = Path(native.__file__).resolve().parents[1]
    shutil.copytree(src, tmp_path / "anju_platform", ignore=shutil.ignore_patterns("__pycache__"))
    files, err = _loaded(tmp_path, {})
    assert all(f.startswith(str(tmp_path)) and f.endswith(SO) for f in files), files
    assert err == ""
    files, err = _loaded(tmp_path, {native.PURE_ENV: "1"})
    assert all(f.endswith(".py") for f in files) and err == ""
    with (tmp_path / "anju_platform" / "detect" / "rules" / "quiet.py").open("a") as f:
        f.write("# edited\n")
    files, err = _loaded(tmp_path, {})
    assert all(f.startswith(str(tmp_path)) and f.endswith(".py") for f in files), files
    assert len(files) == len(native.compiled_modules())
    assert err.count("\n") == 1 and "stale (changed since the build: quiet.py)" in err
