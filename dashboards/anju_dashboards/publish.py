"""Push the generated dashboards to a running Grafana through grafana-client:
check the datasource they query, make sure the folder exists, save each dashboard
(overwriting the previous version: the code is the source of truth)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anju_dashboards.boards import FOLDER_UID
from anju_dashboards.panels import DATASOURCE_UID, PROMETHEUS_UID


class PublishError(RuntimeError):
    pass


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
    from grafana_client.client import GrafanaException
    from niquests.exceptions import ConnectionError, Timeout

    try:
        return _publish(url, token, models, folder_title)
    except GrafanaException as err:
        raise PublishError(f"Grafana at {url} answered {err.status_code}: {err.message}") from err
    except (ConnectionError, Timeout) as err:
        raise PublishError(
            f"cannot reach Grafana at {url} ({type(err).__name__}); is it running? "
            "(--url or ANJU_DASHBOARDS_GRAFANA_URL)"
        ) from err


def _publish(
    url: str, token: str | None, models: list[dict[str, Any]], folder_title: str
) -> Outcome:
    from grafana_client import GrafanaApi
    from grafana_client.client import GrafanaClientError

    api = GrafanaApi.from_url(url, credential=token, timeout=10.0)
    try:
        api.datasource.get_datasource_by_uid(DATASOURCE_UID)
    except GrafanaClientError as err:
        if err.status_code == 404:
            raise PublishError(
                f"Grafana has no datasource with uid {DATASOURCE_UID!r}: provision "
                "deploy/grafana/provisioning/datasources/anju.yaml (or create a PostgreSQL "
                "datasource with that uid) first"
            ) from err
        raise
    warnings = []
    try:
        api.datasource.get_datasource_by_uid(PROMETHEUS_UID)
    except GrafanaClientError as err:
        if err.status_code != 404:
            raise
        warnings.append(
            f"no datasource {PROMETHEUS_UID!r} (Prometheus scraping ingest's /metrics): the "
            "Pipeline health dashboard's Prometheus row will show no data"
        )
    try:
        api.folder.get_folder(FOLDER_UID)
    except GrafanaClientError as err:
        if err.status_code != 404:
            raise
        api.folder.create_folder(folder_title, uid=FOLDER_UID)
    out = []
    for model in models:
        body = {
            "dashboard": {**model, "id": None},
            "folderUid": FOLDER_UID,
            "overwrite": True,
            "message": "anju dashboards publish",
        }
        answer = api.dashboard.update_dashboard(body)
        out.append(
            Published(model["uid"], str(answer.get("url", "")), int(answer.get("version", 0)))
        )
    return Outcome(out, warnings)
