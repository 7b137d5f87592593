"""Where `anju dashboards publish` sends the dashboards (env prefix ANJU_DASHBOARDS_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DashboardsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_DASHBOARDS_", extra="ignore")

    grafana_url: str = Field(
        default="http://127.0.0.1:3000",
        title="Grafana URL",
        description="Base URL of Grafana (a sub-path like https://host/grafana is kept).",
    )
    grafana_token: SecretStr | None = Field(
        default=None,
        title="Grafana token",
        description="Service-account token with the Editor role (Bearer authentication).",
    )
    folder: str = Field(default="Anju", title="Folder title", description="Created if missing.")


@lru_cache
def get_settings() -> DashboardsSettings:
    return DashboardsSettings()
