"""Platform settings (env prefix ANJU_PLATFORM_), read through a cached getter."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "anju-dev-secret-do-not-use-in-production"


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ANJU_PLATFORM_", extra="ignore", populate_by_name=True
    )

    secret_key: SecretStr | None = Field(
        default=None,
        title="Token signing key",
        description="HMAC key for bearer tokens. Required unless started with --dev.",
    )
    token_ttl_minutes: int = Field(
        default=480, ge=1, le=7 * 24 * 60, title="Token lifetime (minutes)"
    )
    keep_enrollment_photos: bool = Field(
        default=False,
        title="Keep enrollment photos",
        description="Store the uploaded photo next to the embedding (off: only the embedding).",
    )
    photo_dir: Path = Field(
        default=Path("var/enrollment-photos"), title="Where kept enrollment photos go"
    )
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, title="Upload size limit")
    face_upsample: int = Field(
        default=1, ge=0, le=2, title="Face detector upsampling (1 finds smaller faces)"
    )
    card_key_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ANJU_CARD_KEY_SECRET", "ANJU_PLATFORM_CARD_KEY_SECRET"),
        title="Card key master secret",
        description="Master secret from which each estate's card-hash key is derived.",
    )
    dev: bool = Field(default=False, title="Development mode (fixed insecure secrets)")
    jobs_enabled: bool = Field(
        default=True,
        title="Run workflow jobs",
        description="Case routing, webhooks, snapshot expiry and erasure in the background.",
    )
    workflow_poll_s: float = Field(
        default=2.0, gt=0, le=3600, title="How often workflow jobs look for new work (seconds)"
    )

    def signing_key(self) -> bytes:
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value().encode()
        if self.dev:
            return DEV_SECRET.encode()
        raise RuntimeError("ANJU_PLATFORM_SECRET_KEY is not set (use --dev for a throwaway key)")

    def card_master(self) -> bytes:
        if self.card_key_secret is not None and self.card_key_secret.get_secret_value():
            return self.card_key_secret.get_secret_value().encode()
        if self.dev:
            return DEV_SECRET.encode()
        raise RuntimeError("ANJU_CARD_KEY_SECRET is not set: card numbers cannot be hashed")


@lru_cache
def get_platform_settings() -> PlatformSettings:
    return PlatformSettings()
