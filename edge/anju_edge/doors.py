"""Door controller adapters. Each turns what a controller reports into a `DoorSignal`;
the agent hashes the card number with the estate key and queues an AccessEvent."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from anju_common.events import CredentialType, DenyReason, Direction, Ident

if TYPE_CHECKING:
    from anju_edge.bridges import DeviceMap


@dataclass(frozen=True, slots=True)
class DoorSignal:
    device_id: str
    door_id: str
    direction: Direction
    credential_type: CredentialType
    card_number: str | None  # raw; hashed before it leaves the adapter's caller
    credential_ref: str | None
    granted: bool
    reason: DenyReason | None
    time: datetime | None


Emit = Callable[[DoorSignal], str]  # returns the event id


class DoorAdapter(Protocol):
    device_id: str

    def start(self, emit: Emit) -> None: ...

    def stop(self) -> None: ...


class WebhookBody(BaseModel):
    """What a controller POSTs to /v1/door-events (JSON)."""

    model_config = ConfigDict(extra="forbid")

    door_id: Ident
    direction: Direction = Direction.UNKNOWN
    credential_type: CredentialType = CredentialType.CARD
    card_number: str | None = Field(default=None, min_length=1, max_length=64)
    credential_ref: str | None = Field(default=None, max_length=128)
    granted: bool
    reason: DenyReason | None = None
    time: AwareDatetime | None = None
    device_id: Ident | None = None


MAX_BODY = 1 << 20  # a Hikvision face event carries its picture (about 50-200 KB)


class WebhookDoors:
    """HTTP receiver for commercial controllers: our JSON at /v1/door-events, and the
    vendors' own formats (bridges.py): Hikvision at /v1/hikvision, Dahua at /v1/dahua,
    ZKTeco PUSH at /iclock/cdata. Answers 202 (ours) or what the vendor expects."""

    def __init__(
        self,
        device_id: str,
        listen: str,
        token: str | None,
        device_map: DeviceMap | None = None,
        zkteco_serials: frozenset[str] = frozenset(),
    ) -> None:
        from anju_edge.bridges import DeviceMap

        self.device_id = device_id
        host, _, port = listen.rpartition(":")
        self._addr = (host or "127.0.0.1", int(port))
        self._token = token
        self.map = device_map or DeviceMap(device_id)
        self.zkteco_serials = zkteco_serials
        self._server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._addr[1]

    def start(self, emit: Emit) -> None:
        from anju_edge import bridges

        adapter = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                url = urlsplit(self.path)
                path, query = url.path.rstrip("/"), parse_qs(url.query)
                size = int(self.headers.get("Content-Length") or 0)
                if size > MAX_BODY:
                    self._reply(413, {"error": f"body over {MAX_BODY} bytes"})
                    return
                body = self.rfile.read(size)
                if path == "/iclock/cdata":
                    self._zkteco(query, body)
                    return
                if path not in ("/v1/door-events", "/v1/hikvision", "/v1/dahua"):
                    self._reply(404, {"error": "POST /v1/door-events"})
                    return
                given = self.headers.get("X-Anju-Token") or query.get("token", [""])[0]
                if adapter._token and given != adapter._token:
                    self._reply(401, {"error": "bad or missing X-Anju-Token"})
                    return
                try:
                    if path == "/v1/door-events":
                        sig = adapter.to_signal(WebhookBody.model_validate_json(body[:65536]))
                        self._reply(202, {"event_id": emit(sig)})
                        return
                    ctype = self.headers.get("Content-Type") or "application/json"
                    sigs = (
                        bridges.hikvision(body, ctype, adapter.map)
                        if path == "/v1/hikvision"
                        else bridges.dahua(body, adapter.map)
                    )
                except (ValidationError, ValueError) as exc:
                    self._reply(422, {"error": str(exc)})
                    return
                # The vendors only need a 200; the event ids help when testing a device.
                self._reply(200, {"event_ids": ",".join(emit(sig) for sig in sigs)})

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                path, query = url.path.rstrip("/"), parse_qs(url.query)
                if path not in ("/iclock/cdata", "/iclock/getrequest"):
                    self._reply(404, {"error": "POST /v1/door-events"})
                    return
                serial = query.get("SN", [""])[0]
                if not adapter._zkteco_allowed(serial):
                    self._text(401, "unknown device")
                    return
                if path == "/iclock/cdata":  # the handshake: ask for real-time uploads
                    hours = adapter.map.local_tz.utcoffset(None).total_seconds() / 3600
                    self._text(200, bridges.zkteco_options(serial, hours))
                else:
                    self._text(200, "OK")  # no commands for the device

            def _zkteco(self, query: dict[str, list[str]], body: bytes) -> None:
                serial = query.get("SN", [""])[0]
                if not adapter._zkteco_allowed(serial):
                    self._text(401, "unknown device")
                    return
                if query.get("table", [""])[0] == "rtlog":
                    try:
                        text = body.decode("utf-8", errors="replace")
                        for sig in bridges.zkteco_rtlog(text, adapter.map):
                            emit(sig)
                    except ValueError as exc:
                        self._text(422, str(exc))
                        return
                self._text(200, "OK")  # other tables (options, state...) are acknowledged

            def _reply(self, code: int, obj: dict[str, str]) -> None:
                self._send(code, json.dumps(obj).encode(), "application/json")

            def _text(self, code: int, text: str) -> None:
                self._send(code, text.encode(), "text/plain")

            def _send(self, code: int, raw: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: object) -> None:
                return  # one line per door swing would drown the gateway log

        self._server = ThreadingHTTPServer(self._addr, Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True, name="webhook").start()

    def _zkteco_allowed(self, serial: str) -> bool:
        """ZKTeco devices cannot send our token: listed serial numbers only, or any
        device when neither a list nor a token is configured (a closed network)."""
        if self.zkteco_serials:
            return serial in self.zkteco_serials
        return self._token is None

    def to_signal(self, b: WebhookBody) -> DoorSignal:
        if b.credential_type is CredentialType.CARD and not b.card_number:
            raise ValueError("card_number is required for credential_type card")
        return DoorSignal(
            b.device_id or self.device_id,
            b.door_id,
            b.direction,
            b.credential_type,
            b.card_number,
            b.credential_ref,
            b.granted,
            None if b.granted else (b.reason or DenyReason.OTHER),
            b.time,
        )

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def card_swipe(
    device_id: str, door_id: str, direction: Direction, card: str, granted: bool
) -> DoorSignal:
    """A plain reader's report: a card number and whether the door opened."""
    reason = None if granted else DenyReason.UNKNOWN_CREDENTIAL
    return DoorSignal(
        device_id, door_id, direction, CredentialType.CARD, card, None, granted, reason, None
    )


def parse_reader_line(
    line: str, assume_granted: bool, wiegand26: bool = False
) -> tuple[str, bool] | None:
    """'12345678' or '12345678 denied' -> (card, granted); blank lines -> None. With
    `wiegand26` the card is a 26-bit frame of '0'/'1' (a misread frame -> None)."""
    parts = line.strip().split()
    if not parts:
        return None
    granted = assume_granted
    if len(parts) > 1:
        granted = parts[1].lower() in ("granted", "ok", "1", "yes", "open")
    if wiegand26:
        from anju_edge.bridges import wiegand26 as decode

        card = decode(parts[0])
        return None if card is None else (card, granted)
    return parts[0], granted


@contextlib.contextmanager
def open_lines(path: str) -> Iterator[IO[str]]:
    """stdin for '-', otherwise a serial device, FIFO or file opened for reading."""
    if path == "-":
        yield sys.stdin
        return
    with open(path, encoding="utf-8", errors="replace") as f:
        yield f


class LineReaderDoor:
    """Serial or keyboard-wedge card reader: one card number per line."""

    def __init__(
        self,
        device_id: str,
        door_id: str,
        path: str,
        direction: Direction,
        assume_granted: bool,
        wiegand26: bool = False,
    ) -> None:
        self.device_id = device_id
        self.door_id = door_id
        self.path = path
        self.direction = direction
        self.assume_granted = assume_granted
        self.wiegand26 = wiegand26
        self._stop = threading.Event()

    def start(self, emit: Emit) -> None:
        threading.Thread(target=self._run, args=(emit,), daemon=True, name=self.device_id).start()

    def _run(self, emit: Emit) -> None:
        with open_lines(self.path) as f:
            for line in f:
                if self._stop.is_set():
                    return
                parsed = parse_reader_line(line, self.assume_granted, self.wiegand26)
                if parsed is None:
                    continue
                card, granted = parsed
                emit(card_swipe(self.device_id, self.door_id, self.direction, card, granted))

    def stop(self) -> None:
        self._stop.set()


class SimulatedDoor:
    """A controller for tests and demos: swipes the given cards in turn."""

    def __init__(
        self,
        device_id: str,
        door_id: str,
        cards: list[str],
        count: int,
        interval_s: float,
        direction: Direction,
    ) -> None:
        self.device_id = device_id
        self.door_id = door_id
        self.cards = cards
        self.count = count
        self.interval_s = interval_s
        self.direction = direction
        self._stop = threading.Event()
        self.done = threading.Event()

    def start(self, emit: Emit) -> None:
        threading.Thread(target=self._run, args=(emit,), daemon=True, name=self.device_id).start()

    def _run(self, emit: Emit) -> None:
        for i in range(self.count):
            if self._stop.wait(self.interval_s) if self.interval_s else self._stop.is_set():
                break
            card = self.cards[i % len(self.cards)]
            emit(card_swipe(self.device_id, self.door_id, self.direction, card, True))
        self.done.set()

    def stop(self) -> None:
        self._stop.set()
