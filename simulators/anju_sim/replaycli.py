"""`anju export events` and `anju replay`. Only typer and rich at module level."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from anju_sim.progress import console, progress_bar

export_app = typer.Typer(help="Export stored data.", no_args_is_help=True)


@export_app.command("events")
def export_events(
    out: Path = typer.Option(Path("events.jsonl"), "--out", "-o", help="JSONL file to write."),
    estate: str | None = typer.Option(None, help="Only this estate."),
    since: datetime | None = typer.Option(None, help="From this time (ISO 8601, UTC if naive)."),
    until: datetime | None = typer.Option(None, help="Before this time."),
    database_url: str | None = typer.Option(None, help="Default: DATABASE_URL."),
) -> None:
    """Write stored access, face and QR events as JSONL (wire form), in time order."""
    import psycopg

    from anju_common.cliargs import database_url as database_url_arg
    from anju_common.cliargs import in_order, output_file
    from anju_sim.dbload import iter_stored_events

    def aware(d: datetime | None) -> datetime | None:
        return d.replace(tzinfo=UTC) if d is not None and d.tzinfo is None else d

    in_order(aware(since), aware(until), "--since/--until")
    url = database_url_arg(database_url)
    output_file(out, "--out")
    n = 0
    with (
        psycopg.connect(url) as conn,
        out.open("wb") as f,
        progress_bar() as bar,
    ):
        task = bar.add_task("export", total=None, rate="-")
        for data in iter_stored_events(conn, estate, aware(since), aware(until)):
            f.write(data + b"\n")
            n += 1
            if n % 1000 == 0:
                bar.update(task, completed=n)
        bar.update(task, completed=n, total=n)
    console.print(f"[green]{n:,} events -> {out}")


def replay(
    files: list[Path] = typer.Argument(..., exists=True, help="JSONL event logs (merged by time)."),
    speed: float = typer.Option(
        60.0, min=0, help="Recorded s per wall s; 0 = as fast as possible."
    ),
    url: str | None = typer.Option(None, help="Broker URL (default: MQTT_URL)."),
    gateway_url_template: str | None = typer.Option(
        None, help="Per-gateway URL with {gateway_id}/{estate_id}."
    ),
) -> None:
    """Republish recorded events in order with their relative timing."""
    import time

    from anju_common.cliargs import CliError, mqtt_url
    from anju_common.mqttpub import Gateways
    from anju_sim.replay import BadLog, gateways_in, replay_logs

    base = mqtt_url(url)
    try:
        found = gateways_in(files)
    except BadLog as exc:
        raise CliError(str(exc)) from None
    urls = {
        g: gateway_url_template.format(gateway_id=g, estate_id=e) if gateway_url_template else base
        for g, e in found.items()
    }
    gws = Gateways(urls)
    t0 = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task("replay", total=None, rate="-")

        def tick(k: int) -> None:
            rate = bar.tasks[task].completed / max(1e-9, time.perf_counter() - t0)
            bar.update(task, advance=k, rate=f"{rate:,.0f}")

        n = replay_logs(files, gws, speed, tick)
    gws.close()
    console.print(f"[green]{n:,} events replayed from {len(found)} gateways")
