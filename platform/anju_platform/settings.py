"""Platform settings (env prefix ANJU_PLATFORM_), read through a cached getter.

One small model per concern (settings_access, settings_workflow), nested here. The
environment keeps its flat names: each nested field is read from the variable named by its
`validation_alias`, else from ANJU_PLATFORM_<FIELD NAME> (`env_names`); no group name appears
in a variable. Code passes groups: `PlatformSettings(auth={"secret_key": ...})`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import AliasChoices, BaseModel, Field
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from anju_platform.settings_access import (
    AuthSettings,
    FaceSettings,
    LimitSettings,
    LoginSettings,
    RetentionSettings,
)
from anju_platform.settings_workflow import (
    CaseSettings,
    ConsoleSettings,
    JobSettings,
    ReportSettings,
    StreamSettings,
    WebhookSettings,
)

PREFIX = "ANJU_PLATFORM_"
DEV_SECRET = "anju-dev-secret-do-not-use-in-production"


def env_names(name: str, field: FieldInfo) -> list[str]:
    """The environment variables that set a group's field, in the order they are tried."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [PREFIX + name.upper()]


class FlatEnvSource(EnvSettingsSource):
    """Reads each nested field from its flat variable (`env_names`), decoding JSON for lists
    and objects as pydantic-settings does for top-level fields."""

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for group_name, group in groups(self.settings_cls).items():
            values: dict[str, Any] = {}
            for name, field in group.model_fields.items():
                raw, _, is_complex = self.get_field_value(field, name)
                value = self.prepare_field_value(name, field, raw, is_complex)
                if value is not None:
                    values[name] = value
            if values:
                data[group_name] = values
        return data


def groups(settings_cls: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Top-level field name -> its group model."""
    found = {}
    for name, field in settings_cls.model_fields.items():
        group = field.annotation
        assert isinstance(group, type) and issubclass(group, BaseModel), name
        found[name] = group
    return found


class PlatformSettings(BaseSettings):
    # extra="forbid": a flat keyword from before the grouping fails loudly instead of
    # being ignored.
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid")

    auth: AuthSettings = Field(default_factory=AuthSettings, title="Sign-in and secrets")
    login: LoginSettings = Field(default_factory=LoginSettings, title="Failed-login throttle")
    limits: LimitSettings = Field(default_factory=LimitSettings, title="Upload and import limits")
    faces: FaceSettings = Field(default_factory=FaceSettings, title="Face photos and matching")
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings, title="How long personal data is kept"
    )
    jobs: JobSettings = Field(default_factory=JobSettings, title="Background workflow jobs")
    stream: StreamSettings = Field(default_factory=StreamSettings, title="Live stream (H3)")
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings, title="Webhooks (H3)")
    cases: CaseSettings = Field(default_factory=CaseSettings, title="Inspection cases (H1)")
    reports: ReportSettings = Field(
        default_factory=ReportSettings, title="Resident reports and posters (H2)"
    )
    console: ConsoleSettings = Field(default_factory=ConsoleSettings, title="Web console")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Keywords win over the environment (merged per field, not per group).
        return init_settings, FlatEnvSource(settings_cls)

    def signing_key(self) -> bytes:
        key = self.auth.secret_key
        if key is not None and key.get_secret_value():
            return key.get_secret_value().encode()
        if self.auth.dev:
            return DEV_SECRET.encode()
        raise RuntimeError("ANJU_PLATFORM_SECRET_KEY is not set (use --dev for a throwaway key)")

    def card_master(self) -> bytes:
        secret = self.auth.card_key_secret
        if secret is not None and secret.get_secret_value():
            return secret.get_secret_value().encode()
        if self.auth.dev:
            return DEV_SECRET.encode()
        raise RuntimeError("ANJU_CARD_KEY_SECRET is not set: card numbers cannot be hashed")


def flat_names() -> dict[str, tuple[str, str]]:
    """Each setting's documented name without the prefix, lowercased -> (group, field):
    the names of the environment (and of tests' keyword overrides)."""
    found: dict[str, tuple[str, str]] = {}
    for group_name, group in groups(PlatformSettings).items():
        for name, field in group.model_fields.items():
            flat = next(n for n in env_names(name, field) if n.startswith(PREFIX))
            found[flat.removeprefix(PREFIX).lower()] = (group_name, name)
    return found


@lru_cache
def get_platform_settings() -> PlatformSettings:
    return PlatformSettings()
