"""The compiled (mypyc) detection modules and the guard that keeps a stale build from running.

`make install` (scripts/build-native) compiles the modules `compiled_modules()` names into one
shared library (native calls between them) and writes MANIFEST: each module's source hash.
A compiled module's extension file shadows its .py, so after an edit the old code would run;
and since the modules call each other natively, one edited module makes the whole build
stale. `guard()` (run by anju_platform.detect's __init__, before any submodule loads) checks
the manifest and, when the build is stale, missing its manifest, or ANJU_PURE_PYTHON=1,
puts a finder at the head of sys.meta_path that loads every compiled module from its .py.
This module is never compiled itself and imports nothing from detection.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

PACKAGE = "anju_platform.detect"
DETECT_DIR = Path(__file__).resolve().parent
MANIFEST = DETECT_DIR / "native_manifest.json"
# The shared library mypyc builds (group name); its file is GROUP's last part + "__mypyc".
GROUP = f"{PACKAGE}.native_lib"
PURE_ENV = "ANJU_PURE_PYTHON"
# Not compiled: the package files, this module, the settings (pydantic), the database code
# (psycopg, time spent in PostgreSQL), the orchestration around the rules.
_KEPT_PURE = {"__init__", "native", "settings", "engine", "realtime_loop"}

log = logging.getLogger(__name__)


def compiled_modules(detect_dir: Path = DETECT_DIR) -> list[str]:
    """Dotted names of the modules the build compiles: detect/ and detect/rules/ minus the
    kept-pure ones and the repositories (repo*.py)."""
    names = []
    for sub, prefix in ((detect_dir, PACKAGE), (detect_dir / "rules", f"{PACKAGE}.rules")):
        for path in sorted(sub.glob("*.py")):
            stem = path.stem
            if stem in _KEPT_PURE or stem.startswith("repo"):
                continue
            names.append(f"{prefix}.{stem}")
    return names


def source_path(module: str, detect_dir: Path = DETECT_DIR) -> Path:
    parts = module.removeprefix(PACKAGE + ".").split(".")
    return detect_dir.joinpath(*parts[:-1], parts[-1] + ".py")


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def extension_files(detect_dir: Path = DETECT_DIR) -> list[Path]:
    """Compiled extension files under detect/ (any ABI suffix)."""
    found: list[Path] = []
    for sub in (detect_dir, detect_dir / "rules"):
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            found.extend(sub.glob("*" + suffix))
    return sorted(set(found))


@dataclass(frozen=True)
class Decision:
    """What guard() does: bypass (load from .py) the named modules, and why (None: the
    build is current, or there is none)."""

    bypass: frozenset[str]
    reason: str | None


def decide(
    detect_dir: Path = DETECT_DIR,
    manifest: Path | None = None,
    environ: dict[str, str] | os._Environ[str] | None = None,
) -> Decision:
    """The guard's decision, from the files on disk and the environment."""
    environ = os.environ if environ is None else environ
    manifest = detect_dir / MANIFEST.name if manifest is None else manifest
    built = extension_files(detect_dir)
    if not built:
        return Decision(frozenset(), None)  # never built: plain Python, nothing to say
    everything = frozenset(compiled_modules(detect_dir))
    if environ.get(PURE_ENV, "") not in ("", "0"):
        return Decision(everything, None)  # asked for: no warning
    try:
        recorded: dict[str, str] = json.loads(manifest.read_text())["modules"]
    except (OSError, ValueError, KeyError, TypeError):
        return Decision(everything, f"compiled files without a readable {manifest.name}")
    bypass = everything | frozenset(recorded)
    changed = []
    for module, digest in sorted(recorded.items()):
        path = source_path(module, detect_dir)
        if not path.exists() or source_hash(path) != digest:
            changed.append(path.name)
    added = sorted(everything - frozenset(recorded))
    if changed:
        return Decision(bypass, f"changed since the build: {', '.join(changed)}")
    if added:
        return Decision(bypass, f"not in the build: {', '.join(added)}")
    return Decision(frozenset(), None)


class SourceFinder:
    """A meta-path finder that loads the named modules from their .py files (never from a
    compiled extension next to them)."""

    def __init__(self, modules: frozenset[str], detect_dir: Path = DETECT_DIR) -> None:
        self.modules = modules
        self.detect_dir = detect_dir

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.modules:
            return None
        return importlib.util.spec_from_file_location(
            fullname, source_path(fullname, self.detect_dir)
        )


def guard() -> Decision:
    """Install the source finder when the build must be bypassed; warn in one line when
    that is because the build is stale."""
    decision = decide()
    if decision.bypass and not any(isinstance(f, SourceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, SourceFinder(decision.bypass))
    if decision.reason:
        log.warning(
            "anju: compiled detection modules are stale (%s); running them as pure Python "
            "(slower) until `make install` rebuilds them",
            decision.reason,
        )
    return decision


def is_compiled(module: ModuleType) -> bool:
    """Whether a loaded module runs from a compiled extension."""
    return str(getattr(module, "__file__", "") or "").endswith(
        tuple(importlib.machinery.EXTENSION_SUFFIXES)
    )
