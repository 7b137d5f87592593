"""`anju demo`: the whole pipeline on one machine with only Python.

Without MQTT_URL / DATABASE_URL it starts its own broker and PostgreSQL (state in
--data-dir), migrates, seeds a small estate, starts `anju ingest`, streams simulated
gateway events and prints what arrives in the database until Ctrl-C or --duration.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def demo(
    data_dir: Path = typer.Option(
        Path(".anju/demo"), "--data-dir", help="Where the embedded servers keep their state."
    ),
    duration: float = typer.Option(
        0.0, "--duration", min=0, help="Stop after this many seconds (0: until Ctrl-C)."
    ),
    broker: str = typer.Option(
        "auto",
        "--broker",
        help="Embedded broker when MQTT_URL is unset: auto (Mosquitto if installed, "
        "else amqtt), mosquitto or amqtt.",
    ),
    protocol: int = typer.Option(
        0,
        "--protocol",
        help="MQTT protocol of the clients: 5, or 4 (3.1.1, no shared subscriptions); "
        "0 picks what the broker speaks (amqtt: 4).",
    ),
    source: str = typer.Option(
        "auto",
        "--source",
        help="Events from: auto (the simulator when installed and the broker speaks "
        "MQTT 5, else built-in), sim or builtin.",
    ),
    rate: float = typer.Option(
        20.0, "--rate", min=0.1, help="Simulated events per second (about)."
    ),
    ingest: bool = typer.Option(
        True, "--ingest/--no-ingest", help="Start `anju ingest` (off: one already runs)."
    ),
    interval: float = typer.Option(3.0, "--interval", min=0.5, help="Seconds between reports."),
    platform: bool = typer.Option(
        True, "--platform/--no-platform", help="Start the platform API and web console."
    ),
    port: int = typer.Option(
        8000, "--port", min=0, max=65535, help="Console port (taken or 0: a free one)."
    ),
) -> None:
    """Run Anju end to end on embedded servers and show events arriving."""
    import os

    for name, value, allowed in (
        ("--broker", broker, ("auto", "mosquitto", "amqtt")),
        ("--source", source, ("auto", "sim", "builtin")),
        ("--protocol", str(protocol), ("0", "4", "5")),
    ):
        if value not in allowed:
            raise typer.BadParameter(f"{value!r}: use one of {', '.join(allowed)}", param_hint=name)

    from anju_cli.demo_run import DemoOptions, run_demo

    options = DemoOptions(
        data_dir=data_dir.resolve(),
        duration=duration,
        broker=broker,
        protocol=protocol,
        rate=rate,
        interval=interval,
        source=source,
        ingest=ingest,
        platform=platform,
        platform_port=port,
        database_url=os.environ.get("DATABASE_URL") or None,
        mqtt_url=os.environ.get("MQTT_URL") or None,
    )
    raise typer.Exit(run_demo(options, console))
