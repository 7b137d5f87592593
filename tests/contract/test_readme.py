"""README.md keeps its promises: the two commands exist and every setting is listed."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGES = (
    "anju_common",
    "anju_cli",
    "anju_ingest",
    "anju_platform",
    "anju_sim",
    "anju_edge",
    "anju_dashboards",
)


def _import_settings_modules() -> None:
    """Import every module named settings/config in our packages (where settings live)."""
    for name in PACKAGES:
        try:
            package = importlib.import_module(name)
        except ImportError:
            continue
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if info.name.rsplit(".", 1)[-1] in ("settings", "config"):
                importlib.import_module(info.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def env_names() -> set[str]:
    _import_settings_modules()
    names = set()
    for cls in _subclasses(BaseSettings):
        if not cls.__module__.startswith("anju_"):
            continue
        prefix = str(cls.model_config.get("env_prefix", ""))
        for field_name, field in cls.model_fields.items():  # type: ignore[attr-defined]
            group = field.annotation
            if isinstance(group, type) and issubclass(group, BaseModel):
                # nested settings (anju_platform.settings): each leaf keeps a flat name
                for leaf_name, leaf in group.model_fields.items():
                    names.update(_names(prefix, leaf_name, leaf))
            else:
                names.update(_names(prefix, field_name, field))
    return names


def _names(prefix: str, field_name: str, field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(a) for a in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [(prefix + field_name).upper()]


def test_every_setting_is_documented() -> None:
    names = env_names()
    assert {"DATABASE_URL", "MQTT_URL", "ANJU_DB_POOL_SIZE"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in README)
    assert not missing, f"add to README.md, Configuration: {missing}"


def test_the_two_commands() -> None:
    assert "make demo" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert "\ndemo:" in makefile and "anju demo" in makefile
    assert "\ntest:" in makefile
    # the parallel run the README describes
    assert "-n $(TEST_WORKERS) --dist loadfile" in makefile and "TEST_WORKERS" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_links_point_at_files() -> None:
    import re

    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if "://" not in target:
            assert (ROOT / target).exists(), target


def test_detection_defaults_in_the_readme_are_the_code_s() -> None:
    """The Configuration table's default of every numeric ANJU_DETECT_ setting is the
    field's default (ANJU_DETECT_MISMATCH_MIN_DAYS said 2 where the code has 3)."""
    from anju_platform.detect.settings import DetectSettings

    table = dict(re.findall(r"^\| `(ANJU_DETECT_[A-Z0-9_]+)` \| `([^`]*)` \|", README, re.M))
    checked, wrong = 0, []
    for name, field in DetectSettings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        documented = table.get(f"ANJU_DETECT_{name.upper()}")
        if documented is None or isinstance(default, bool):
            continue
        if isinstance(default, int | float):
            checked += 1
            if float(documented) != float(default):
                wrong.append(f"ANJU_DETECT_{name.upper()}: README {documented}, code {default}")
    assert checked > 30
    assert not wrong, wrong
