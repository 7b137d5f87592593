"""The nested platform settings keep the flat environment names deployments use: every
ANJU_PLATFORM_ name README.md documents sets its one nested field, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo

from anju_platform.settings import PREFIX, PlatformSettings, env_names, flat_names, groups

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
DOCUMENTED = sorted(
    set(re.findall(r"`(ANJU_PLATFORM_[A-Z0-9_]+)`", README))
    - {
        "ANJU_PLATFORM_NEW_PASSWORD",  # `anju platform create-admin`'s option, not a setting
        "ANJU_PLATFORM_PORT",  # docker-compose's published port
    }
)


def _sample(field: FieldInfo) -> str:
    """A valid value unlike the default, as the environment would hold it."""
    kind, default = str(field.annotation), field.get_default(call_default_factory=True)
    if "Role" in kind:
        return '["admin"]'
    if "Network" in kind:
        return '["10.0.0.0/8"]'
    if "dict" in kind:
        return '{"default": 1}'
    if isinstance(default, bool):
        return "false" if default else "true"
    if isinstance(default, int):
        return str(default + 1)
    if isinstance(default, float):
        return str(default / 2 if default else 1.5)
    if "Path" in kind:
        return "/srv/anju-test"
    if "Secret" in kind:
        return "s3cret"
    return "https://anju.example.org"


def _leaves(settings: PlatformSettings) -> dict[tuple[str, str], Any]:
    found = {}
    for group_name in groups(PlatformSettings):
        group: BaseModel = getattr(settings, group_name)
        for name in type(group).model_fields:
            value = getattr(group, name)
            found[group_name, name] = (
                value.get_secret_value() if isinstance(value, SecretStr) else value
            )
    return found


def _field(group: str, name: str) -> FieldInfo:
    return groups(PlatformSettings)[group].model_fields[name]


def test_every_field_has_one_documented_flat_name() -> None:
    names = flat_names()
    assert len(names) == sum(len(g.model_fields) for g in groups(PlatformSettings).values())
    documented = {n.removeprefix(PREFIX).lower() for n in DOCUMENTED}
    assert set(names) == documented, "README.md and the settings disagree"


@pytest.mark.parametrize("variable", DOCUMENTED)
def test_documented_name_sets_its_field(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for other in [*DOCUMENTED, "ANJU_CARD_KEY_SECRET"]:
        monkeypatch.delenv(other, raising=False)
    before = _leaves(PlatformSettings())
    group, name = flat_names()[variable.removeprefix(PREFIX).lower()]
    assert variable in env_names(name, _field(group, name))
    monkeypatch.setenv(variable, _sample(_field(group, name)))
    after = _leaves(PlatformSettings())
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {(group, name)}


def test_card_key_secret_keeps_its_short_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANJU_PLATFORM_CARD_KEY_SECRET", raising=False)
    monkeypatch.setenv("ANJU_CARD_KEY_SECRET", "short-name")
    assert PlatformSettings().card_master() == b"short-name"


def test_json_values_and_keywords_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANJU_PLATFORM_CASE_DUE_HOURS", '{"default": 12, "sublet": 6}')
    monkeypatch.setenv("ANJU_PLATFORM_WEBHOOK_BATCH", "7")
    s = PlatformSettings(webhooks={"timeout_s": 3})  # type: ignore[arg-type]
    assert s.cases.due_hours == {"default": 12.0, "sublet": 6.0}
    assert (s.webhooks.batch, s.webhooks.timeout_s) == (7, 3.0)  # the group is merged


def test_bad_values_and_old_keywords_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANJU_PLATFORM_REPORT_CLIENT_LIMIT", "0")
    with pytest.raises(ValidationError, match="client_limit"):
        PlatformSettings()
    monkeypatch.delenv("ANJU_PLATFORM_REPORT_CLIENT_LIMIT")
    with pytest.raises(ValidationError, match="secret_key"):
        PlatformSettings(secret_key="flat")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="nope"):
        PlatformSettings(auth={"nope": 1})  # type: ignore[arg-type]
