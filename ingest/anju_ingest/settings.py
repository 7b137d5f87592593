"""Ingest settings (env prefix ANJU_INGEST_), read through a cached getter."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_INGEST_", extra="ignore")

    group: str = Field(
        default="anju-ingest",
        title="Shared subscription group",
        description="Workers in one group split the messages between them.",
    )
    client_id: str | None = Field(
        default=None,
        title="MQTT client id",
        description="Stable id for the persistent session (worker n adds -n); default "
        "anju-ingest-<group>-<token>-<slot>: the token random per install (kept in the "
        "database, so no gateway can guess the id), the slot the lowest free, so a "
        "replacement worker resumes the session (and queued messages) of the one it replaces.",
    )
    mqtt_protocol: int = Field(
        default=5,
        title="MQTT protocol",
        description="5 (shared subscriptions) or 4 = MQTT 3.1.1 for brokers without v5.",
    )
    session_expiry_s: int = Field(
        default=3600,
        ge=0,
        title="Session expiry (s)",
        description="How long the broker keeps a stopped worker's session and its messages.",
    )
    receive_maximum: int = Field(
        default=20000,
        ge=10,
        le=65535,
        title="Receive maximum",
        description="Unacknowledged messages the broker may send us; bounds memory in an outage.",
    )
    batch_max: int = Field(default=5000, ge=1, title="Max events per database transaction")
    flush_ms: int = Field(
        default=50, ge=1, title="Flush window (ms)", description="Longest a message waits."
    )
    idle_flush_ms: int = Field(
        default=5,
        ge=1,
        title="Idle flush (ms)",
        description="Flush early when no message arrived for this long (low latency, and "
        "progress with brokers that cap in-flight messages).",
    )
    max_payload_bytes: int = Field(default=1_048_576, ge=1024, title="Largest accepted message")
    dead_letter_keep_bytes: int = Field(default=16384, ge=0, title="Raw bytes kept per dead letter")
    max_future_s: int = Field(
        default=86400,
        ge=0,
        title="Future tolerance (s)",
        description="Events dated further ahead than this are dead-lettered (bad clock).",
    )
    duplicate_window_s: int = Field(
        default=86400,
        ge=0,
        title="Duplicate id window (s)",
        description="An event whose id is already stored this close in time is a "
        "redelivery (same content) or a conflict (dead-lettered); 0 = only the same time.",
    )
    require_known_gateway: bool = Field(
        default=True, title="Reject events from gateways not in the register"
    )
    gateway_refresh_s: float = Field(default=30.0, gt=0, title="Gateway list refresh (s)")
    restart_limit: int = Field(
        default=5,
        ge=0,
        title="Worker restarts allowed",
        description="With --workers > 1, a dead worker is restarted (backoff 0.5 s "
        "doubling to 10 s); more restarts than this within the window stop ingest (exit 1).",
    )
    restart_window_s: float = Field(
        default=300.0, gt=0, title="Restart window (s)", description="See restart_limit."
    )
    metrics_host: str = Field(default="127.0.0.1", title="Metrics bind address")
    metrics_port: int = Field(
        default=9108,
        ge=0,
        le=65535,
        title="Metrics port",
        description="Prometheus /metrics and /health; worker n listens on port+n; 0 = off.",
    )


@lru_cache
def get_ingest_settings() -> IngestSettings:
    return IngestSettings()
