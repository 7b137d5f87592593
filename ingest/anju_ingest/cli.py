"""`anju ingest`: run N ingest workers (processes) in one shared-subscription group."""

from __future__ import annotations

import typer


def run(
    workers: int = typer.Option(1, min=1, max=32, help="Worker processes to start."),
    migrate: bool = typer.Option(False, help="Apply database migrations first."),
    log_level: str = typer.Option("INFO", help="Logging level."),
) -> None:
    """Consume gateway events from MQTT and store them in PostgreSQL (lossless)."""
    from anju_ingest.runner import run_workers

    raise typer.Exit(run_workers(workers, migrate=migrate, log_level=log_level))
