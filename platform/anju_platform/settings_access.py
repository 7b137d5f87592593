"""Settings groups for sign-in, limits, faces and retention (nested in PlatformSettings).

Each field is set by one documented environment variable: `validation_alias` names it when it
is not ANJU_PLATFORM_<FIELD NAME> (the flat names deployments used before the grouping)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr

from anju_platform.access import Role
from anju_platform.importer.sheets import Limits


class Group(BaseModel):
    # Fields by name in code, by their variable's name from the environment; a misspelt
    # key in code is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AuthSettings(Group):
    secret_key: SecretStr | None = Field(
        default=None,
        title="Token signing key",
        description="HMAC key for bearer tokens. Required unless started with --dev.",
    )
    token_ttl_minutes: int = Field(
        default=480, ge=1, le=7 * 24 * 60, title="Token lifetime (minutes)"
    )
    card_key_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ANJU_CARD_KEY_SECRET", "ANJU_PLATFORM_CARD_KEY_SECRET"),
        title="Card key master secret",
        description="Master secret from which each estate's card-hash key is derived.",
    )
    dev: bool = Field(default=False, title="Development mode (fixed insecure secrets)")


class LoginSettings(Group):
    max_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        validation_alias="ANJU_PLATFORM_LOGIN_MAX_FAILURES",
        title="Failed logins of one account from one address before it must wait",
    )
    address_max_failures: int = Field(
        default=30,
        ge=1,
        le=100000,
        validation_alias="ANJU_PLATFORM_LOGIN_ADDRESS_MAX_FAILURES",
        title="Failed logins from one address (any account) before it must wait",
    )
    lockout_seconds: float = Field(
        default=30,
        gt=0,
        le=3600,
        validation_alias="ANJU_PLATFORM_LOGIN_LOCKOUT_SECONDS",
        title="First wait after too many failures (doubles after)",
    )
    lockout_max_seconds: float = Field(
        default=900,
        gt=0,
        le=86400,
        validation_alias="ANJU_PLATFORM_LOGIN_LOCKOUT_MAX_SECONDS",
        title="Longest wait; also how long failures are counted",
    )


class LimitSettings(Group):
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, title="Upload size limit")
    max_image_pixels: int = Field(
        default=40_000_000,
        ge=10_000,
        title="Largest image accepted (pixels, width x height)",
        description="Checked from the image header before decoding, for enrollment photos, "
        "case photos and snapshots: a small file can declare a huge picture.",
    )
    import_max_rows: int = Field(
        default=100_000,
        ge=10,
        title="Most lines per imported sheet",
        description="A larger sheet is refused whole (413): split it.",
    )
    import_max_unpacked_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024 * 1024,
        title="Largest unpacked size of an imported .xlsx (bytes)",
        description="Checked before parsing: a 1 MB workbook can unpack to gigabytes of XML.",
    )

    def import_limits(self) -> Limits:
        return Limits(
            max_rows=self.import_max_rows, max_unpacked_bytes=self.import_max_unpacked_bytes
        )


class FaceSettings(Group):
    keep_enrollment_photos: bool = Field(
        default=False,
        title="Keep enrollment photos",
        description="Store the uploaded photo next to the embedding (off: only the embedding).",
    )
    photo_dir: Path = Field(
        default=Path("var/enrollment-photos"), title="Where kept enrollment photos go"
    )
    upsample: int = Field(
        default=1,
        ge=0,
        le=2,
        validation_alias="ANJU_PLATFORM_FACE_UPSAMPLE",
        title="Face detector upsampling (1 finds smaller faces)",
    )
    snapshot_dir: Path = Field(
        default=Path("var/snapshots"),
        title="Where face snapshots uploaded by gateways go",
        description="Files are stored as <estate>/<yyyy-mm-dd>/<event_id>.jpg (or .png).",
    )
    view_roles: list[Role] = Field(
        default=[Role.ADMIN, Role.AUTHORITY, Role.MANAGER],
        validation_alias="ANJU_PLATFORM_FACE_VIEW_ROLES",
        title="Roles that may view face snapshots",
        description='JSON list in the environment, e.g. \'["admin","authority"]\'. '
        "Managers (and inspectors if listed) only within their scope.",
    )
    model: Path | None = Field(
        default=None,
        validation_alias="ANJU_PLATFORM_FACE_MODEL",
        title="Face recognition model file for enrolment photos",
        description="A dlib-compatible 128-d ResNet model file; empty: the bundled dlib "
        "ResNet v1. Must be the file the estates' gateways use ([faces] model): enrolments "
        "are recorded with the model's id and gateways receive only their model's.",
    )
    far: float = Field(
        default=0.001,
        gt=0,
        lt=0.5,
        validation_alias="ANJU_PLATFORM_FACE_FAR",
        title="Target share of strangers a face match may accept",
        description="Per probe against the whole gallery: `anju faces calibrate` sets each "
        "estate's match thresholds so that at most this share of strangers' faces match "
        "some resident.",
    )
    fallback_threshold: float = Field(
        default=0.6,
        gt=0,
        le=2,
        validation_alias="ANJU_PLATFORM_FACE_FALLBACK_THRESHOLD",
        title="Face match threshold for a gallery too small to calibrate",
        description="Used until an estate has enough enrolled people to calibrate.",
    )


class RetentionSettings(Group):
    stranger_snapshot_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        title="Days an unknown person's face snapshot is kept",
        description="Snapshots without a person (strangers) are deleted after this many days.",
    )
    face_data_days: int = Field(
        default=60,
        ge=1,
        le=36500,
        title="Days a face event's embedding and snapshot reference are kept",
        description="Face data of face events (event_faces) older than this is deleted "
        "hourly; the events stay. Detection needs it until its daily pass has read the "
        "day (and to re-run that many days).",
    )
    erase_after_move_out_days: int = Field(
        default=365,
        ge=0,
        le=36500,
        title="Days after move-out before a person's data is erased (0: off)",
        description="A person whose last household membership ended this long ago is erased.",
    )
    notification_days: int = Field(
        default=180,
        ge=1,
        le=36500,
        validation_alias="ANJU_PLATFORM_NOTIFICATION_RETENTION_DAYS",
        title="Days notifications and their webhook delivery log are kept",
        description="Older ones are deleted hourly, except those still waiting for delivery.",
    )
