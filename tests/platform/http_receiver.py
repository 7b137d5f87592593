"""A real HTTP receiver for webhook tests: http.server on a free loopback port that
records every POST and answers per path from a script (default: 200 with WeCom's
{"errcode": 0}). Used by the notification tests and the console's webhooks page test."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """http.server on a free port; answers per path from a script, then 200 errcode 0."""

    url: str = ""
    got: list[Received] = field(default_factory=list)
    script: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)  # seconds before answering
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.got if r.path == path]

    def wait_for(self, path: str, text: str, timeout: float = 15) -> Received:
        """The first request to `path` whose body contains `text`."""
        deadline = time.monotonic() + timeout
        while True:
            hits = [r for r in self.on(path) if text in r.body.decode()]
            if hits:
                return hits[0]
            assert time.monotonic() < deadline, f"{path}: no {text!r} in {self.on(path)}"
            time.sleep(0.05)

    def wait(self, path: str, count: int, timeout: float = 15) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.on(path)) < count:
            assert time.monotonic() < deadline, f"{path}: {len(self.on(path))} of {count}"
            time.sleep(0.05)
        return self.on(path)


@contextlib.contextmanager
def running_receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with rec.lock:
                rec.got.append(
                    Received(parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
                )
                steps = rec.script.get(parts.path) or []
                code, text = steps.pop(0) if steps else (200, '{"errcode":0,"errmsg":"ok"}')
            time.sleep(rec.delay.get(parts.path, 0.0))
            data = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
