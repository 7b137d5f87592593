"""Settings pieces shared by components. Read from the environment through cached
getters, never at import, so tests and the demo can set the environment first."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/anju"
DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_DB_", extra="ignore")

    url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "ANJU_DB_URL"),
        title="Database URL",
        description="PostgreSQL URI (libpq form). TimescaleDB is used when installed.",
    )
    pool_size: int = Field(default=4, ge=1, le=64, title="Connection pool size")
    retention_days: int = Field(
        default=730, ge=7, title="Event retention (days)", description="Older days are dropped."
    )
    reorder_after_days: int = Field(
        default=2,
        ge=1,
        title="Reorder days after (days)",
        description="Native day partitions this old are rewritten once in estate order "
        "(migration 0014); later events for such a day are appended.",
    )


class CardKeySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_CARD_KEY_", extra="ignore")

    scope: Literal["estate", "authority"] = Field(
        default="estate",
        title="Card key scope",
        description="estate: a card-hash key per estate; authority: one key for all "
        "estates (cards issued city-wide), so card_clone compares across estates.",
    )


@lru_cache
def card_key_scope() -> str:
    """ANJU_CARD_KEY_SCOPE: the same on the platform, the gateways' keys and detection."""
    return CardKeySettings().scope


class MqttSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_MQTT_", extra="ignore")

    url: str = Field(
        default=DEFAULT_MQTT_URL,
        validation_alias=AliasChoices("MQTT_URL", "ANJU_MQTT_URL"),
        title="MQTT URL",
        description="mqtt://user:pass@host:port, or mqtts:// for TLS.",
    )
    ca_file: str | None = Field(default=None, title="CA file for mqtts://")
    client_id: str | None = Field(default=None, title="Client id (default: generated)")


@dataclass(frozen=True, slots=True)
class MqttTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool


def parse_mqtt_url(url: str) -> MqttTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {parts.scheme!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    return MqttTarget(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8883 if tls else 1883),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )


@lru_cache
def get_database_settings() -> DatabaseSettings:
    return DatabaseSettings()


@lru_cache
def get_mqtt_settings() -> MqttSettings:
    return MqttSettings()
