"""`anju ingest`: run N ingest workers (processes) in one shared-subscription group."""

from __future__ import annotations

import typer


def run(
    workers: int = typer.Option(1, min=1, max=32, help="Worker processes to start."),
    migrate: bool = typer.Option(False, help="Apply database migrations first."),
    log_level: str = typer.Option("INFO", help="Logging level."),
) -> None:
    """Consume gateway events from MQTT and store them in PostgreSQL (lossless)."""
    from anju_common.cliargs import CliError
    from anju_ingest.runner import run_workers

    levels = ("DEBUG", "INFO", "WARNING", "ERROR")
    if log_level.upper() not in levels:
        raise CliError(f"--log-level {log_level!r}: use one of {', '.join(levels)}")

    raise typer.Exit(run_workers(workers, migrate=migrate, log_level=log_level))
