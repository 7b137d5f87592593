"""Platform settings (env prefix ANJU_PLATFORM_), read through a cached getter."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from anju_platform.access import Role
from anju_platform.importer.sheets import Limits

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
    login_max_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        title="Failed logins of one account from one address before it must wait",
    )
    login_address_max_failures: int = Field(
        default=30,
        ge=1,
        le=100000,
        title="Failed logins from one address (any account) before it must wait",
    )
    login_lockout_seconds: float = Field(
        default=30, gt=0, le=3600, title="First wait after too many failures (doubles after)"
    )
    login_lockout_max_seconds: float = Field(
        default=900, gt=0, le=86400, title="Longest wait; also how long failures are counted"
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
    # Notifications: live stream and webhooks (H3)
    stream_poll_s: float = Field(
        default=0.5,
        gt=0,
        le=60,
        title="Live stream poll interval (seconds)",
        description="How often an open /stream looks for new notifications, events and "
        "gateway states (one short pooled query round per poll).",
    )
    stream_heartbeat_s: float = Field(
        default=15.0,
        gt=0,
        le=300,
        title="Live stream heartbeat (seconds)",
        description="A comment line is sent this often so proxies keep the stream open.",
    )
    stream_max_s: float = Field(
        default=3600.0,
        gt=0,
        title="Longest live stream (seconds)",
        description="A stream ends after this; the console reconnects with Last-Event-ID.",
    )
    webhook_timeout_s: float = Field(
        default=10.0, gt=0, le=120, title="Webhook request timeout (seconds)"
    )
    webhook_max_attempts: int = Field(
        default=6,
        ge=1,
        le=50,
        title="Webhook attempts",
        description="Tries per notification before the delivery is marked failed.",
    )
    webhook_backoff_s: float = Field(
        default=5.0,
        ge=0,
        title="Webhook first retry delay (seconds)",
        description="Exponential backoff: this, then twice as long after each failure.",
    )
    webhook_backoff_max_s: float = Field(
        default=3600.0, ge=0, title="Webhook longest retry delay (seconds)"
    )
    webhook_test_concurrency: int = Field(
        default=4,
        ge=1,
        le=100,
        title="Webhook test sends at once",
        description="`POST /webhooks/{id}/test` calls beyond this wait (then 429): each holds"
        " a server thread for up to ANJU_PLATFORM_WEBHOOK_TIMEOUT_S.",
    )
    webhook_batch: int = Field(
        default=50, ge=1, le=1000, title="Webhook deliveries sent per job tick"
    )
    webhook_allow_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        title="Private networks webhooks may reach",
        description=(
            "Webhook receivers on loopback, private, link-local or other non-public "
            'addresses are refused unless listed here as CIDRs, e.g. ["10.20.0.0/16"] '
            "for an on-premises receiver: a manager cannot probe internal hosts."
        ),
    )
    snapshot_dir: Path = Field(
        default=Path("var/snapshots"),
        title="Where face snapshots uploaded by gateways go",
        description="Files are stored as <estate>/<yyyy-mm-dd>/<event_id>.jpg (or .png).",
    )
    face_view_roles: list[Role] = Field(
        default=[Role.ADMIN, Role.AUTHORITY, Role.MANAGER],
        title="Roles that may view face snapshots",
        description='JSON list in the environment, e.g. \'["admin","authority"]\'. '
        "Managers (and inspectors if listed) only within their scope.",
    )
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
    face_model: Path | None = Field(
        default=None,
        title="Face recognition model file for enrolment photos",
        description="A dlib-compatible 128-d ResNet model file; empty: the bundled dlib "
        "ResNet v1. Must be the file the estates' gateways use ([faces] model): enrolments "
        "are recorded with the model's id and gateways receive only their model's.",
    )
    face_far: float = Field(
        default=0.001,
        gt=0,
        lt=0.5,
        title="Target share of strangers a face match may accept",
        description="Per probe against the whole gallery: `anju faces calibrate` sets each "
        "estate's match thresholds so that at most this share of strangers' faces match "
        "some resident.",
    )
    face_fallback_threshold: float = Field(
        default=0.6,
        gt=0,
        le=2,
        title="Face match threshold for a gallery too small to calibrate",
        description="Used until an estate has enough enrolled people to calibrate.",
    )
    erase_after_move_out_days: int = Field(
        default=365,
        ge=0,
        le=36500,
        title="Days after move-out before a person's data is erased (0: off)",
        description="A person whose last household membership ended this long ago is erased.",
    )
    notification_retention_days: int = Field(
        default=180,
        ge=1,
        le=36500,
        title="Days notifications and their webhook delivery log are kept",
        description="Older ones are deleted hourly, except those still waiting for delivery.",
    )

    # Inspection cases (H1)
    evidence_dir: Path = Field(
        default=Path("var/evidence"),
        title="Where case photos go",
        description="Files are stored as <case_id>/<photo_id>.jpg (or .png); size limit "
        "ANJU_PLATFORM_MAX_UPLOAD_BYTES.",
    )
    case_due_hours: dict[str, float] = Field(
        default={
            "default": 72.0,
            "elderly_not_seen": 24.0,
            "evicted_reentry": 24.0,
            "card_clone": 48.0,
            "card_after_moveout": 48.0,
            "vacancy": 168.0,
            "vacancy_warning": 336.0,
        },
        title="Hours from an alert opening to its inspection visit being due, per alert type",
        description="JSON object alert type -> hours; 'default' for the other types.",
    )
    visit_grace_minutes: int = Field(
        default=60,
        ge=0,
        title="How long before its alert opened a visit may be dated (minutes)",
        description="A visit is a response to an alert: dating it earlier (beyond clock "
        "differences) would make a late inspection look on time.",
    )
    case_deduction_points: dict[str, int] = Field(
        default={
            "default": 5,
            "sublet": 20,
            "change_of_use": 15,
            "overcrowding": 10,
            "vacancy": 10,
            "card_clone": 10,
            "evicted_reentry": 10,
        },
        title="Points deduction proposed on a confirmed visit, per violation type",
        description="JSON object violation type -> points; 'default' for the others. The "
        "inspector may give other points; the authority decides.",
    )
    suppression_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        title="Days an explained (not confirmed) pattern does not alert again",
        description="Counted from the visit; the suppression also covers the pattern's days.",
    )

    # Resident reports, patrols, performance (H2)
    public_base_url: str | None = Field(
        default=None,
        title="Public base URL printed in QR codes",
        description="e.g. https://anju.example.org; unset: the URL the poster request came in "
        "on (posters, the console and `anju platform serve` warn when phones cannot open it).",
    )
    report_min_fill_s: float = Field(
        default=3.0,
        ge=0,
        le=600,
        title="Minimum time to fill in a resident report (seconds)",
        description="A report sent sooner after its form was issued is refused (bots are fast).",
    )
    report_form_max_age_s: int = Field(
        default=3600,
        ge=60,
        le=7 * 24 * 3600,
        title="Longest a report form stays valid (seconds)",
        description="The page fetches a fresh form token when its own is older.",
    )
    report_client_limit: int = Field(
        default=5, ge=1, le=10000, title="Resident reports per client address per window"
    )
    report_building_limit: int = Field(
        default=30, ge=1, le=100000, title="Resident reports per building per window"
    )
    report_window_s: int = Field(
        default=3600, ge=1, le=7 * 24 * 3600, title="Resident report rate-limit window (seconds)"
    )
    report_body_min_chars: int = Field(
        default=5, ge=1, le=1000, title="Shortest resident report text (characters)"
    )
    report_body_max_chars: int = Field(
        default=2000, ge=10, le=5000, title="Longest resident report text (characters)"
    )
    report_duplicate_hours: int = Field(
        default=24,
        ge=0,
        le=24 * 30,
        title="Duplicate report window (hours)",
        description="The same text about the same building within this time is refused.",
    )
    # Console
    grafana_url: str | None = Field(
        default=None,
        max_length=500,
        title="Grafana address for the console's links",
        description="Where staff's browsers reach Grafana (e.g. https://grafana.example.org);"
        " unset: the console shows no dashboard links.",
    )
    gateway_stale_s: int = Field(
        default=180,
        ge=10,
        le=7 * 24 * 3600,
        title="Gateway shown offline after this long without a heartbeat (seconds)",
        description="Gateways send one every 30 s by default; a gateway that stops without"
        " its last will reaching the broker would otherwise still read online.",
    )
    pdf_font: Path = Field(
        default=Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        title="CJK font file for PDF evidence packs (.ttf or .ttc)",
        description="Debian's fonts-wqy-microhei; without it the PDF pack answers 503.",
    )

    def import_limits(self) -> Limits:
        return Limits(
            max_rows=self.import_max_rows, max_unpacked_bytes=self.import_max_unpacked_bytes
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
