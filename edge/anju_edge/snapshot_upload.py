"""Face snapshots saved on the gateway are uploaded to the platform, so the console can
show them: PUT <base>/<event_id>?taken_at=&person_id= with the gateway's bearer token.

Durable: a pending upload is a row in `data_dir/uploads.db` (SQLite, WAL) written right
after the face event is queued, so uploads survive restarts and outages. A background
thread sends them; network errors, 5xx, 408 and 429 are retried with backoff, other 4xx
are dropped (logged; 410 = the person was erased: the local file is deleted too).
The local file is otherwise kept: the local retention purge still applies, and a row
whose file is gone is dropped."""

from __future__ import annotations

import http.client
import logging
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from anju_edge.config import ConfigError, GatewayConfig

log = logging.getLogger("anju.edge.upload")

Action = Literal["done", "retry", "drop", "erased"]


def decide(status: int | None) -> Action:
    """What to do after an upload attempt; `status` None: no HTTP answer (network)."""
    if status is None:
        return "retry"
    if 200 <= status < 300:
        return "done"  # 201 stored, 200 the same bytes were already there (a retry)
    if status == 410:
        return "erased"  # the person was erased: the face must not be kept anywhere
    if status in (401, 408, 429) or status >= 500:
        # 401: the token was replaced; keep the queue until the agent has the new one
        return "retry"
    if 400 <= status < 500:
        return "drop"  # 409 other bytes stored, 403 not this gateway's, 413/415/422 the request
    return "retry"  # 1xx/3xx: the platform never answers these; a proxy in the way may


def retry_delay(attempts: int, retry_after: float | None = None, cap_s: float = 300.0) -> float:
    """Seconds before the next try after `attempts` failures: 1, 2, 4, ... up to `cap_s`;
    a server's Retry-After is honoured (also capped)."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, cap_s)
    return float(min(cap_s, 2.0 ** max(attempts - 1, 0)))


def upload_base(upload_url: str | None, gallery_url: str | None) -> str | None:
    """The upload base URL: the configured one, else the gallery URL with its last
    segment `gallery` replaced by `snapshots` (both are per-gateway platform routes)."""
    if upload_url:
        return upload_url.rstrip("/")
    if gallery_url:
        parts = urllib.parse.urlsplit(gallery_url)
        path = parts.path.rstrip("/")
        if path.endswith("/gallery"):
            path = path[: -len("gallery")] + "snapshots"
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return None


def upload_enabled(
    upload: bool | None, base: str | None, token: str | None
) -> tuple[bool, str | None]:
    """(upload?, problem): on by default when the URL and token are there; explicitly on
    without them is a configuration problem."""
    missing = [n for n, v in (("upload URL", base), ("gateway token", token)) if not v]
    if upload is False:
        return False, None
    if missing:
        problem = f"[snapshots] upload = true but no {' and no '.join(missing)}"
        return False, problem if upload else None
    return True, None


def target_url(base: str, event_id: str, taken_at: str, person_id: str | None) -> str:
    query = {"taken_at": taken_at}
    if person_id:
        query["person_id"] = person_id
    return f"{base}/{urllib.parse.quote(event_id)}?{urllib.parse.urlencode(query)}"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    event_id TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    person_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True, slots=True)
class Pending:
    event_id: str
    file: Path
    taken_at: str
    person_id: str | None
    attempts: int


class UploadQueue:
    """Pending uploads, durable. All of the uploader's SQL lives here."""

    def __init__(self, path: Path, synchronous: str = "full") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'full' else 'NORMAL'}")
        self._db.executescript(_SCHEMA)

    def add(self, event_id: str, file: Path, taken_at: str, person_id: str | None) -> None:
        """Queue one upload; the same event twice is one upload."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO uploads (event_id, file, taken_at, person_id) "
                "VALUES (?, ?, ?, ?)",
                (event_id, str(file), taken_at, person_id),
            )

    def next_due(self, now: float) -> Pending | None:
        with self._lock:
            r = self._db.execute(
                "SELECT event_id, file, taken_at, person_id, attempts FROM uploads "
                "WHERE next_try <= ? ORDER BY next_try, rowid LIMIT 1",
                (now,),
            ).fetchone()
        return None if r is None else Pending(r[0], Path(r[1]), r[2], r[3], int(r[4]))

    def next_time(self) -> float | None:
        with self._lock:
            r = self._db.execute("SELECT min(next_try) FROM uploads").fetchone()
        return None if r[0] is None else float(r[0])

    def later(self, event_id: str, attempts: int, next_try: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE uploads SET attempts = ?, next_try = ? WHERE event_id = ?",
                (attempts, next_try, event_id),
            )

    def remove(self, event_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM uploads WHERE event_id = ?", (event_id,))

    def pending(self) -> list[Pending]:
        with self._lock:
            rows = self._db.execute(
                "SELECT event_id, file, taken_at, person_id, attempts FROM uploads ORDER BY rowid"
            ).fetchall()
        return [Pending(r[0], Path(r[1]), r[2], r[3], int(r[4])) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass
class UploadStats:
    sent: int = 0
    dropped: int = 0
    erased: int = 0
    failures: int = 0  # attempts that will be retried


class SnapshotUploader:
    """Sends queued snapshots from a background thread, one at a time."""

    def __init__(
        self,
        queue: UploadQueue,
        *,
        base_url: str,
        token: str,
        max_backoff_s: float = 300.0,
        timeout_s: float = 15.0,
    ) -> None:
        self.queue = queue
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self.stats = UploadStats()
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._net_failures = 0  # in a row: an unreachable platform pauses every upload

    def add(self, event_id: str, file: Path, taken_at: datetime, person_id: str | None) -> None:
        self.queue.add(event_id, file, taken_at.isoformat(), person_id)
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="snapshot-upload")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.timeout_s + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self.queue.next_due(time.time())
            if item is None:
                nxt = self.queue.next_time()
                wait = 60.0 if nxt is None else max(0.05, min(60.0, nxt - time.time()))
                self._wake.wait(wait)
                self._wake.clear()
                continue
            try:
                self.step(item)
            except Exception:  # never let one bad row kill the thread
                log.exception("snapshot upload of %s failed", item.event_id)
                self.queue.later(item.event_id, item.attempts + 1, time.time() + 60)

    def step(self, item: Pending) -> Action:
        """One attempt for one pending upload, and what became of it."""
        try:
            data = item.file.read_bytes()
        except FileNotFoundError:  # purged by retention (or erased) before it could go
            log.info("snapshot %s is gone locally: not uploaded", item.event_id)
            self.queue.remove(item.event_id)
            self.stats.dropped += 1
            return "drop"
        status, retry_after, detail = self._put(item, data)
        action = decide(status)
        if action == "done":
            self._net_failures = 0
            self.queue.remove(item.event_id)
            self.stats.sent += 1
        elif action == "retry":
            attempts = item.attempts + 1
            delay = retry_delay(attempts, retry_after, self.max_backoff_s)
            self.queue.later(item.event_id, attempts, time.time() + delay)
            self.stats.failures += 1
            self.last_error = detail
            log.warning("snapshot %s: %s, retry in %.0f s", item.event_id, detail, delay)
            if status is None:
                self._net_failures += 1
                self._stop.wait(retry_delay(self._net_failures, None, self.max_backoff_s))
            else:
                self._net_failures = 0
        else:
            self._net_failures = 0
            self.queue.remove(item.event_id)
            if action == "erased":
                item.file.unlink(missing_ok=True)
                self.stats.erased += 1
                log.warning("snapshot %s: person erased, local file deleted", item.event_id)
            else:
                self.stats.dropped += 1
                log.warning("snapshot %s dropped: %s", item.event_id, detail)
        return action

    def _put(self, item: Pending, data: bytes) -> tuple[int | None, float | None, str]:
        """(HTTP status or None, Retry-After seconds, detail for the log)."""
        url = target_url(self.base_url, item.event_id, item.taken_at, item.person_id)
        kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        req = urllib.request.Request(url, data=data, method="PUT")
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Content-Type", kind)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return int(resp.status), None, f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            body = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
            return exc.code, _seconds(exc.headers.get("Retry-After")), f"HTTP {exc.code} {body}"
        except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
            return None, None, f"network: {str(exc)[:200]}"


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date: use our own backoff


def make_uploader(cfg: GatewayConfig) -> SnapshotUploader | None:
    """The uploader the config asks for, or None (snapshots off, or upload off)."""
    s = cfg.snapshots
    if not s.enabled:
        return None
    base = upload_base(s.upload_url, cfg.gallery.url)
    token = os.environ.get(cfg.gallery.token_env) or None
    on, problem = upload_enabled(s.upload, base, token)
    if problem:
        raise ConfigError(
            f"{problem} (set [gallery] url or upload_url, and ${cfg.gallery.token_env})"
        )
    if not on or base is None or token is None:
        return None
    queue = UploadQueue(cfg.gateway.data_dir / "uploads.db", cfg.buffer.synchronous)
    return SnapshotUploader(queue, base_url=base, token=token)
