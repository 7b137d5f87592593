"""Gateway configuration: TOML validated by pydantic, unknown keys rejected.

Errors name the file, the key and the problem, and a misspelt key gives one error
("did you mean ...") instead of an "unknown key" plus a "missing key" pair."""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from anju_common.cardhash import card_key_from_text
from anju_common.events import Direction, Ident


class ConfigError(ValueError):
    """A gateway config that cannot be used; the message is for a person."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GatewaySection(_Strict):
    estate_id: Ident = Field(description="Estate this gateway belongs to (topic path).")
    gateway_id: Ident = Field(description="This gateway's id (topic path, MQTT client id).")
    data_dir: Path = Field(
        default=Path("/var/lib/anju-edge"),
        description="Queue, gallery cache, pass nonces and snapshots live here.",
    )
    card_key_env: str = Field(
        default="ANJU_EDGE_CARD_KEY",
        description="Environment variable holding the estate card key (HMAC of card numbers).",
    )
    heartbeat_s: float = Field(default=30.0, gt=0, description="Seconds between heartbeats.")


class MqttSection(_Strict):
    url: str | None = Field(
        default=None, description="mqtt://user:pass@host:port or mqtts:// (TLS)."
    )
    url_env: str = Field(
        default="ANJU_EDGE_MQTT_URL",
        description="Environment variable that overrides `url` (keeps the password out of files).",
    )
    ca_file: Path | None = Field(default=None, description="CA bundle for mqtts://.")
    keepalive_s: int = Field(default=30, ge=5, le=600)
    protocol: Literal[4, 5] = Field(
        default=5, description="MQTT 5, or 4 (3.1.1) for brokers without v5 (demo broker)."
    )
    inflight: int = Field(
        default=1000, ge=1, le=60000, description="QoS 1 publishes awaiting PUBACK, at most."
    )

    def resolved_url(self) -> str:
        url = os.environ.get(self.url_env) or self.url
        if not url:
            raise ConfigError(f"[mqtt] url: not set (and ${self.url_env} is empty)")
        return url


class BufferSection(_Strict):
    max_events: int = Field(
        default=200_000, ge=10, description="Queue bound; past it the oldest events are dropped."
    )
    synchronous: Literal["full", "normal"] = Field(
        default="full", description="SQLite fsync policy: full survives power loss too."
    )


class FacesSection(_Strict):
    tolerance: float = Field(
        default=0.6,
        gt=0,
        le=2,
        description="Max embedding distance for a match while the gallery carries no "
        "calibrated threshold.",
    )
    margin: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="A match must be this much nearer than the second-nearest person.",
    )
    model: Path | None = Field(
        default=None,
        description="dlib-compatible 128-d face recognition model file (default: the "
        "bundled dlib ResNet v1). Its id goes with every embedding: galleries and "
        "embeddings of different models never mix.",
    )
    detector: Literal["hog", "cnn"] = Field(default="hog", description="Face detector.")
    detect_width: int = Field(
        default=320, ge=80, description="Frames are scaled to this width for detection."
    )
    upsample: int = Field(default=1, ge=0, le=3, description="dlib upsampling for detection.")
    min_face_px: int = Field(default=40, ge=10, description="Smaller faces are not encoded.")
    encode_every: int = Field(
        default=4, ge=1, description="Frames between encodings of the same track."
    )
    max_encodings: int = Field(default=3, ge=1, le=20, description="Encodings per track.")
    track_lost_frames: int = Field(
        default=8, ge=1, description="Frames without the face before its track closes."
    )
    min_iou: float = Field(default=0.2, ge=0, le=1, description="Box overlap to continue a track.")
    send_embedding: bool = Field(
        default=True,
        description="Send the track's embedding (unknown and matched faces) with the event.",
    )

    @field_validator("model")
    @classmethod
    def _model_file_exists(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_file():
            raise ValueError(f"face model file {v} not found")
        return v

    @model_validator(mode="before")
    @classmethod
    def _detector_was_model(cls, data: Any) -> Any:
        # before issue 18 `model` chose the detector; such configs keep working
        if isinstance(data, dict) and data.get("model") in ("hog", "cnn"):
            data = {**data, "detector": data["model"]}
            del data["model"]
        return data


class GallerySection(_Strict):
    url: str | None = Field(default=None, description="GET URL of the enrolled gallery JSON.")
    path: Path | None = Field(default=None, description="Local gallery JSON (tests, offline).")
    token_env: str = Field(
        default="ANJU_EDGE_GALLERY_TOKEN", description="Bearer token for `url`, from env."
    )
    refresh_s: float = Field(default=300.0, gt=0, description="Seconds between syncs.")


class SnapshotsSection(_Strict):
    enabled: bool = Field(default=False, description="Keep cropped JPEGs of unknown faces.")
    retention_days: float = Field(default=7.0, gt=0)
    max_px: int = Field(default=160, ge=32, description="Longest side of the stored crop.")
    jpeg_quality: int = Field(default=80, ge=30, le=95)
    upload: bool | None = Field(
        default=None,
        description="Upload snapshots to the platform (default: when the platform URL and "
        "gateway token are set).",
    )
    upload_url: str | None = Field(
        default=None,
        description="Base URL for uploads, <...>/gateways/<gateway_id>/snapshots (default: "
        "derived from [gallery] url).",
    )


class CameraConfig(_Strict):
    id: Ident
    source: str = Field(description="rtsp:// or http:// URL, USB index, video file or folder.")
    direction: Direction = Direction.UNKNOWN
    faces: bool = True
    qr: bool = Field(default=False, description="Also decode QR codes in this camera's frames.")
    motion: bool = Field(default=True, description="Run detection only when something moves.")
    motion_threshold: float = Field(
        default=0.002, ge=0, le=1, description="Fraction of changed pixels that counts as motion."
    )
    realtime: bool | None = Field(
        default=None, description="Drop stale frames (default: yes for streams, no for files)."
    )
    fps: float = Field(default=10.0, gt=0, description="Pace of frame folders in realtime mode.")
    loop: bool = Field(default=False, description="Restart files and folders at the end.")


class WebhookDoor(_Strict):
    kind: Literal["webhook"]
    id: Ident
    listen: str = Field(default="127.0.0.1:8089", description="host:port to listen on.")
    token_env: str | None = Field(
        default=None, description="Env var with a shared secret expected in X-Anju-Token."
    )
    # Vendor formats (docs/edge.md, "Bridges"): the device's numbers -> the register's
    door_ids: dict[str, Ident] = Field(
        default_factory=dict, description="Door number the device reports -> door id."
    )
    readers: dict[str, Direction] = Field(
        default_factory=dict, description="Hikvision card reader number -> in / out."
    )
    local_tz_hours: float = Field(
        default=8.0, ge=-12, le=14, description="Offset of devices that report local time."
    )
    zkteco_serials: list[str] = Field(
        default_factory=list, description="ZKTeco serial numbers allowed to push events."
    )


class LinesDoor(_Strict):
    kind: Literal["lines"]
    id: Ident
    door_id: Ident
    path: str = Field(description="Serial device, FIFO, file, or '-' for stdin.")
    direction: Direction = Direction.IN
    assume_granted: bool = Field(
        default=True, description="Reader lines without a decision count as granted."
    )
    format: Literal["number", "wiegand26"] = Field(
        default="number", description="Lines hold a card number, or a 26-bit Wiegand frame."
    )


class SimulatedDoor(_Strict):
    kind: Literal["simulated"]
    id: Ident
    door_id: Ident
    cards: list[str] = Field(min_length=1)
    count: int = Field(default=10, ge=0)
    interval_s: float = Field(default=1.0, ge=0)
    direction: Direction = Direction.IN


DoorConfig = Annotated[WebhookDoor | LinesDoor | SimulatedDoor, Field(discriminator="kind")]


class QrScannerConfig(_Strict):
    id: Ident
    path: str = Field(description="Serial device, FIFO, file, or '-' for stdin.")


class QrSection(_Strict):
    hmac_key_env: str | None = Field(
        default="ANJU_EDGE_PASS_KEY", description="Env var with the HMAC pass key (if used)."
    )
    ed25519_public_keys: list[str] = Field(
        default_factory=list, description="Base64 Ed25519 public keys of the pass issuer."
    )
    clock_skew_s: float = Field(default=120.0, ge=0)
    dedupe_s: float = Field(default=3.0, ge=0, description="Ignore the same code within this.")


class GatewayConfig(_Strict):
    gateway: GatewaySection
    mqtt: MqttSection = MqttSection()
    buffer: BufferSection = BufferSection()
    faces: FacesSection = FacesSection()
    gallery: GallerySection = GallerySection()
    snapshots: SnapshotsSection = SnapshotsSection()
    qr: QrSection = QrSection()
    cameras: list[CameraConfig] = Field(default_factory=list)
    doors: list[DoorConfig] = Field(default_factory=list)
    qr_scanners: list[QrScannerConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> GatewayConfig:
        ids = [c.id for c in self.cameras] + [d.id for d in self.doors]
        ids += [q.id for q in self.qr_scanners]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"device ids must be unique, repeated: {', '.join(dup)}")
        return self

    def card_key(self) -> bytes:
        """The estate key from the environment (hex, as `anju keys card` prints it)."""
        try:
            return card_key_from_text(os.environ.get(self.gateway.card_key_env, ""))
        except ValueError as err:
            raise ConfigError(f"${self.gateway.card_key_env}: {err}") from None


def _key_path(loc: tuple[int | str, ...], data: Any) -> str:
    """('doors', 0, 'webhook', 'listn') -> doors[0].listn (drop union tags)."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue  # discriminator tag pydantic inserts into the path
        out += f".{part}" if out else part
        node = node.get(part) if isinstance(node, dict) else None
    return out


def _all_keys() -> list[str]:
    models: list[type[BaseModel]] = [GatewayConfig, GatewaySection, MqttSection, BufferSection]
    models += [FacesSection, GallerySection, SnapshotsSection, CameraConfig, WebhookDoor]
    models += [LinesDoor, SimulatedDoor, QrScannerConfig, QrSection]
    return sorted({k for m in models for k in m.model_fields})


def _explain(file: Path, err: ValidationError, data: dict[str, Any]) -> str:
    errors = err.errors()
    extras = [e for e in errors if e["type"] == "extra_forbidden"]
    missing = [e for e in errors if e["type"] == "missing"]
    lines: list[str] = []
    suppressed: set[str] = set()
    for e in extras:
        path = _key_path(e["loc"], data)
        parent, _, key = path.rpartition(".")
        siblings = [_key_path(m["loc"], data) for m in missing]
        close = difflib.get_close_matches(
            key, [s.rpartition(".")[2] for s in siblings if s.rpartition(".")[0] == parent], n=1
        )
        hint = ""
        if close:
            suppressed.add(f"{parent}.{close[0]}" if parent else close[0])
        else:
            close = difflib.get_close_matches(key, _all_keys(), n=1, cutoff=0.75)
        if close:
            hint = f" (did you mean '{close[0]}'?)"
        lines.append(f"{file}: {path}: unknown key{hint}")
    for e in errors:
        if e["type"] == "extra_forbidden":
            continue
        path = _key_path(e["loc"], data)
        if e["type"] == "missing" and path in suppressed:
            continue
        lines.append(f"{file}: {path or '(top level)'}: {e['msg']}")
    return "\n".join(lines)


def parse_config(text: str, file: Path) -> GatewayConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(file, exc, data)) from None


def load_config(file: Path) -> GatewayConfig:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    return parse_config(text, file)
