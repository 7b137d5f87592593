"""Pieces of the live stream that need no I/O: the Server-Sent Events wire format, the
personal-data-free summary of an event row, and the received_at watermark that tolerates
rows committed a little out of order."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def frame(event: str, data: dict[str, Any], event_id: int | str | None = None) -> str:
    """One SSE message. JSON has no raw newlines, so `data:` is a single line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    payload = json.dumps(data, ensure_ascii=False, default=_default, separators=(",", ":"))
    return f"{head}event: {event}\ndata: {payload}\n\n"


def comment(text: str) -> str:
    return f": {text}\n\n"


def parse_last_event_id(value: str | None) -> int | None:
    """The notification id a reconnecting client saw last; junk is ignored."""
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


# Only these columns leave the server; never names, card refs, embeddings or tokens.
_ACCESS = ("door_id", "direction", "credential_type", "granted", "deny_reason")
_FACE = ("direction", "matched")
_QR = ("purpose", "result")


def event_summary(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "event_id": str(row["event_id"]),
        "kind": row["kind"],
        "time": row["time"],
        "gateway_id": row["gateway_id"],
        "device_id": row["device_id"],
    }
    extra = {"access": _ACCESS, "face": _FACE, "qr": _QR}.get(row["kind"], ())
    for name in extra:
        out[name] = row.get(name)
    if row["kind"] == "access":
        out["result"] = "granted" if row.get("granted") else "denied"
    return out


def notification_data(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("notification_id", "at", "kind", "estate_id", "grid_id", "body")}


def gateway_data(row: dict[str, Any]) -> dict[str, Any]:
    devices = row.get("devices") or []
    return {
        "gateway_id": row["gateway_id"],
        "state": row["state"],
        "version": row.get("version"),
        "state_time": row.get("state_time"),
        "heartbeat_time": row.get("heartbeat_time"),
        "queue_depth": row.get("queue_depth"),
        "dropped": row.get("dropped"),
        "devices_total": len(devices),
        "devices_ok": sum(1 for d in devices if isinstance(d, dict) and d.get("ok")),
        "updated_at": row.get("updated_at"),
    }


@dataclass
class Watermark:
    """New rows by received_at. Each poll re-reads `overlap` back from the mark, because
    a row stamped earlier may commit later; ids already sent in that span are skipped."""

    mark: datetime
    overlap: timedelta = timedelta(seconds=5)
    seen: dict[str, datetime] = field(default_factory=dict)
    start: datetime | None = None  # rows stamped before the stream opened are history

    def __post_init__(self) -> None:
        if self.start is None:
            self.start = self.mark

    def since(self) -> datetime:
        return self.mark - self.overlap

    def take(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        fresh = []
        for row in rows:
            key = str(row["event_id"])
            if key in self.seen or (self.start is not None and row["received_at"] <= self.start):
                continue
            self.seen[key] = row["received_at"]
            fresh.append(row)
            self.mark = max(self.mark, row["received_at"])
        floor = self.since()
        self.seen = {k: t for k, t in self.seen.items() if t >= floor}
        return fresh


@dataclass
class GatewayWatch:
    """Gateway rows are few per estate: compare each poll's rows with the last sent."""

    last: dict[str, Any] = field(default_factory=dict)

    def changed(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            if self.last.get(row["gateway_id"]) != row["updated_at"]:
                self.last[row["gateway_id"]] = row["updated_at"]
                out.append(row)
        return out
