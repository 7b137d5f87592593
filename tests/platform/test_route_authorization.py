"""Every API route authorizes, and the counts in docs/architecture.md are the code's.

Walks the app's routers (each route's endpoint, its dependencies and, through their
names, the platform functions they call, a few levels deep) and sorts each route by the
first check it reaches: `deps.guard` (one record), `access.list_filter` (a list),
`access.allowed`, a role dependency (`deps.require_role`), or a 403 raised by a check of
its own (HTTPException(403), or services.errors.Forbidden). A route that reaches none of
them fails, unless listed below with its reason.
What a check decides is tested per role and scope by test_platform_matrix.py; this test
catches the route that forgot to ask."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
import types
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute
from platform_live import flat_settings

from anju_platform.app import create_app, routers
from anju_platform.public.routes import router as public_pages

CHECKS = ("guard", "list_filter", "allowed")
NO_CHECK = {  # route -> why it needs no scope or role check
    "POST /auth/login": "public: the login itself",
    "GET /public/reports/form": "public: the residents' report form, no account",
    "POST /public/reports": "public: a resident's report, rate-limited, no account",
    "GET /r/{code}": "public: the page behind a poster's QR code",
    "GET /auth/me": "the caller's own account",
    "POST /auth/logout": "the caller's own tokens",
    "GET /overview/config": "clock, dashboards and vocabulary: nothing per estate",
    "GET /posters/address": "the platform's public address: nothing per estate",
    "GET /estates": "picks the estates by the caller's role and scopes in the route",
}
DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def _target(fn: types.FunctionType, names: list[str]) -> Any:
    try:
        found = inspect.getclosurevars(fn)
    except (TypeError, ValueError):
        return None
    obj = {**found.globals, **found.nonlocals}.get(names[0], fn.__globals__.get(names[0]))
    for attr in names[1:]:
        obj = getattr(obj, attr, None)
    return obj


def _is_403(call: ast.Call) -> bool:
    first = call.args[0] if call.args else None
    return (isinstance(first, ast.Constant) and first.value == 403) or (
        isinstance(first, ast.Attribute) and first.attr == "HTTP_403_FORBIDDEN"
    )


def _reached(fn: Any, depth: int, seen: set[Any]) -> set[str]:
    """The checks `fn` calls, directly or through platform functions it calls."""
    fn = inspect.unwrap(fn)
    if not isinstance(fn, types.FunctionType) or fn in seen or depth < 0:
        return set()
    seen.add(fn)
    if not fn.__module__.startswith("anju_platform"):
        return set()
    found: set[str] = set()
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(fn)))):
        if not isinstance(node, ast.Call):
            continue
        func, names = node.func, []
        while isinstance(func, ast.Attribute):
            names.insert(0, func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            continue
        names.insert(0, func.id)
        if names[-1] in CHECKS:
            found.add(names[-1])
        elif (names[-1] == "HTTPException" and _is_403(node)) or names[-1] == "Forbidden":
            found.add("403")  # services raise Forbidden, mapped to 403 by the app's handler
        else:
            found |= _reached(_target(fn, names), depth - 1, seen)
    return found


def _dependencies(dependant: Any) -> list[Any]:
    out = []
    for sub in dependant.dependencies:
        out.append(sub.call)
        out.extend(_dependencies(sub))
    return out


def _routes() -> dict[str, APIRoute]:
    out = {}
    for router in [*routers(), public_pages]:
        for r in router.routes:
            assert isinstance(r, APIRoute), r
            for method in r.methods:
                out[f"{method} {r.path}"] = r
    return out


def classify(route: APIRoute) -> str:
    deps = _dependencies(route.dependant)
    reached = set()
    for fn in [route.endpoint, *deps]:
        reached |= _reached(fn, 5, set())
    for check in CHECKS:
        if check in reached:
            return check
    if any("require_role" in getattr(d, "__qualname__", "") for d in deps):
        return "role"
    return "own 403" if "403" in reached else "none"


def test_every_route_checks_role_or_scope() -> None:
    unchecked = {key for key, r in _routes().items() if classify(r) == "none"}
    assert unchecked - NO_CHECK.keys() == set(), "routes that check nobody's scope or role"
    assert NO_CHECK.keys() - unchecked == set(), "now checked: remove from NO_CHECK"


def test_the_walk_covers_every_route_of_the_app() -> None:
    app = create_app(flat_settings(dev=True), database_url="postgresql://unused")
    documented = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, ops in app.openapi()["paths"].items()
        for method in ops
    }
    # /healthz is the app's own liveness probe, public by design
    assert documented - _routes().keys() == {"GET /healthz"}


def test_architecture_states_the_counts() -> None:
    counts = Counter(classify(r) for r in _routes().values())
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    pattern = (
        r"Of the API's (\d+) routes, (\d+) call `deps\.guard`, (\d+) `access\.list_filter`, "
        r"(\d+) `access\.allowed`, (\d+) have a role dependency, (\d+) raise 403 from a check "
        r"of their own and (\d+) need none"
    )
    stated = re.search(pattern, text)
    assert stated, "docs/architecture.md: the sentence with the route counts is gone"
    keys = ["guard", "list_filter", "allowed", "role", "own 403", "none"]
    assert [int(n) for n in stated.groups()] == [sum(counts.values())] + [counts[k] for k in keys]


def test_the_walk_tells_checked_from_unchecked() -> None:
    routes = _routes()
    # a register route made by a factory: guard sits in a helper the closure calls
    assert classify(routes["GET /units/{unit_id}"]) == "guard"
    assert classify(routes["GET /units"]) == "list_filter"
    assert classify(routes["GET /users"]) == "role"
    assert classify(routes["GET /auth/me"]) == "none"
