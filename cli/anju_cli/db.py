"""`anju db`: schema migrations and partition maintenance."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="Database schema and maintenance.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def migrate(
    database_url: str = typer.Option(None, envvar="DATABASE_URL", help="PostgreSQL URI."),
) -> None:
    """Apply pending migrations (safe to run again, and from several places at once)."""
    import psycopg

    from anju_common.cliargs import database_url as database_url_arg
    from anju_common.migrate import event_store
    from anju_common.migrate import migrate as run
    from anju_common.settings import get_database_settings

    settings = get_database_settings()
    url = database_url_arg(database_url)
    with psycopg.connect(url) as conn:
        applied = run(conn, retention_days=settings.retention_days)
        store = event_store(conn)
    if applied:
        console.print(f"[green]applied[/] {', '.join(applied)} (events: {store})")
    else:
        console.print(f"schema up to date (events: {store})")


@app.command()
def maintain(
    database_url: str = typer.Option(None, envvar="DATABASE_URL", help="PostgreSQL URI."),
    ahead_days: int = typer.Option(7, help="Create day partitions this far ahead."),
) -> None:
    """Create partitions ahead, drop days past the retention period and rewrite older
    days in estate order (native partitions; ingest does a little of each hourly)."""
    from datetime import UTC, datetime, timedelta

    import psycopg
    from rich.progress import Progress

    from anju_common.cliargs import database_url as database_url_arg
    from anju_common.migrate import ensure_partitions, reorder_partitions
    from anju_common.settings import get_database_settings

    settings = get_database_settings()
    url = database_url_arg(database_url)
    today = datetime.now(UTC).date()
    with psycopg.connect(url) as conn:
        made = ensure_partitions(conn, datetime.now(UTC), ahead_days)
        cutoff = today - timedelta(days=settings.retention_days)
        row = conn.execute("SELECT anju_drop_partitions_before(%s)", (cutoff,)).fetchone()
        conn.commit()
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("reordering days", total=None)
            reordered = reorder_partitions(
                conn,
                today - timedelta(days=settings.reorder_after_days),
                lambda i, n: bar.update(task, completed=i, total=n),
            )
    console.print(
        f"partitions created: {made}; dropped before {cutoff}: {row[0] if row else 0};"
        f" rewritten in estate order: {reordered}"
    )
