"""One realistic instance of every wire model, for round-trip tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from pydantic import BaseModel

from anju_common.cardhash import card_hash
from anju_common.events import (
    AccessEvent,
    CredentialType,
    DenyReason,
    DeviceHealth,
    Direction,
    EventBatch,
    FaceSighting,
    GatewayState,
    GatewayStatus,
    Heartbeat,
    QrPurpose,
    QrResult,
    QrScan,
)

KEY = b"test-estate-key"
CST = timezone(timedelta(hours=8))


def _base(device: str = "d1") -> dict[str, object]:
    return {
        "event_id": uuid.uuid4(),
        "time": datetime(2026, 11, 22, 8, 15, 30, 123456, tzinfo=CST),
        "estate_id": "xy-01",
        "gateway_id": "gw-1",
        "device_id": device,
    }


def examples() -> dict[str, BaseModel]:
    access = AccessEvent(
        **_base("ctl-1"),  # type: ignore[arg-type]
        door_id="door-1",
        direction=Direction.IN,
        credential_type=CredentialType.CARD,
        credential_ref=card_hash(KEY, "0012345678"),
        granted=False,
        reason=DenyReason.EXPIRED,
    )
    face = FaceSighting(
        **_base("cam-1"),  # type: ignore[arg-type]
        track_id="t-1",
        person_id=None,
        quality=0.8,
        direction=Direction.OUT,
        embedding=[i / 1000 - 0.064 for i in range(128)],
        snapshot_ref="snap/2026-11-22/t-1.jpg",
    )
    qr = QrScan(
        **_base("qr-1"),  # type: ignore[arg-type]
        purpose=QrPurpose.PATROL_CHECKPOINT,
        result=QrResult.REPLAYED,
        pass_id="n-1",
        checkpoint_id="cp-1",
        token="ANJU1.payload.signature",
    )
    status = GatewayStatus(**_base("gw-1"), state=GatewayState.OFFLINE, version="1.0")  # type: ignore[arg-type]
    heartbeat = Heartbeat(
        **_base("gw-1"),  # type: ignore[arg-type]
        version="1.0",
        uptime_s=12.5,
        queue_depth=3,
        dropped=1,
        devices=[DeviceHealth(device_id="cam-1", ok=False, detail="no frames", fps=0.0)],
    )
    batch = EventBatch(
        estate_id="xy-01",
        gateway_id="gw-1",
        events=[access, face, qr, status, heartbeat],
    )
    out: dict[str, BaseModel] = {
        "access": access,
        "face": face,
        "qr": qr,
        "status": status,
        "heartbeat": heartbeat,
        "batch": batch,
    }
    assert all(getattr(m, "time", datetime.now(UTC)).tzinfo for m in out.values())
    return out
