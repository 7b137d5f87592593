"""One ingest worker: paho receives on its network thread, this thread batches,
writes, commits, and only then acknowledges. A worker killed at any point loses
nothing: unacknowledged messages are redelivered to its persistent session, and a
redelivered event that was already committed is dropped by ON CONFLICT."""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from anju_common import topics
from anju_common.events import AnyEvent
from anju_common.settings import DatabaseSettings, MqttSettings
from anju_ingest.decode import DeadLetter, Decoder, Limits, Row
from anju_ingest.dupes import conflict
from anju_ingest.metrics import Metrics, serve_metrics
from anju_ingest.receive import ack_many, make_receiver
from anju_ingest.salvage import store_batch
from anju_ingest.settings import IngestSettings
from anju_ingest.store import Store

log = logging.getLogger("anju.ingest")
MAINTENANCE_S = 3600.0  # create partitions ahead and apply retention this often


@dataclass
class Pending:
    """A batch being built: decoded rows and dead letters, and what to ack after commit."""

    messages: int = 0
    first: float = 0.0
    rows: list[Row] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    events: list[AnyEvent] = field(default_factory=list)
    acks: list[tuple[int, int]] = field(default_factory=list)  # (mid, generation)
    seen: dict[str, str] = field(default_factory=dict)  # event id -> its row


class Inbound(NamedTuple):  # a tuple: cheaper to build than a frozen dataclass
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int  # connection it arrived on; acks are only valid on that one
    received: float


class GatewayRegister:
    """Which (estate, gateway) pairs exist; refreshed periodically and on a miss."""

    MISS_REFRESH_S = 2.0

    def __init__(self, store: Store, refresh_s: float, required: bool) -> None:
        self.store, self.refresh_s, self.required = store, refresh_s, required
        self.known: set[tuple[str, str]] = set()
        self.loaded_at = 0.0

    def refresh(self) -> None:
        try:
            self.known = self.store.gateways()
        except psycopg.Error as err:  # keep the last list; the writer reports the outage
            log.warning("cannot refresh the gateway list: %s", err)
            self.store.close()
        self.loaded_at = time.monotonic()

    def __call__(self, estate_id: str, gateway_id: str) -> bool:
        if not self.required:
            return True
        age = time.monotonic() - self.loaded_at
        key = (estate_id, gateway_id)
        if age > self.refresh_s or (key not in self.known and age > self.MISS_REFRESH_S):
            self.refresh()
        return key in self.known


class Worker:
    def __init__(
        self,
        settings: IngestSettings,
        mqtt_settings: MqttSettings,
        db_settings: DatabaseSettings,
        index: int = 0,
        stop: threading.Event | None = None,
    ) -> None:
        self.s = settings
        self.mqtt_settings = mqtt_settings
        self.index = index
        self.stop = stop or threading.Event()
        # Without a configured id, the id comes from a slot claimed in the database at
        # start (see _claim_client_id): stable across restarts and re-created containers.
        self.client_id = settings.client_id or ""
        if settings.client_id and index:
            self.client_id = f"{settings.client_id}-{index}"
        self.metrics = Metrics(worker=self.client_id or f"{socket.gethostname()}-{index}")
        self.slot_store = Store(db_settings.url)
        # The first worker of a process rewrites old days in estate order (the database
        # lets one session at a time do it), on a thread and connection of its own.
        self.reorder_after_days = db_settings.reorder_after_days
        self.reorder_store = Store(db_settings.url) if index == 0 else None
        self.store = Store(db_settings.url)
        # Its own connection: lookups happen on the decoding thread.
        self.gateways = GatewayRegister(
            Store(db_settings.url), settings.gateway_refresh_s, settings.require_known_gateway
        )
        self.decoder = Decoder(
            Limits(
                max_payload_bytes=settings.max_payload_bytes,
                keep_bytes=settings.dead_letter_keep_bytes,
                max_future=timedelta(seconds=settings.max_future_s),
                oldest=timedelta(days=db_settings.retention_days),
            ),
            self.gateways,
        )
        self.queue: deque[Inbound] = deque()
        self.generation = 0
        self.client: mqtt.Client | None = None

    # --- MQTT side (paho's thread) ---------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object
    ) -> None:
        if rc.is_failure:
            log.warning("broker refused connection: %s", rc)
            return
        self.generation += 1
        self.metrics.mqtt_connected = True
        v5 = self.s.mqtt_protocol == 5
        filters = [topics.shared(f, self.s.group) if v5 else f for f in topics.INGEST_FILTERS]
        client.subscribe([(f, 1) for f in filters])
        log.info("connected to broker as %s (generation %d)", self.client_id, self.generation)

    def _on_disconnect(
        self, _c: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object
    ) -> None:
        self.metrics.mqtt_connected = False
        # Acks of the lost connection's messages are void; they will be redelivered.
        # We still store what we received (idempotent), in case the broker lost them.
        self.generation += 1
        if not self.stop.is_set():
            log.warning("disconnected from broker: %s; reconnecting", rc)

    def _on_raw(self, topic: bytes, payload: bytes, mid: int, qos: int) -> None:
        self.queue.append(
            Inbound(
                topic.decode(errors="replace"), payload, mid, qos, self.generation, time.monotonic()
            )
        )
        self.metrics.received += 1

    def _start_mqtt(self) -> mqtt.Client:
        client, target = make_receiver(
            self.mqtt_settings.url,
            self.client_id,
            self._on_raw,
            ca_file=self.mqtt_settings.ca_file,
            protocol=self.s.mqtt_protocol,
        )
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        # paho retries silently (1 s, doubling to 10 s): say each failed attempt
        client.on_connect_fail = lambda _c, _u: log.warning(
            "cannot connect to the broker at %s:%d; retrying", target.host, target.port
        )
        client.reconnect_delay_set(1, 10)
        if self.s.mqtt_protocol == 5:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = self.s.session_expiry_s
            props.ReceiveMaximum = self.s.receive_maximum
            client.connect_async(
                target.host, target.port, keepalive=30, clean_start=False, properties=props
            )
        else:
            client.connect_async(target.host, target.port, keepalive=30)
        client.loop_start()
        return client

    # --- database side (this thread) ---------------------------------------------------

    def _connect_db(self) -> None:
        delay = 0.2
        while not self.stop.is_set():
            try:
                self.store.connect()
                if not self.client_id:
                    slot = self.slot_store.claim_slot(self.s.group)
                    token = self.slot_store.client_token()[:16]
                    self.client_id = f"anju-ingest-{self.s.group}-{token}-{slot}"
                    self.metrics.worker = self.client_id
                self.gateways.refresh()
                self.metrics.db_ok = True
                return
            except psycopg.Error as err:
                self.metrics.db_ok = False
                log.warning("database unavailable (%s); retrying in %.1fs", err, delay)
                self.stop.wait(delay)
                delay = min(delay * 2, 5.0)

    def _write(self, batch: Pending, retry: bool = True) -> bool:
        """Write and commit a batch, then ack it. False if not committed (stopped while
        the database was down, or a single attempt failed); nothing is acked then."""
        delay = 0.2
        while True:
            try:
                done = store_batch(
                    self.store,
                    batch.rows,
                    batch.dead,
                    batch.events,
                    self.s.dead_letter_keep_bytes,
                    timedelta(seconds=self.s.duplicate_window_s),
                )
                self.metrics.db_ok = True
                break
            except psycopg.Error as err:
                self.metrics.db_errors += 1
                self.metrics.db_ok = False
                log.warning("write failed (%s); retrying in %.1fs", err, delay)
                self.store.close()
                if not retry or self.stop.wait(delay):
                    return False
                delay = min(delay * 2, 5.0)
                try:
                    self.store.connect()
                except psycopg.Error:
                    continue
        assert self.client is not None
        generation = self.generation
        ack_many(self.client, [mid for mid, gen in batch.acks if gen == generation])
        now = datetime.now(UTC)
        reasons: dict[str, int] = {}
        for dl in done.dead:
            reasons[dl.reason] = reasons.get(dl.reason, 0) + 1
        newest = max((r[2] for r in batch.rows), default=now)
        self.metrics.conflicts.update(done.cases)
        self.metrics.batch_done(
            done.offered,
            done.new,
            reasons,
            time.monotonic() - batch.first,
            (now - newest).total_seconds(),
        )
        return True

    def _writer(self, batches: queue.Queue[Pending | None]) -> None:
        """Database thread: commits batches in order while the main thread decodes the
        next one (the database wait releases the GIL)."""
        next_maintenance = 0.0
        while True:
            try:
                batch = batches.get(timeout=1.0)
            except queue.Empty:
                batch = Pending()  # idle: a chance for maintenance below
            if time.monotonic() >= next_maintenance:
                next_maintenance = time.monotonic() + MAINTENANCE_S
                try:
                    made, dropped = self.store.maintain()
                    if made or dropped:
                        log.info("partitions: %d created, %d dropped", made, dropped)
                except psycopg.Error as err:
                    log.warning("partition maintenance failed: %s", err)
                    self.store.close()
            if batch is None:
                return
            if not batch.messages:
                continue
            if not self._write(batch):
                # Stopped while the database was down: drop the rest unacknowledged
                # (the broker redelivers them).
                while batches.get() is not None:
                    pass
                return

    def _reorderer(self, store: Store) -> None:
        """Old days rewritten in estate order hourly, off the database writer: a rewrite
        holds its day for about half a second (up to 2 s behind a reader), and the
        batches of today must not wait for it."""
        while True:
            try:
                if n := store.reorder(self.reorder_after_days):
                    log.info("partitions: %d rewritten in estate order", n)
            except psycopg.Error as err:
                log.warning("rewriting days in estate order failed: %s", err)
                store.close()
            if self.stop.wait(MAINTENANCE_S):
                return

    def run(self) -> None:
        server = None
        if self.s.metrics_port:
            port = self.s.metrics_port + self.index
            try:
                server = serve_metrics(self.metrics, self.s.metrics_host, port)
            except OSError as err:
                log.warning("metrics port %d unavailable: %s", port, err)
        self._connect_db()
        self.client = self._start_mqtt()
        flush_s = self.s.flush_ms / 1000
        idle_s = self.s.idle_flush_ms / 1000
        batches: queue.Queue[Pending | None] = queue.Queue(maxsize=2)
        writer = threading.Thread(target=self._writer, args=(batches,), name="db-writer")
        writer.start()
        reorderer = None
        if self.reorder_store is not None:
            reorderer = threading.Thread(
                target=self._reorderer, args=(self.reorder_store,), name="reorder", daemon=True
            )
            reorderer.start()
        batch = Pending()
        last = 0.0
        try:
            while not self.stop.is_set():
                q = self.queue
                if q:
                    now_dt = datetime.now(UTC)
                    while q and batch.messages < self.s.batch_max:
                        self._add(batch, q.popleft(), now_dt)
                    last = time.monotonic()
                self.metrics.pending = batch.messages + len(q)
                if batch.messages:
                    now = time.monotonic()
                    if (
                        batch.messages >= self.s.batch_max
                        or now - batch.first >= flush_s
                        or now - last >= idle_s
                    ):
                        while not self.stop.is_set():
                            try:  # blocks while the database thread is behind
                                batches.put(batch, timeout=0.5)
                                break
                            except queue.Full:
                                continue
                        batch = Pending()
                        continue
                time.sleep(0.001)
        finally:
            # On a clean stop commit what was received; anything not acked is redelivered.
            if batch.messages:
                batches.put(batch)
            batches.put(None)
            writer.join()
            if reorderer is not None and self.reorder_store is not None:
                reorderer.join(10)
                self.reorder_store.close()
            self.client.disconnect()
            self.client.loop_stop()
            self.store.close()
            self.gateways.store.close()
            self.slot_store.close()
            if server:
                server.shutdown()

    def _add(self, batch: Pending, m: Inbound, now: datetime) -> None:
        if not batch.messages:
            batch.first = m.received
        batch.messages += 1
        if m.qos:
            batch.acks.append((m.mid, m.generation))
        d = self.decoder.decode(m.topic, m.payload, now)
        for row in d.rows:
            eid = row[0][:36]  # the same event id twice in one batch
            first = batch.seen.get(eid)
            if first is None:
                batch.seen[eid] = row[1]
                batch.rows.append(row)
            elif first != row[1]:
                detail = f"event {eid} came twice in one batch with other content"
                batch.dead.append(conflict(row, detail, self.s.dead_letter_keep_bytes))
                self.metrics.conflicts["same_batch"] += 1
        if d.dead:
            batch.dead.extend(d.dead)
        if d.events:
            batch.events.extend(d.events)
