"""`anju dashboards publish` over real HTTP against a small stand-in for the few Grafana
API endpoints the publisher calls; `anju dashboards export` writes the committed JSON."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anju_cli.main import app

JSON_DIR = Path(__file__).resolve().parents[2] / "dashboards" / "json"


@dataclass
class FakeGrafana:
    """State of the stand-in: what exists, and every request it was sent."""

    datasources: set[str] = field(default_factory=lambda: {"anju-pg", "anju-prom"})
    folders: dict[str, str] = field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, str, Any]] = field(default_factory=list)
    token: str = "s3cret-token"
    url: str = ""


def _handler(state: FakeGrafana) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> Any:
            size = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(size)) if size else None
            auth = self.headers.get("Authorization", "")
            state.requests.append((self.command, self.path, auth, body))
            return body

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._send(401, {"message": "Unauthorized"})
                return False
            return True

        def do_GET(self) -> None:
            self._record()
            if not self._authorized():
                return
            parts = self.path.strip("/").split("/")
            if parts[:3] == ["api", "datasources", "uid"] and len(parts) == 4:
                if parts[3] in state.datasources:
                    self._send(200, {"uid": parts[3], "type": "grafana-postgresql-datasource"})
                else:
                    self._send(404, {"message": "Data source not found"})
            elif parts[:2] == ["api", "folders"] and len(parts) == 3:
                if parts[2] in state.folders:
                    self._send(200, {"uid": parts[2], "title": state.folders[parts[2]]})
                else:
                    self._send(404, {"message": "folder not found"})
            else:
                self._send(404, {"message": "not implemented here"})

        def do_POST(self) -> None:
            body = self._record()
            if not self._authorized():
                return
            if self.path == "/api/folders":
                state.folders[body["uid"]] = body["title"]
                self._send(200, {"uid": body["uid"], "title": body["title"], "id": 1})
            elif self.path == "/api/dashboards/db":
                dash = body["dashboard"]
                if body.get("folderUid") not in state.folders:
                    self._send(400, {"message": "folder not found"})
                    return
                if dash["uid"] in state.dashboards and not body.get("overwrite"):
                    self._send(412, {"status": "version-mismatch"})
                    return
                version = state.dashboards.get(dash["uid"], {}).get("version", 0) + 1
                state.dashboards[dash["uid"]] = {"version": version, "body": body}
                self._send(
                    200,
                    {
                        "status": "success",
                        "uid": dash["uid"],
                        "url": f"/d/{dash['uid']}/x",
                        "version": version,
                    },
                )
            else:
                self._send(404, {"message": "not implemented here"})

    return Handler


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    state = FakeGrafana()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _publish(grafana: FakeGrafana, token: str | None = None) -> Any:
    args = ["dashboards", "publish", "--url", grafana.url, "--token", token or grafana.token]
    return CliRunner().invoke(app, args)


def test_publish_sends_the_committed_json_into_the_anju_folder(grafana: FakeGrafana) -> None:
    result = _publish(grafana)
    assert result.exit_code == 0, result.output
    committed = {p.stem: json.loads(p.read_text()) for p in JSON_DIR.glob("*.json")}
    assert set(grafana.dashboards) == set(committed) and len(committed) == 4
    for uid, saved in grafana.dashboards.items():
        body = saved["body"]
        assert body["folderUid"] == "anju" and body["overwrite"] is True
        assert body["dashboard"] == {**committed[uid], "id": None}
    assert grafana.folders == {"anju": "Anju"}
    assert all(auth == f"Bearer {grafana.token}" for _, _, auth, _ in grafana.requests)
    paths = [(m, p) for m, p, _, _ in grafana.requests]
    assert paths[:4] == [
        ("GET", "/api/datasources/uid/anju-pg"),
        ("GET", "/api/datasources/uid/anju-prom"),
        ("GET", "/api/folders/anju"),
        ("POST", "/api/folders"),
    ]
    assert paths[4:] == [("POST", "/api/dashboards/db")] * 4
    assert "published anju-operations (version 1)" in result.output
    assert "warning" not in result.output


def test_publish_without_prometheus_warns_and_publishes(grafana: FakeGrafana) -> None:
    grafana.datasources.discard("anju-prom")
    result = CliRunner().invoke(
        app,
        ["dashboards", "publish", "--url", grafana.url, "--token", grafana.token],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "anju-prom" in result.output
    assert len(grafana.dashboards) == 4


def test_publishing_again_overwrites_and_keeps_the_folder(grafana: FakeGrafana) -> None:
    assert _publish(grafana).exit_code == 0
    grafana.requests.clear()
    result = _publish(grafana)
    assert result.exit_code == 0, result.output
    assert ("POST", "/api/folders") not in [(m, p) for m, p, _, _ in grafana.requests]
    assert {d["version"] for d in grafana.dashboards.values()} == {2}


def test_publish_refuses_without_the_datasource(grafana: FakeGrafana) -> None:
    grafana.datasources.clear()
    result = _publish(grafana)
    assert result.exit_code == 1
    assert "anju-pg" in result.output
    assert grafana.dashboards == {}


def test_publish_with_a_wrong_token_fails_and_saves_nothing(grafana: FakeGrafana) -> None:
    result = _publish(grafana, token="wrong")
    assert result.exit_code == 1
    assert "401" in result.output and "Unauthorized" in result.output
    assert grafana.dashboards == {}


def test_export_writes_what_is_committed(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dashboards", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in JSON_DIR.glob("*.json"))
    for name in written:
        assert (tmp_path / name).read_text() == (JSON_DIR / name).read_text()


def test_no_urllib3_future_in_the_environment() -> None:
    """grafana-client pulled urllib3-future, whose .pth hook copies itself over urllib3
    at every start and broke requests-based tools (schemathesis: 'TrafficPolice' object
    has no attribute 'keys'); publishing now uses httpx (issue 15)."""
    import importlib.util
    import tomllib

    project = tomllib.loads((JSON_DIR.parents[1] / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    assert not [d for deps in extras.values() for d in deps if "grafana-client" in d]
    assert importlib.util.find_spec("urllib3_future") is None
    import requests
    import urllib3

    assert urllib3.__file__ and "urllib3_future" not in urllib3.__file__
    assert requests.adapters.HTTPAdapter().poolmanager is not None
