"""Refuse JSON bodies holding a lone surrogate ("a\\ud800b"): JSON allows the escape,
Python keeps it, and it fails later wherever the text is encoded (the database driver,
or the 422 that echoes the input), as a 500. Checked once, before any route."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]", re.ASCII)  # cheap test before parsing
MAX_BODY = 64 * 1024 * 1024  # larger JSON bodies are left to the routes' own limits
BODY = json.dumps(
    {
        "detail": [
            {
                "loc": ["body"],
                "msg": "text holds a lone surrogate (not valid Unicode)",
                "type": "unicode",
            }
        ]
    }
).encode()


def lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(lone_surrogate(k) or lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(lone_surrogate(v) for v in value)
    return False


class UnicodeGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # client went away: let the app see it
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if not message.get("more_body", False) or size > MAX_BODY:
                break
        body = b"".join(chunks)
        if size <= MAX_BODY and _ESCAPE.search(body) and _refused(body):
            await send({"type": "http.response.start", "status": 422, "headers": _HEADERS})
            await send({"type": "http.response.body", "body": BODY})
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                more = size > MAX_BODY  # the rest still comes from the client
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        await self.app(scope, replay, send)


_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _refused(body: bytes) -> bool:
    try:
        return lone_surrogate(json.loads(body))
    except ValueError:
        return False  # not JSON: the route answers 422 itself
