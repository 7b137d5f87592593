"""`anju bench ...`: benchmarks that print their figures as one JSON line."""

from __future__ import annotations

import json

import typer

app = typer.Typer(help="Benchmarks; each prints one JSON line of figures.", no_args_is_help=True)


@app.command("ingest")
def ingest(
    events: int = typer.Option(200_000, help="Events to publish."),
    workers: int = typer.Option(2, help="Ingest worker processes."),
    batch: int = typer.Option(1, help="Events per MQTT message (1 = live, >1 = batch topic)."),
    rate: float = typer.Option(0, help="Steady events/s; 0 = as fast as possible."),
    gateways: int = typer.Option(20, help="Simulated gateways."),
    flush_ms: int = typer.Option(50, help="Ingest flush window (ms)."),
    mqtt_url: str = typer.Option(None, help="Use this broker instead of a private Mosquitto."),
    database_url: str = typer.Option(
        "postgresql://postgres@127.0.0.1:5432/postgres",
        envvar="ANJU_BENCH_DATABASE_URL",
        help="Server for the scratch database (created and dropped).",
    ),
) -> None:
    """Publish N events over MQTT through ingest into PostgreSQL; measure end to end."""
    from rich.progress import Progress

    from anju_bench.ingest import BenchConfig, run

    cfg = BenchConfig(
        events=events,
        workers=workers,
        batch=batch,
        rate=rate or None,
        gateways=gateways,
        mqtt_url=mqtt_url,
        database_url=database_url,
        flush_ms=flush_ms,
    )
    with Progress(transient=True) as bar:
        task = bar.add_task("publishing", total=events)
        result = run(cfg, progress=lambda done, total: bar.update(task, completed=done))
    typer.echo(json.dumps(result))
