"""`anju dashboards export DIR` and `anju dashboards publish`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Grafana dashboards as code: export the JSON, publish to Grafana.")
console = Console()


@app.command()
def export(
    directory: Path = typer.Argument(
        Path("dashboards/json"), help="Where to write one <uid>.json per dashboard."
    ),
) -> None:
    """Write the generated dashboards as Grafana JSON (what provisioning reads)."""
    from anju_dashboards.boards import build_all, dump

    directory.mkdir(parents=True, exist_ok=True)
    for model in build_all():
        path = directory / f"{model['uid']}.json"
        path.write_text(dump(model))
        console.print(f"wrote {path} ({model['title']})")


@app.command()
def publish(
    url: str | None = typer.Option(
        None, "--url", help="Grafana base URL (default ANJU_DASHBOARDS_GRAFANA_URL)."
    ),
    token: str | None = typer.Option(
        None,
        "--token",
        help="Service-account token (default ANJU_DASHBOARDS_GRAFANA_TOKEN; prefer the env).",
    ),
) -> None:
    """Save every dashboard into Grafana's Anju folder through its HTTP API."""
    from anju_dashboards.boards import build_all
    from anju_dashboards.publish import PublishError
    from anju_dashboards.publish import publish as push
    from anju_dashboards.settings import get_settings

    settings = get_settings()
    secret = settings.grafana_token.get_secret_value() if settings.grafana_token else None
    try:
        done = push(url or settings.grafana_url, token or secret, build_all(), settings.folder)
    except PublishError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(1) from err
    for p in done:
        console.print(f"published {p.uid} (version {p.version}) {p.url}")
