"""Wires the gateway together: sources -> events -> durable queue -> MQTT."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from anju_common.cardhash import card_hash
from anju_common.events import (
    AccessEvent,
    AnyEvent,
    CredentialType,
    DeviceHealth,
    FaceSighting,
    Heartbeat,
    QrScan,
    dump_event,
    new_event_id,
    utc_now,
)
from anju_common.facecal import model_id
from anju_common.topics import event_topic
from anju_edge import __version__
from anju_edge.buffer import EventQueue
from anju_edge.capture import Capture
from anju_edge.config import CameraConfig, ConfigError, GatewayConfig, LinesDoor, SimulatedDoor
from anju_edge.doors import (
    DoorAdapter,
    DoorSignal,
    LineReaderDoor,
    WebhookDoors,
    open_lines,
)
from anju_edge.doors import (
    SimulatedDoor as SimDoor,
)
from anju_edge.faces import DlibRecognizer, Recognizer
from anju_edge.gallery import GallerySync
from anju_edge.pipeline import FacePipeline
from anju_edge.publisher import Publisher
from anju_edge.qr import FrameQrReader, NonceStore, PassVerifier
from anju_edge.snapshot_upload import make_uploader
from anju_edge.snapshots import SnapshotStore

log = logging.getLogger("anju.edge")


class Agent:
    def __init__(
        self, cfg: GatewayConfig, *, recognizer: Callable[[], Recognizer] | None = None
    ) -> None:
        g = cfg.gateway
        self.cfg = cfg
        self.started = time.monotonic()
        self.stop_event = threading.Event()
        self.card_key = cfg.card_key()
        if cfg.doors and not self.card_key:
            raise ConfigError(f"doors are configured but ${g.card_key_env} (card key) is empty")
        self.make_recognizer = recognizer or (
            lambda: DlibRecognizer(
                detector=cfg.faces.detector,
                upsample=cfg.faces.upsample,
                model_file=cfg.faces.model,
            )
        )
        data = g.data_dir
        self.queue = EventQueue(data / "queue.db", cfg.buffer.max_events, cfg.buffer.synchronous)
        self.publisher = Publisher(
            self.queue,
            url=cfg.mqtt.resolved_url(),
            estate_id=g.estate_id,
            gateway_id=g.gateway_id,
            version=__version__,
            ca_file=str(cfg.mqtt.ca_file) if cfg.mqtt.ca_file else None,
            inflight=cfg.mqtt.inflight,
            keepalive_s=cfg.mqtt.keepalive_s,
            protocol=cfg.mqtt.protocol,
        )
        gc = cfg.gallery
        self.gallery = GallerySync(
            cache=data / "gallery.json",
            url=gc.url,
            path=gc.path,
            token=_env(gc.token_env),
            refresh_s=gc.refresh_s,
            model=model_id(cfg.faces.model) if cfg.cameras else None,
        )
        self.nonces = NonceStore(data / "passes.db")
        self.verifier = PassVerifier(
            g.estate_id,
            self.nonces,
            hmac_key=(_env(cfg.qr.hmac_key_env) or "").encode() if cfg.qr.hmac_key_env else None,
            ed25519_public_b64=cfg.qr.ed25519_public_keys,
            skew_s=cfg.qr.clock_skew_s,
        )
        s = cfg.snapshots
        self.snapshots = (
            SnapshotStore(
                data / "snapshots",
                retention_days=s.retention_days,
                max_px=s.max_px,
                quality=s.jpeg_quality,
            )
            if s.enabled
            else None
        )
        self.uploads = make_uploader(cfg)  # None unless snapshots are kept and uploaded
        self.doors: list[DoorAdapter] = [self._door(d) for d in cfg.doors]
        self.captures: dict[str, Capture] = {}
        self.pipelines: dict[str, FacePipeline] = {}
        self._threads: list[threading.Thread] = []

    def _door(self, d: object) -> DoorAdapter:
        if isinstance(d, LinesDoor):
            return LineReaderDoor(
                d.id, d.door_id, d.path, d.direction, d.assume_granted, d.format == "wiegand26"
            )
        if isinstance(d, SimulatedDoor):
            return SimDoor(d.id, d.door_id, d.cards, d.count, d.interval_s, d.direction)
        from anju_edge.config import WebhookDoor

        assert isinstance(d, WebhookDoor)
        from datetime import timedelta, timezone

        from anju_edge.bridges import DeviceMap

        device_map = DeviceMap(
            d.id, dict(d.door_ids), dict(d.readers), timezone(timedelta(hours=d.local_tz_hours))
        )
        token = _env(d.token_env) if d.token_env else None
        return WebhookDoors(d.id, d.listen, token, device_map, frozenset(d.zkteco_serials))

    # -- producing events -------------------------------------------------------------
    def enqueue(self, event: AnyEvent) -> str:
        """Durable first, then published; the event id never changes after this."""
        g = self.cfg.gateway
        topic = event_topic(g.estate_id, g.gateway_id, event.kind)
        self.queue.put(str(event.event_id), topic, dump_event(event))
        self.publisher.notify()
        if self.uploads and isinstance(event, FaceSighting) and event.snapshot_ref:
            file = g.data_dir / event.snapshot_ref
            self.uploads.add(str(event.event_id), file, event.time, event.person_id)
        return str(event.event_id)

    def on_door(self, sig: DoorSignal) -> str:
        ref = sig.credential_ref
        if sig.credential_type is CredentialType.CARD:
            if not sig.card_number:
                raise ValueError("a card event needs the card number")
            ref = card_hash(self.card_key, sig.card_number)
        g = self.cfg.gateway
        return self.enqueue(
            AccessEvent(
                event_id=new_event_id(),
                time=sig.time or utc_now(),
                estate_id=g.estate_id,
                gateway_id=g.gateway_id,
                device_id=sig.device_id,
                door_id=sig.door_id,
                direction=sig.direction,
                credential_type=sig.credential_type,
                credential_ref=ref,
                granted=sig.granted,
                reason=sig.reason,
            )
        )

    def on_qr(self, text: str, device_id: str) -> QrScan:
        out = self.verifier.check(text)
        g = self.cfg.gateway
        event = QrScan(
            event_id=new_event_id(),
            time=utc_now(),
            estate_id=g.estate_id,
            gateway_id=g.gateway_id,
            device_id=device_id,
            purpose=out.purpose,
            result=out.result,
            pass_id=out.pass_id,
            unit_id=out.unit_id,
            checkpoint_id=out.checkpoint_id,
            token=text[:2048],
        )
        self.enqueue(event)
        return event

    # -- running ------------------------------------------------------------------------
    def start(self) -> None:
        self.publisher.start()
        self.gallery.start()
        if self.uploads:
            self.uploads.start()
        for door in self.doors:
            door.start(self.on_door)
        for scanner in self.cfg.qr_scanners:
            self._spawn(f"qr:{scanner.id}", self._scanner, scanner.id, scanner.path)
        for cam in self.cfg.cameras:
            self._spawn(f"camera:{cam.id}", self._camera, cam)
        self._spawn("heartbeat", self._heartbeat)

    def _spawn(self, name: str, target: Callable[..., None], *args: object) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name=name)
        t.start()
        self._threads.append(t)

    def _scanner(self, device_id: str, path: str) -> None:
        with open_lines(path) as f:
            for line in f:
                if self.stop_event.is_set():
                    return
                if line.strip():
                    self.on_qr(line.strip(), device_id)

    def _camera(self, cam: CameraConfig) -> None:
        cap = Capture(cam.source, realtime=cam.realtime, fps=cam.fps, loop=cam.loop).start()
        self.captures[cam.id] = cap
        pipe = None
        if cam.faces:
            pipe = FacePipeline(
                estate_id=self.cfg.gateway.estate_id,
                gateway_id=self.cfg.gateway.gateway_id,
                camera=cam,
                faces=self.cfg.faces,
                recognizer=self.make_recognizer(),
                gallery=lambda: self.gallery.current,
                emit=self.enqueue,
                snapshots=self.snapshots,
            )
            self.pipelines[cam.id] = pipe
        qr = FrameQrReader(self.cfg.qr.dedupe_s) if cam.qr else None
        n = 0
        while not self.stop_event.is_set():
            frame = cap.get(1.0)
            if frame is None:
                break
            if frame is False:
                if pipe:
                    pipe.tick()
                continue
            assert not isinstance(frame, bool)
            if pipe:
                pipe.process(frame)
            if qr and n % 3 == 0 and (text := qr.decode(frame, time.monotonic())):
                self.on_qr(text, cam.id)
            n += 1
        if pipe:
            pipe.flush()
        cap.stop()

    def health(self) -> list[DeviceHealth]:
        out = [
            DeviceHealth(device_id=cid, ok=c.health.ok, detail=c.health.detail, fps=c.health.fps)
            for cid, c in self.captures.items()
        ]
        out += [DeviceHealth(device_id=d.device_id, ok=True) for d in self.doors]
        return out

    def heartbeat(self) -> Heartbeat:
        g = self.cfg.gateway
        return Heartbeat(
            event_id=new_event_id(),
            time=utc_now(),
            estate_id=g.estate_id,
            gateway_id=g.gateway_id,
            device_id=g.gateway_id,
            version=__version__,
            uptime_s=round(time.monotonic() - self.started, 1),
            queue_depth=self.queue.depth(),
            dropped=self.queue.dropped(),
            devices=self.health(),
        )

    def _heartbeat(self) -> None:
        g = self.cfg.gateway
        topic = event_topic(g.estate_id, g.gateway_id, "heartbeat")
        last_purge = 0.0
        while not self.stop_event.wait(g.heartbeat_s):
            self.publisher.publish_now(topic, dump_event(self.heartbeat()))
            if time.monotonic() - last_purge > 3600:
                last_purge = time.monotonic()
                if self.snapshots:
                    self.snapshots.purge()
                self.nonces.purge(time.time() - 7 * 86400)

    def stop(self) -> None:
        self.stop_event.set()
        for door in self.doors:
            door.stop()
        for cap in self.captures.values():
            cap.stop()
        self.gallery.stop()
        for t in self._threads:
            if t.name.startswith("camera:"):
                t.join(5)
        self.publisher.stop()
        if self.uploads:
            self.uploads.stop()
            self.uploads.queue.close()
        self.queue.close()
        self.nonces.close()


def _env(name: str | None) -> str | None:
    import os

    return os.environ.get(name) if name else None
