"""What the door controllers estates buy send, turned into `DoorSignal`s (pure
functions; the webhook adapter in doors.py serves them over HTTP). docs/edge.md,
"Bridges", says how to point each device here and where each format comes from.

- Hikvision access terminals (ISAPI event notification to an "HTTP listening" host):
  JSON `EventNotificationAlert` with an `AccessControllerEvent`, alone or as the JSON
  part of a multipart body with the face picture. Event codes from Hikvision's
  HCNetSDK.h (`MAJOR_EVENT` 0x5 and its `MINOR_*` values).
- Dahua access terminals: the `eventManager.cgi` event text
  (`Code=AccessControl;action=Pulse;index=0;data={...}`) or the JSON of the HTTP event
  upload (`{"Events": [{"Code": "AccessControl", "Data": {...}}]}`).
- ZKTeco access panels and terminals (PUSH / ADMS, `/iclock/cdata?table=rtlog`): one
  tab-separated `key=value` record per line, in the device's local time.
- Wiegand readers, through a Wiegand-to-serial converter: 26-bit frames as `0`/`1`
  text (standard 26-bit layout: even parity, 8-bit facility, 16-bit number, odd parity).

Anything else a device reports (door contact, buttons, alarms, heartbeats) is not an
access and gives no signal."""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from anju_common.events import CredentialType, DenyReason, Direction
from anju_edge.doors import DoorSignal


@dataclass(frozen=True)
class DeviceMap:
    """How a device's numbers become the register's names."""

    device_id: str
    doors: dict[str, str] = field(default_factory=dict)  # door number -> door id
    readers: dict[str, Direction] = field(default_factory=dict)  # reader number -> direction
    local_tz: timezone = timezone(timedelta(hours=8))  # devices that send local time

    def door(self, number: object) -> str:
        key = str(number)
        return self.doors.get(key, f"door-{key}")

    def reader(self, number: object) -> Direction:
        return self.readers.get(str(number), Direction.UNKNOWN)


class NotAnEvent(ValueError):
    """The body is not in the vendor's format at all (answered 422)."""


def _signal(
    m: DeviceMap,
    door: str,
    direction: Direction,
    card: str | None,
    person: str | None,
    granted: bool,
    reason: DenyReason | None,
    when: datetime | None,
    by_face: bool = False,
) -> DoorSignal | None:
    """A card if the device read one, else the person the device recognised (its user
    id, enrolled as the register's person id), else nothing to report."""
    if card:
        kind, ref = CredentialType.CARD, None
    elif person:
        kind, ref = (CredentialType.FACE if by_face else CredentialType.PIN), person
    else:
        return None
    return DoorSignal(
        m.device_id,
        door,
        direction,
        kind,
        card or None,
        ref,
        granted,
        None if granted else (reason or DenyReason.OTHER),
        when,
    )


# --- Hikvision ----------------------------------------------------------------------

# HCNetSDK.h, MAJOR_EVENT (0x5) minor types: (granted, deny reason, by face)
HIK_MAJOR_EVENT = 0x5
HIK_MINOR: dict[int, tuple[bool, DenyReason | None, bool]] = {
    0x01: (True, None, False),  # MINOR_LEGAL_CARD_PASS
    0x02: (True, None, False),  # MINOR_CARD_AND_PSW_PASS
    0x03: (False, DenyReason.INVALID, False),  # MINOR_CARD_AND_PSW_FAIL
    0x06: (False, DenyReason.NOT_PERMITTED, False),  # MINOR_CARD_NO_RIGHT
    0x07: (False, DenyReason.NOT_PERMITTED, False),  # MINOR_CARD_INVALID_PERIOD
    0x08: (False, DenyReason.EXPIRED, False),  # MINOR_CARD_OUT_OF_DATE
    0x09: (False, DenyReason.UNKNOWN_CREDENTIAL, False),  # MINOR_INVALID_CARD
    0x0A: (False, DenyReason.ANTI_PASSBACK, False),  # MINOR_ANTI_SNEAK_FAIL
    0x3C: (True, None, True),  # MINOR_FACE_AND_CARD_VERIFY_PASS
    0x3D: (False, DenyReason.INVALID, True),  # MINOR_FACE_AND_CARD_VERIFY_FAIL
    0x4B: (True, None, True),  # MINOR_FACE_VERIFY_PASS
    0x4C: (False, DenyReason.INVALID, True),  # MINOR_FACE_VERIFY_FAIL
    0x4D: (True, None, True),  # MINOR_EMPLOYEENO_AND_FACE_VERIFY_PASS
    0x4E: (False, DenyReason.INVALID, True),  # MINOR_EMPLOYEENO_AND_FACE_VERIFY_FAIL
    0x50: (False, DenyReason.UNKNOWN_CREDENTIAL, True),  # MINOR_FACE_RECOGNIZE_FAIL
}


def _json_part(body: bytes, content_type: str) -> dict[str, Any]:
    """The JSON document of a plain or multipart/form-data body (the picture parts of a
    face event are skipped: the gateway's own cameras take the faces it keeps)."""
    if content_type.lower().startswith("multipart/"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in msg.iter_parts():
            if part.get_content_type() in ("application/json", "text/json", "text/plain"):
                raw = part.get_payload(decode=True)
                if isinstance(raw, bytes) and raw.lstrip().startswith(b"{"):
                    return _loads(raw)
        raise NotAnEvent("multipart body without a JSON part")
    return _loads(body)


def _loads(raw: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise NotAnEvent(f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise NotAnEvent("not a JSON object")
    return doc


def hikvision(body: bytes, content_type: str, m: DeviceMap) -> list[DoorSignal]:
    doc = _json_part(body, content_type)
    doc = doc.get("EventNotificationAlert", doc)  # some firmware wraps the alert
    if doc.get("eventType") != "AccessControllerEvent":
        if "eventType" not in doc:
            raise NotAnEvent("no eventType: not a Hikvision event notification")
        return []  # heartbeats (videoloss), alarms...
    ev = doc.get("AccessControllerEvent") or {}
    if ev.get("majorEventType") != HIK_MAJOR_EVENT or ev.get("subEventType") not in HIK_MINOR:
        return []  # door contact, buttons, tamper: not an access
    granted, reason, face = HIK_MINOR[int(ev["subEventType"])]
    card = str(ev.get("cardNo") or "").strip()
    person = str(ev.get("employeeNoString") or ev.get("employeeNo") or "").strip()
    when = datetime.fromisoformat(doc["dateTime"]) if doc.get("dateTime") else None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=m.local_tz)
    sig = _signal(
        m,
        m.door(ev.get("doorNo", 1)),
        m.reader(ev.get("cardReaderNo", "")),
        card,
        person,
        granted,
        reason,
        when,
        by_face=face,
    )
    return [sig] if sig else []


# --- Dahua --------------------------------------------------------------------------


def _dahua_records(text: str) -> list[dict[str, Any]]:
    """Data of each AccessControl event, from the JSON upload or the event text (several
    `Code=` records may follow each other; data may span lines)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        doc = _loads(stripped.encode())
        return [
            e.get("Data") or {}
            for e in doc.get("Events", [])
            if isinstance(e, dict) and e.get("Code") == "AccessControl"
        ]
    if "Code=" not in text:
        raise NotAnEvent("neither Dahua event text (Code=...) nor event JSON")
    out = []
    decoder = json.JSONDecoder()
    for chunk in text.split("Code=")[1:]:
        code = chunk.split(";", 1)[0].strip()
        if code != "AccessControl" or "data=" not in chunk:
            continue
        try:
            data, _ = decoder.raw_decode(chunk.split("data=", 1)[1].lstrip())
        except ValueError as exc:
            raise NotAnEvent(f"AccessControl data is not JSON: {exc}") from None
        out.append(data)
    return out


def dahua(body: bytes, m: DeviceMap) -> list[DoorSignal]:
    out = []
    for d in _dahua_records(body.decode("utf-8", errors="replace")):
        granted = int(d.get("Status", 0)) == 1
        kind = str(d.get("Type") or "").lower()
        direction = {"entry": Direction.IN, "exit": Direction.OUT}.get(kind, Direction.UNKNOWN)
        utc = d.get("UTC")
        when = datetime.fromtimestamp(float(utc), UTC) if utc else None
        sig = _signal(
            m,
            m.door(d.get("Door", 0)),
            direction,
            str(d.get("CardNo") or "").strip(),
            str(d.get("UserID") or "").strip(),
            granted,
            None,  # ErrorCode meanings are not in a document we have: reason "other"
            when,
            by_face=True,  # no card read: the (face) terminal recognised the user
        )
        if sig:
            out.append(sig)
    return out


# --- ZKTeco -------------------------------------------------------------------------

ZK_GRANTED = {"0"}  # event 0: normal verification, door opened
ZK_FACE = {"15"}  # verifytype 15: face


def zkteco_rtlog(text: str, m: DeviceMap) -> list[DoorSignal]:
    out = []
    for line in text.splitlines():
        if "=" not in line:
            continue
        rec = dict(p.split("=", 1) for p in line.strip().split("\t") if "=" in p)
        if "event" not in rec or "time" not in rec:
            raise NotAnEvent(f"rtlog line without time or event: {line[:80]!r}")
        when = datetime.strptime(rec["time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=m.local_tz)
        card = rec.get("cardno", "").strip()
        direction = {"0": Direction.IN, "1": Direction.OUT}.get(
            rec.get("inoutstatus", ""), Direction.UNKNOWN
        )
        sig = _signal(
            m,
            m.door(rec.get("eventaddr", "1")),
            direction,
            "" if card in ("", "0") else card,
            "" if rec.get("pin", "0") in ("", "0") else rec["pin"],
            rec["event"] in ZK_GRANTED,
            None,
            when,
            by_face=rec.get("verifytype", "") in ZK_FACE,
        )
        if sig:
            out.append(sig)
    return out


def zkteco_options(serial: str, tz_hours: float) -> str:
    """The handshake answer to `GET /iclock/cdata?SN=...&options=all`: upload events in
    real time. As quoted by open-source PUSH servers; not checked on a device here."""
    return (
        f"GET OPTION FROM: {serial}\nStamp=9999\nOpStamp=9999\nErrorDelay=30\nDelay=10\n"
        f"TransTimes=00:00;14:05\nTransInterval=1\nTimeZone={tz_hours:g}\nRealtime=1\n"
        "Encrypt=0\n"
    )


# --- Wiegand ------------------------------------------------------------------------


def wiegand26(bits: str) -> str | None:
    """The card number of a 26-bit Wiegand frame given as 26 '0'/'1' characters:
    facility (8 bits) * 65536 + number (16 bits), as the controllers of such readers
    store it. None when the text is no such frame or a parity bit is wrong (a misread)."""
    if len(bits) != 26 or set(bits) - {"0", "1"}:
        return None
    b = [int(c) for c in bits]
    if sum(b[0:13]) % 2 != 0 or sum(b[13:26]) % 2 != 1:  # even over 1-13, odd over 14-26
        return None
    return str(int(bits[1:25], 2))
