"""The OpenAPI document as the API really answers, checked by schemathesis in CI
(tests/platform/test_openapi_fuzz.py):

- a 422 `detail` is FastAPI's list of field errors, or one line of text, or an object
  (`{"reason": ...}` from the public report form): the documented error shape is
  `{"detail": ...}`, not only FastAPI's default list;
- a time of day (`datetime.time`, e.g. a caregiver's hours) is written `HH:MM[:SS]`
  without an offset, which JSON Schema's `format: time` (RFC 3339, offset required)
  does not allow: it is declared as a pattern instead."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

TIME_OF_DAY = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


def _times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node["pattern"] = TIME_OF_DAY
        for value in node.values():
            _times(value)
    elif isinstance(node, list):
        for value in node:
            _times(value)


def document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    doc = FastAPI.openapi(app)  # FastAPI's own document, cached on the app; patched here
    error = doc.get("components", {}).get("schemas", {}).get("HTTPValidationError")
    if error is not None:
        error["properties"]["detail"] = {
            "title": "Detail",
            "anyOf": [
                {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
                {"type": "string"},
                {"type": "object"},
            ],
        }
    _times(doc)
    return doc
