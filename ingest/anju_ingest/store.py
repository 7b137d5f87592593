"""All of ingest's SQL. One transaction per batch: COPY into events (or, when the
batch holds an event already stored, COPY into a temp table and INSERT ... ON CONFLICT
DO NOTHING), dead letters and gateway state in the same transaction, so an ack after
commit loses nothing and a redelivery is stored once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import psycopg
import psycopg.errors

from anju_common.events import AnyEvent, GatewayStatus, Heartbeat
from anju_ingest.decode import FACE_COLUMNS, ROW_COLUMNS, DeadLetter, Row

# Days rewritten in estate order per hourly maintenance (one a day is made; an upgraded
# store's backlog drains over days, or at once with `anju db maintain`).
REORDER_PER_RUN = 2

_TEMP = """
CREATE TEMP TABLE IF NOT EXISTS ingest_batch (
    time timestamptz, event_id uuid, kind text, estate_id text, gateway_id text,
    device_id text, door_id text, direction text, credential_type text,
    credential_ref text, person_id text, granted boolean, payload text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_faces (
    event_id uuid, time timestamptz, estate_id text, person_id text, embedding bytea,
    snapshot_ref text, model text
) ON COMMIT DELETE ROWS
"""

# Face data only of the events stored now: a redelivered event's face data may have
# been erased since it was first stored, and must not come back.
_INSERT = f"""
WITH new AS (
    INSERT INTO events ({ROW_COLUMNS})
    SELECT {ROW_COLUMNS.replace("payload", "payload::jsonb")} FROM ingest_batch
    ON CONFLICT (event_id, time) DO NOTHING
    RETURNING event_id, time
), faces AS (
    INSERT INTO event_faces ({FACE_COLUMNS})
    SELECT {FACE_COLUMNS} FROM ingest_faces JOIN new USING (event_id, time)
    ON CONFLICT DO NOTHING
)
SELECT count(*) FROM new
"""

# One index probe on (event_id, time) per id: a plain `event_id = ANY(...)` lets the
# planner scan the whole window through the time index (or hash-join the partition),
# which costs more the more events a day holds. OFFSET 0 keeps the subquery a
# parameterized nested loop.
_STORED_NEAR = """
SELECT e.event_id::text, e.time, e.content, e.payload FROM unnest(%s::uuid[]) AS b(id)
CROSS JOIN LATERAL (
    SELECT event_id, time, payload, ARRAY[kind, estate_id, gateway_id, device_id, door_id,
        direction, credential_type, credential_ref, person_id,
        CASE WHEN granted THEN 't' WHEN NOT granted THEN 'f' END] AS content FROM events
    WHERE event_id = b.id AND time BETWEEN %s AND %s OFFSET 0
) e
"""

_HEARTBEAT = """
INSERT INTO gateway_state (gateway_id, estate_id, version, heartbeat_time, uptime_s,
                           queue_depth, dropped, devices, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, now())
ON CONFLICT (gateway_id) DO UPDATE SET
    estate_id = EXCLUDED.estate_id, version = EXCLUDED.version,
    heartbeat_time = EXCLUDED.heartbeat_time, uptime_s = EXCLUDED.uptime_s,
    queue_depth = EXCLUDED.queue_depth, dropped = EXCLUDED.dropped,
    devices = EXCLUDED.devices, updated_at = now()
WHERE gateway_state.heartbeat_time IS NULL
   OR gateway_state.heartbeat_time <= EXCLUDED.heartbeat_time
"""

_STATUS = """
INSERT INTO gateway_state (gateway_id, estate_id, state, version, state_time, updated_at)
VALUES (%s, %s, %s, %s, %s, now())
ON CONFLICT (gateway_id) DO UPDATE SET
    state = EXCLUDED.state, version = COALESCE(EXCLUDED.version, gateway_state.version),
    state_time = EXCLUDED.state_time, updated_at = now()
WHERE gateway_state.state_time IS NULL OR gateway_state.state_time <= EXCLUDED.state_time
"""


class Store:
    """One connection, owned by the writer thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: psycopg.Connection | None = None
        self.known_days: set[date] = set()

    def connect(self) -> None:
        self.close()
        conn = psycopg.connect(self.url, autocommit=False)
        conn.execute("SET synchronous_commit = on")
        conn.execute(_TEMP)
        conn.commit()
        self.conn = conn

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def _c(self) -> psycopg.Connection:
        if self.conn is None or self.conn.closed:
            self.connect()
        assert self.conn is not None
        return self.conn

    def claim_slot(self, group: str, limit: int = 1000) -> int:
        """Hold the lowest free worker slot of `group` for this connection's lifetime
        (a session advisory lock). A replacement worker gets the slot, and so the MQTT
        client id and session, of the one that died, wherever it runs."""
        conn = self._c()
        for slot in range(limit):
            row = conn.execute(
                "SELECT pg_try_advisory_lock(hashtext('anju-ingest:' || %s), %s)", (group, slot)
            ).fetchone()
            conn.commit()
            if row and row[0]:
                return slot
        raise RuntimeError(f"no free ingest slot in group {group!r}")

    def client_token(self) -> str:
        """This install's random part of ingest's MQTT client id, made once: an id a
        gateway could guess would let it take over ingest's session."""
        conn = self._c()
        conn.execute(
            "INSERT INTO anju_settings (key, value)"
            " VALUES ('ingest_client_token', replace(gen_random_uuid()::text, '-', ''))"
            " ON CONFLICT (key) DO NOTHING"
        )
        row = conn.execute(
            "SELECT value FROM anju_settings WHERE key = 'ingest_client_token'"
        ).fetchone()
        conn.commit()
        assert row is not None
        return str(row[0])

    def gateways(self) -> set[tuple[str, str]]:
        conn = self._c()
        rows = conn.execute("SELECT estate_id, gateway_id FROM gateways").fetchall()
        conn.commit()
        return {(r[0], r[1]) for r in rows}

    def ensure_days(self, days: set[date]) -> None:
        missing = days - self.known_days
        if not missing:
            return
        conn = self._c()
        conn.execute("SELECT anju_ensure_partitions(%s, %s)", (min(missing), max(missing)))
        conn.commit()
        lo, hi = min(missing), max(missing)
        self.known_days |= {lo + timedelta(days=i) for i in range((hi - lo).days + 1)}

    def maintain(self, ahead_days: int = 7) -> tuple[int, int]:
        """Create day partitions ahead and drop days past the configured retention
        (no-ops on TimescaleDB, whose policies do both). Returns (created, dropped)."""
        conn = self._c()
        today = datetime.now(UTC).date()
        made = conn.execute(
            "SELECT anju_ensure_partitions(%s, %s)", (today, today + timedelta(days=ahead_days))
        ).fetchone()
        row = conn.execute(
            "SELECT value::int FROM anju_settings WHERE key = 'event_retention_days'"
        ).fetchone()
        dropped = None
        if row:
            dropped = conn.execute(
                "SELECT anju_drop_partitions_before(%s)", (today - timedelta(days=row[0]),)
            ).fetchone()
        conn.commit()
        self.known_days.clear()  # a dropped day is re-created if an old event arrives
        return (made[0] if made else 0), (dropped[0] if dropped else 0)

    def reorder(self, after_days: int) -> int:
        """Rewrite up to REORDER_PER_RUN days at least `after_days` old in estate order
        (migration 0014; a no-op on TimescaleDB); how many were. Its own transaction:
        CLUSTER's lock on a day lasts until the commit."""
        conn = self._c()
        before = datetime.now(UTC).date() - timedelta(days=after_days)
        row = conn.execute(
            "SELECT anju_reorder_partitions(%s, %s)", (before, REORDER_PER_RUN)
        ).fetchone()
        conn.commit()
        return row[0] if row else 0

    def stored_near(self, ids: Sequence[str], lo: datetime, hi: datetime) -> dict[str, list]:
        """Events already stored under these ids between lo and hi (dupes.Stored: id ->
        [(time, (content columns, payload))]). Bounded in time: the unique key includes
        time, and a lookup over every partition (or compressed chunk) would cost too much
        per batch."""
        conn = self._c()
        rows = conn.execute(_STORED_NEAR, (list(ids), lo, hi)).fetchall()
        conn.commit()
        found: dict[str, list] = {}
        for eid, t, content, payload in rows:
            found.setdefault(eid, []).append((t, (tuple(content), payload)))
        return found

    def write(
        self, rows: Sequence[Row], dead: Sequence[DeadLetter], events: Sequence[AnyEvent]
    ) -> int:
        """Store a batch in one transaction; returns how many events were new."""
        if rows:  # partitions are made for every day from the first to the last
            times = [r[2] for r in rows]
            lo, hi = utc_day(min(times)), utc_day(max(times))
            self.ensure_days({lo + timedelta(days=i) for i in range((hi - lo).days + 1)})
        conn = self._c()
        inserted = 0
        with conn.transaction():
            if rows:
                data = "\n".join(r[1] for r in rows).encode() + b"\n"
                faces = [r[3] for r in rows if r[3] is not None]
                face_data = "\n".join(faces).encode() + b"\n" if faces else b""
                try:
                    # Fast path: COPY straight into events. A redelivered event makes it
                    # fail on the unique key; then go through the temp tables.
                    with conn.transaction(), conn.cursor() as cur:
                        with cur.copy(f"COPY events ({ROW_COLUMNS}) FROM STDIN") as copy:
                            copy.write(data)
                        if faces:
                            face_copy = f"COPY event_faces ({FACE_COLUMNS}) FROM STDIN"
                            with cur.copy(face_copy) as copy:
                                copy.write(face_data)
                        inserted = len(rows)
                except psycopg.errors.UniqueViolation:
                    with conn.cursor() as cur:
                        with cur.copy(f"COPY ingest_batch ({ROW_COLUMNS}) FROM STDIN") as copy:
                            copy.write(data)
                        if faces:
                            face_copy = f"COPY ingest_faces ({FACE_COLUMNS}) FROM STDIN"
                            with cur.copy(face_copy) as copy:
                                copy.write(face_data)
                        row = cur.execute(_INSERT).fetchone()
                        inserted = int(row[0]) if row else 0
            if dead:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO dead_letters (topic, reason, detail, payload, payload_size) "
                        "VALUES (%s, %s, %s, %s, %s)",
                        [(d.topic, d.reason, d.detail, d.payload, d.size) for d in dead],
                    )
            self._gateway_state(conn, events)
        return inserted

    @staticmethod
    def _gateway_state(conn: psycopg.Connection, events: Sequence[AnyEvent]) -> None:
        import orjson

        for e in events:
            if isinstance(e, Heartbeat):
                devices = orjson.dumps([d.model_dump() for d in e.devices]).decode()
                conn.execute(
                    _HEARTBEAT,
                    (
                        e.gateway_id,
                        e.estate_id,
                        e.version,
                        e.time,
                        e.uptime_s,
                        e.queue_depth,
                        e.dropped,
                        devices,
                    ),
                )
            elif isinstance(e, GatewayStatus):
                conn.execute(_STATUS, (e.gateway_id, e.estate_id, e.state.value, e.version, e.time))


def utc_day(t: datetime) -> date:
    return t.astimezone(UTC).date()
