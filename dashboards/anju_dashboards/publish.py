"""Push the generated dashboards to a running Grafana over its HTTP API (httpx, which
the platform already uses; grafana-client pulled in urllib3-future, which replaces
urllib3 in the whole environment): check the datasource they query, make sure the
folder exists, save each dashboard (overwriting the previous version: the code is the
source of truth)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from anju_dashboards.boards import FOLDER_UID
from anju_dashboards.panels import DATASOURCE_UID, PROMETHEUS_UID


class PublishError(RuntimeError):
    pass


class _Refused(Exception):
    """Grafana answered with an error status."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass(frozen=True)
class Published:
    uid: str
    url: str
    version: int


@dataclass(frozen=True)
class Outcome:
    dashboards: list[Published]
    warnings: list[str]


def publish(
    url: str, token: str | None, models: list[dict[str, Any]], folder_title: str = "Anju"
) -> Outcome:
    try:
        with _client(url, token) as api:
            return _publish(api, models, folder_title)
    except _Refused as err:
        raise PublishError(f"Grafana at {url} answered {err.status_code}: {err.message}") from err
    except (httpx.TransportError, httpx.InvalidURL) as err:
        raise PublishError(
            f"cannot reach Grafana at {url} ({type(err).__name__}); is it running? "
            "(--url or ANJU_DASHBOARDS_GRAFANA_URL)"
        ) from err


def _client(url: str, token: str | None) -> httpx.Client:
    """A service-account token as bearer; `http://user:password@host` as basic auth."""
    parts = urlsplit(url)
    auth: httpx.BasicAuth | None = None
    if parts.username is not None:
        auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    base = urlunsplit(parts).rstrip("/")
    return httpx.Client(base_url=base, headers=headers, auth=auth, timeout=10.0)


def _call(api: httpx.Client, method: str, path: str, body: Any = None) -> dict[str, Any]:
    r = api.request(method, path, json=body)
    if r.is_success:
        answer = r.json() if r.content else {}
        return answer if isinstance(answer, dict) else {}
    try:
        message = str(r.json().get("message") or r.reason_phrase)
    except (ValueError, AttributeError):
        message = r.reason_phrase or r.text[:200]
    raise _Refused(r.status_code, message)


def _exists(api: httpx.Client, path: str) -> bool:
    try:
        _call(api, "GET", path)
    except _Refused as err:
        if err.status_code == 404:
            return False
        raise
    return True


def _publish(api: httpx.Client, models: list[dict[str, Any]], folder_title: str) -> Outcome:
    if not _exists(api, f"/api/datasources/uid/{DATASOURCE_UID}"):
        raise PublishError(
            f"Grafana has no datasource with uid {DATASOURCE_UID!r}: provision "
            "deploy/grafana/provisioning/datasources/anju.yaml (or create a PostgreSQL "
            "datasource with that uid) first"
        )
    warnings = []
    if not _exists(api, f"/api/datasources/uid/{PROMETHEUS_UID}"):
        warnings.append(
            f"no datasource {PROMETHEUS_UID!r} (Prometheus scraping ingest's /metrics): the "
            "Pipeline health dashboard's Prometheus row will show no data"
        )
    if not _exists(api, f"/api/folders/{FOLDER_UID}"):
        _call(api, "POST", "/api/folders", {"uid": FOLDER_UID, "title": folder_title})
    out = []
    for model in models:
        body = {
            "dashboard": {**model, "id": None},
            "folderUid": FOLDER_UID,
            "overwrite": True,
            "message": "anju dashboards publish",
        }
        answer = _call(api, "POST", "/api/dashboards/db", body)
        out.append(
            Published(model["uid"], str(answer.get("url", "")), int(answer.get("version", 0)))
        )
    return Outcome(out, warnings)
