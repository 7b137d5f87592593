"""Settings groups for background jobs, the live stream, webhooks, cases, resident reports
and the console (nested in PlatformSettings; variable names as in settings_access)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, IPvAnyNetwork

from anju_platform.settings_access import Group


class JobSettings(Group):
    enabled: bool = Field(
        default=True,
        validation_alias="ANJU_PLATFORM_JOBS_ENABLED",
        title="Run workflow jobs",
        description="Case routing, webhooks, snapshot expiry and erasure in the background.",
    )
    poll_s: float = Field(
        default=2.0,
        gt=0,
        le=3600,
        validation_alias="ANJU_PLATFORM_WORKFLOW_POLL_S",
        title="How often workflow jobs look for new work (seconds)",
    )


class StreamSettings(Group):
    poll_s: float = Field(
        default=0.5,
        gt=0,
        le=60,
        validation_alias="ANJU_PLATFORM_STREAM_POLL_S",
        title="Live stream poll interval (seconds)",
        description="How often an open /stream looks for new notifications, events and "
        "gateway states (one short pooled query round per poll).",
    )
    heartbeat_s: float = Field(
        default=15.0,
        gt=0,
        le=300,
        validation_alias="ANJU_PLATFORM_STREAM_HEARTBEAT_S",
        title="Live stream heartbeat (seconds)",
        description="A comment line is sent this often so proxies keep the stream open.",
    )
    max_s: float = Field(
        default=3600.0,
        gt=0,
        validation_alias="ANJU_PLATFORM_STREAM_MAX_S",
        title="Longest live stream (seconds)",
        description="A stream ends after this; the console reconnects with Last-Event-ID.",
    )


class WebhookSettings(Group):
    timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=120,
        validation_alias="ANJU_PLATFORM_WEBHOOK_TIMEOUT_S",
        title="Webhook request timeout (seconds)",
    )
    max_attempts: int = Field(
        default=6,
        ge=1,
        le=50,
        validation_alias="ANJU_PLATFORM_WEBHOOK_MAX_ATTEMPTS",
        title="Webhook attempts",
        description="Tries per notification before the delivery is marked failed.",
    )
    backoff_s: float = Field(
        default=5.0,
        ge=0,
        validation_alias="ANJU_PLATFORM_WEBHOOK_BACKOFF_S",
        title="Webhook first retry delay (seconds)",
        description="Exponential backoff: this, then twice as long after each failure.",
    )
    backoff_max_s: float = Field(
        default=3600.0,
        ge=0,
        validation_alias="ANJU_PLATFORM_WEBHOOK_BACKOFF_MAX_S",
        title="Webhook longest retry delay (seconds)",
    )
    test_concurrency: int = Field(
        default=4,
        ge=1,
        le=100,
        validation_alias="ANJU_PLATFORM_WEBHOOK_TEST_CONCURRENCY",
        title="Webhook test sends at once",
        description="`POST /webhooks/{id}/test` calls beyond this wait (then 429): each holds"
        " a server thread for up to ANJU_PLATFORM_WEBHOOK_TIMEOUT_S.",
    )
    batch: int = Field(
        default=50,
        ge=1,
        le=1000,
        validation_alias="ANJU_PLATFORM_WEBHOOK_BATCH",
        title="Webhook deliveries sent per job tick",
    )
    allow_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        validation_alias="ANJU_PLATFORM_WEBHOOK_ALLOW_NETWORKS",
        title="Private networks webhooks may reach",
        description=(
            "Webhook receivers on loopback, private, link-local or other non-public "
            'addresses are refused unless listed here as CIDRs, e.g. ["10.20.0.0/16"] '
            "for an on-premises receiver: a manager cannot probe internal hosts."
        ),
    )


class CaseSettings(Group):
    evidence_dir: Path = Field(
        default=Path("var/evidence"),
        title="Where case photos go",
        description="Files are stored as <case_id>/<photo_id>.jpg (or .png); size limit "
        "ANJU_PLATFORM_MAX_UPLOAD_BYTES.",
    )
    due_hours: dict[str, float] = Field(
        default={
            "default": 72.0,
            "elderly_not_seen": 24.0,
            "evicted_reentry": 24.0,
            "card_clone": 48.0,
            "card_after_moveout": 48.0,
            "vacancy": 168.0,
            "vacancy_warning": 336.0,
        },
        validation_alias="ANJU_PLATFORM_CASE_DUE_HOURS",
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
    deduction_points: dict[str, int] = Field(
        default={
            "default": 5,
            "sublet": 20,
            "change_of_use": 15,
            "overcrowding": 10,
            "vacancy": 10,
            "card_clone": 10,
            "evicted_reentry": 10,
        },
        validation_alias="ANJU_PLATFORM_CASE_DEDUCTION_POINTS",
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
    pdf_font: Path = Field(
        default=Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        title="CJK font file for PDF evidence packs (.ttf or .ttc)",
        description="Debian's fonts-wqy-microhei; without it the PDF pack answers 503.",
    )


class ReportSettings(Group):
    public_base_url: str | None = Field(
        default=None,
        title="Public base URL printed in QR codes",
        description="e.g. https://anju.example.org; unset: the URL the poster request came in "
        "on (posters, the console and `anju platform serve` warn when phones cannot open it).",
    )
    min_fill_s: float = Field(
        default=3.0,
        ge=0,
        le=600,
        validation_alias="ANJU_PLATFORM_REPORT_MIN_FILL_S",
        title="Minimum time to fill in a resident report (seconds)",
        description="A report sent sooner after its form was issued is refused (bots are fast).",
    )
    form_max_age_s: int = Field(
        default=3600,
        ge=60,
        le=7 * 24 * 3600,
        validation_alias="ANJU_PLATFORM_REPORT_FORM_MAX_AGE_S",
        title="Longest a report form stays valid (seconds)",
        description="The page fetches a fresh form token when its own is older.",
    )
    client_limit: int = Field(
        default=5,
        ge=1,
        le=10000,
        validation_alias="ANJU_PLATFORM_REPORT_CLIENT_LIMIT",
        title="Resident reports per client address per window",
    )
    building_limit: int = Field(
        default=30,
        ge=1,
        le=100000,
        validation_alias="ANJU_PLATFORM_REPORT_BUILDING_LIMIT",
        title="Resident reports per building per window",
    )
    window_s: int = Field(
        default=3600,
        ge=1,
        le=7 * 24 * 3600,
        validation_alias="ANJU_PLATFORM_REPORT_WINDOW_S",
        title="Resident report rate-limit window (seconds)",
    )
    body_min_chars: int = Field(
        default=5,
        ge=1,
        le=1000,
        validation_alias="ANJU_PLATFORM_REPORT_BODY_MIN_CHARS",
        title="Shortest resident report text (characters)",
    )
    body_max_chars: int = Field(
        default=2000,
        ge=10,
        le=5000,
        validation_alias="ANJU_PLATFORM_REPORT_BODY_MAX_CHARS",
        title="Longest resident report text (characters)",
    )
    duplicate_hours: int = Field(
        default=24,
        ge=0,
        le=24 * 30,
        validation_alias="ANJU_PLATFORM_REPORT_DUPLICATE_HOURS",
        title="Duplicate report window (hours)",
        description="The same text about the same building within this time is refused.",
    )


class ConsoleSettings(Group):
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
