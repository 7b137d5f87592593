"""`anju dashboards export DIR`, `anju dashboards publish` and `anju dashboards check`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Grafana dashboards as code: export the JSON, publish to Grafana.")
console = Console()


@app.command()
def export(
    directory: Path = typer.Argument(
        ...,
        help="Where to write one <uid>.json per dashboard (the repository's: dashboards/json).",
        show_default=False,
    ),
) -> None:
    """Write the generated dashboards as Grafana JSON (what provisioning reads)."""
    from anju_common.cliargs import output_folder
    from anju_dashboards.boards import build_all, dump

    output_folder(directory, "DIRECTORY", force=True)  # regenerating replaces the files
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
    from anju_common.cliargs import CliError
    from anju_dashboards.boards import build_all
    from anju_dashboards.publish import PublishError
    from anju_dashboards.publish import publish as push
    from anju_dashboards.settings import get_settings

    settings = get_settings()
    secret = settings.grafana_token.get_secret_value() if settings.grafana_token else None
    try:
        done = push(url or settings.grafana_url, token or secret, build_all(), settings.folder)
    except PublishError as err:
        raise CliError(str(err), code=1) from None
    for warning in done.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    for p in done.dashboards:
        console.print(f"published {p.uid} (version {p.version}) {p.url}")


@app.command()
def check(
    database_url: str | None = typer.Option(
        None, "--database-url", help="PostgreSQL URI (default DATABASE_URL)."
    ),
    since: str = typer.Option("", help="Range start, ISO 8601 (default: 24 hours before --until)."),
    until: str = typer.Option("", help="Range end, ISO 8601 (default: now)."),
) -> None:
    """Run every panel's SQL on a database as Grafana would; exit 1 if any fails."""
    from datetime import UTC, datetime, timedelta

    from rich.table import Table

    from anju_common.cliargs import database_url as database_url_arg
    from anju_common.cliargs import in_order, moment
    from anju_dashboards.boards import build_all
    from anju_dashboards.check import check as run_check

    end = moment(until, "--until") if until else datetime.now(UTC)
    start = moment(since, "--since") if since else end - timedelta(hours=24)
    in_order(start, end, "--since/--until")
    url = database_url_arg(database_url)
    results = run_check(url, build_all(), start.astimezone(UTC), end.astimezone(UTC))
    table = Table("dashboard", "panel", "rows", "ms", "error")
    for r in results:
        table.add_row(r.dashboard, r.panel, str(r.rows), f"{r.ms:.1f}", r.error or "")
    console.print(table)
    failed = [r for r in results if r.error]
    console.print(f"{len(results)} panels, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)
