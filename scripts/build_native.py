"""Compile the hot detection modules with mypyc, in place (run by `make install`).

usage: python scripts/build_native.py [--force]

The modules (anju_platform/detect/native.py, compiled_modules()) go into one shared library
next to their sources; native_manifest.json records each source's hash, and the detection
package bypasses the whole build when any of them changes (native.guard). Without a C
compiler, Python's headers or mypyc, it says so in one line and leaves detection pure
Python. Up to date (same sources, mypyc and Python): nothing to do.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
import tempfile
import tomllib
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "platform"  # the folder holding anju_platform (the build runs there)


def _native() -> ModuleType:
    """anju_platform/detect/native.py, loaded alone (the build needs none of the rest)."""
    path = ROOT / "anju_platform" / "detect" / "native.py"
    spec = importlib.util.spec_from_file_location("_anju_native", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def _missing() -> str | None:
    """What the build lacks, or None."""
    if importlib.util.find_spec("mypyc") is None:
        return "mypyc (it ships with mypy)"
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    if shutil.which(cc.split()[0]) is None:
        return f"a C compiler ({cc.split()[0]})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "Python's headers (Python.h)"
    return None


def _stamp() -> dict[str, str]:
    import mypy.version

    return {"mypyc": mypy.version.__version__, "python": sys.implementation.cache_tag}


def _current(native: ModuleType, modules: list[str]) -> bool:
    try:
        recorded = json.loads(native.MANIFEST.read_text())
    except (OSError, ValueError):
        return False
    if recorded.get("build") != _stamp():
        return False
    hashes = {m: native.source_hash(native.source_path(m)) for m in modules}
    return bool(recorded.get("modules") == hashes and native.decide(environ={}).reason is None)


def _clean(native: ModuleType) -> None:
    native.MANIFEST.unlink(missing_ok=True)  # first: a half-done build has no manifest
    for path in native.extension_files():
        path.unlink()


def _mypy_path() -> str:
    """The other source folders (anju_common, ...), for full types: pyproject's mypy_path."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    folders = [REPO / part for part in config["mypy_path"].split(":")]
    return os.pathsep.join(str(f) for f in folders if f.is_dir() and f != ROOT)


def build(native: ModuleType, modules: list[str]) -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    _clean(native)
    paths = [str(native.source_path(m).relative_to(ROOT)) for m in modules]
    with tempfile.TemporaryDirectory(prefix="anju-native-") as tmp, contextlib.chdir(ROOT):
        os.environ["MYPYPATH"] = _mypy_path()
        extensions = mypycify(
            [f"--config-file={REPO / 'pyproject.toml'}", f"--cache-dir={tmp}/mypy", *paths],
            group_name=native.GROUP,
            target_dir=f"{tmp}/c",
        )
        setup(
            name="anju-native",
            ext_modules=extensions,
            script_args=[
                "-q",
                "build_ext",
                "--inplace",
                f"--build-temp={tmp}/o",
                f"--build-lib={tmp}/lib",
            ],
        )
    hashes = {m: native.source_hash(native.source_path(m)) for m in modules}
    record = {"build": _stamp(), "modules": hashes}
    native.MANIFEST.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def main() -> int:
    native = _native()
    modules = native.compiled_modules()
    missing = _missing()
    if missing:
        print(f"build-native: {missing} not found: detection runs as pure Python (slower)")
        return 0
    if "--force" not in sys.argv and _current(native, modules):
        print(f"build-native: {len(modules)} compiled detection modules up to date")
        return 0
    print(f"build-native: compiling {len(modules)} detection modules with mypyc ...")
    build(native, modules)
    print(f"build-native: compiled {len(modules)} detection modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
