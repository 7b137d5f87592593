"""Store-and-forward queue: every event is written here before it is published.

SQLite in WAL mode, one row per event, in order. Rows are deleted only after the
broker's PUBACK. Past `max_events` the oldest rows are dropped and counted. All of
the edge's queue SQL lives in this module."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('dropped', 0);
"""


@dataclass(frozen=True, slots=True)
class Queued:
    seq: int
    event_id: str
    topic: str
    payload: bytes


class EventQueue:
    """Durable FIFO shared by the producers (pipeline threads) and the publisher."""

    def __init__(self, path: Path, max_events: int, synchronous: str = "full") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_events = max_events
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'full' else 'NORMAL'}")
        self._db.executescript(_SCHEMA)
        self._depth = int(self._db.execute("SELECT count(*) FROM queue").fetchone()[0])

    def put(self, event_id: str, topic: str, payload: bytes) -> None:
        """Append; a second put of the same event id is a no-op (stable ids)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO queue (event_id, topic, payload) VALUES (?, ?, ?)",
                    (event_id, topic, payload),
                )
                self._depth += cur.rowcount
                over = self._depth - self.max_events
                if over > 0:
                    self._db.execute(
                        "DELETE FROM queue WHERE seq IN "
                        "(SELECT seq FROM queue ORDER BY seq LIMIT ?)",
                        (over,),
                    )
                    self._db.execute(
                        "UPDATE counters SET value = value + ? WHERE name = 'dropped'", (over,)
                    )
                    self._depth -= over
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def after(self, seq: int, limit: int) -> list[Queued]:
        """The next `limit` events with a sequence number above `seq`, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, event_id, topic, payload FROM queue WHERE seq > ? "
                "ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [Queued(int(r[0]), str(r[1]), str(r[2]), bytes(r[3])) for r in rows]

    def ack(self, seqs: list[int]) -> None:
        """The broker has them: forget them."""
        if not seqs:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            cur = self._db.executemany("DELETE FROM queue WHERE seq = ?", [(s,) for s in seqs])
            self._db.execute("COMMIT")
            self._depth -= max(cur.rowcount, 0)

    def depth(self) -> int:
        return self._depth

    def dropped(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM counters WHERE name = 'dropped'").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
