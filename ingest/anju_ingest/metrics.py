"""Counters for /metrics (Prometheus text format) and a /health answer."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BATCH_BUCKETS = (1, 10, 100, 500, 1000, 2000, 5000, 10000)


@dataclass
class Metrics:
    worker: str
    started: float = field(default_factory=time.time)
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    batches: int = 0
    batch_events_sum: int = 0
    batch_buckets: list[int] = field(default_factory=lambda: [0] * len(BATCH_BUCKETS))
    dead: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)  # duplicate ids, by case
    db_errors: int = 0
    lag_seconds: float = 0.0  # receive -> commit of the last batch's oldest message
    event_age_seconds: float = 0.0  # device time -> commit, newest event of the last batch
    pending: int = 0
    mqtt_connected: bool = False
    db_ok: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    _rate_t: float = field(default_factory=time.monotonic)
    _rate_n: int = 0
    events_per_s: float = 0.0

    def batch_done(
        self, n_events: int, new: int, dead: dict[str, int], lag: float, age: float
    ) -> None:
        with self.lock:
            self.batches += 1
            self.batch_events_sum += n_events
            for i, b in enumerate(BATCH_BUCKETS):
                if n_events <= b:
                    self.batch_buckets[i] += 1
            self.stored += new
            self.duplicates += n_events - new
            self.dead.update(dead)
            self.lag_seconds = lag
            self.event_age_seconds = age
            now = time.monotonic()
            if now - self._rate_t >= 1.0:
                self.events_per_s = (self.stored - self._rate_n) / (now - self._rate_t)
                self._rate_t, self._rate_n = now, self.stored

    def render(self) -> str:
        w = f'worker="{self.worker}"'
        with self.lock:
            lines = [
                "# HELP anju_ingest_messages_received_total MQTT messages received.",
                "# TYPE anju_ingest_messages_received_total counter",
                f"anju_ingest_messages_received_total{{{w}}} {self.received}",
                "# HELP anju_ingest_events_stored_total New events committed to the database.",
                "# TYPE anju_ingest_events_stored_total counter",
                f"anju_ingest_events_stored_total{{{w}}} {self.stored}",
                "# HELP anju_ingest_duplicates_total Events already stored (redeliveries).",
                "# TYPE anju_ingest_duplicates_total counter",
                f"anju_ingest_duplicates_total{{{w}}} {self.duplicates}",
                "# HELP anju_ingest_duplicate_conflicts_total Event ids already stored with "
                "other content (dead-lettered), by case.",
                "# TYPE anju_ingest_duplicate_conflicts_total counter",
            ]
            for case in ("same_time", "other_time", "same_batch"):
                n = self.conflicts[case]
                lines.append(f'anju_ingest_duplicate_conflicts_total{{{w},case="{case}"}} {n}')
            lines += [
                "# HELP anju_ingest_events_per_second Events committed per second, recent.",
                "# TYPE anju_ingest_events_per_second gauge",
                f"anju_ingest_events_per_second{{{w}}} {self.events_per_s:.1f}",
                "# HELP anju_ingest_batch_size Valid events per database transaction.",
                "# TYPE anju_ingest_batch_size histogram",
            ]
            for b, n in zip(BATCH_BUCKETS, self.batch_buckets, strict=True):
                lines.append(f'anju_ingest_batch_size_bucket{{{w},le="{b}"}} {n}')
            lines += [
                f'anju_ingest_batch_size_bucket{{{w},le="+Inf"}} {self.batches}',
                f"anju_ingest_batch_size_sum{{{w}}} {self.batch_events_sum}",
                f"anju_ingest_batch_size_count{{{w}}} {self.batches}",
                "# HELP anju_ingest_dead_letters_total Messages dead-lettered, by reason.",
                "# TYPE anju_ingest_dead_letters_total counter",
            ]
            for reason, n in sorted(self.dead.items()):
                lines.append(f'anju_ingest_dead_letters_total{{{w},reason="{reason}"}} {n}')
            lines += [
                "# HELP anju_ingest_lag_seconds Receive to commit, last batch's oldest message.",
                "# TYPE anju_ingest_lag_seconds gauge",
                f"anju_ingest_lag_seconds{{{w}}} {self.lag_seconds:.4f}",
                "# HELP anju_ingest_event_age_seconds Device time to commit, last batch.",
                "# TYPE anju_ingest_event_age_seconds gauge",
                f"anju_ingest_event_age_seconds{{{w}}} {self.event_age_seconds:.3f}",
                "# HELP anju_ingest_pending_messages Received, not yet committed.",
                "# TYPE anju_ingest_pending_messages gauge",
                f"anju_ingest_pending_messages{{{w}}} {self.pending}",
                "# HELP anju_ingest_db_errors_total Failed database writes (retried).",
                "# TYPE anju_ingest_db_errors_total counter",
                f"anju_ingest_db_errors_total{{{w}}} {self.db_errors}",
                "# HELP anju_ingest_up Connected to broker and database.",
                "# TYPE anju_ingest_up gauge",
                f"anju_ingest_up{{{w}}} {int(self.mqtt_connected and self.db_ok)}",
            ]
        return "\n".join(lines) + "\n"


def serve_metrics(metrics: Metrics, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/metrics"):
                body, code, ctype = metrics.render().encode(), 200, "text/plain; version=0.0.4"
            elif self.path.startswith("/health"):
                ok = metrics.mqtt_connected and metrics.db_ok
                body = b"ok\n" if ok else b"degraded\n"
                code, ctype = (200 if ok else 503), "text/plain"
            else:
                body, code, ctype = b"not found\n", 404, "text/plain"
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
