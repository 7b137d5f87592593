"""Simulator settings from the environment (read through a cached getter)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_SIM_", extra="ignore")

    card_key_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ANJU_SIM_CARD_KEY_SECRET", "ANJU_CARD_KEY_SECRET"),
        title="Card key master secret",
        description="Estate card keys are HMAC(secret, estate_id), as on the platform; set "
        "the same ANJU_CARD_KEY_SECRET so hashes of simulated cards match. Unset: a fixed "
        "synthetic secret (fine for synthetic data only).",
    )


@lru_cache
def get_sim_settings() -> SimSettings:
    return SimSettings()
