"""`anju edge --config gateway.toml` runs the gateway agent; `anju edge check` validates."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(
    help="Estate gateway agent: cameras, door controllers, QR scanners, store-and-forward.",
    no_args_is_help=False,
)
err = Console(stderr=True, soft_wrap=True)

CONFIG = typer.Option(None, "--config", "-c", help="Gateway TOML file.", show_default=False)


def _load(config: Path | None) -> object:
    from anju_edge.config import ConfigError, load_config

    if config is None:
        err.print("[red]--config is required[/red] (see docs/edge.md, examples/gateway.toml)")
        raise typer.Exit(2)
    try:
        return load_config(config)
    except ConfigError as exc:
        err.print(str(exc), style="red", highlight=False, markup=False)
        raise typer.Exit(2) from None


@app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    config: Path | None = CONFIG,
    log_level: str = typer.Option("INFO", "--log-level", help="DEBUG, INFO, WARNING."),
) -> None:
    """Run the gateway agent until SIGTERM or Ctrl-C."""
    if ctx.invoked_subcommand is not None:
        return
    import logging
    import signal

    from anju_edge.agent import Agent
    from anju_edge.config import ConfigError, GatewayConfig

    cfg = _load(config)
    assert isinstance(cfg, GatewayConfig)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        agent = Agent(cfg)
    except ConfigError as exc:
        err.print(str(exc), style="red", highlight=False, markup=False)
        raise typer.Exit(2) from None
    signal.signal(signal.SIGTERM, lambda *_: agent.stop_event.set())
    agent.start()
    try:
        while not agent.stop_event.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    agent.stop()


@app.command()
def check(config: Path | None = CONFIG) -> None:
    """Validate a gateway config without running anything."""
    from anju_edge.config import GatewayConfig

    cfg = _load(config)
    assert isinstance(cfg, GatewayConfig)
    g = cfg.gateway
    problems: list[str] = []
    if cfg.doors and not cfg.card_key():
        problems.append(f"doors are configured but ${g.card_key_env} (card key) is not set")
    try:
        cfg.mqtt.resolved_url()
    except ValueError as exc:
        problems.append(str(exc))
    for p in problems:
        err.print(f"warning: {p}", style="yellow", highlight=False, markup=False)
    Console(soft_wrap=True).print(
        f"{config}: ok - gateway {g.estate_id}/{g.gateway_id}, {len(cfg.cameras)} camera(s), "
        f"{len(cfg.doors)} door adapter(s), {len(cfg.qr_scanners)} QR scanner(s)",
        highlight=False,
        markup=False,
    )


@app.command()
def enroll(
    faces: Path = typer.Option(..., help="Folder of <person_id>/<photo> files."),
    out: Path = typer.Option(..., help="Gallery JSON to write."),
    estate_id: str | None = typer.Option(None, help="Estate id written into the file."),
    first_only: bool = typer.Option(True, help="Only <person_id>/1.* (the enrollment photo)."),
) -> None:
    """Build a gallery JSON from photos (for a test or an offline gateway)."""
    from rich.progress import track

    from anju_edge.enroll import enroll_folder

    people = sorted(p for p in faces.iterdir() if p.is_dir() and not p.name.startswith("_"))
    gallery, skipped = enroll_folder(track(people, description="enrolling"), first_only)
    out.write_text(gallery.model_copy(update={"estate_id": estate_id}).model_dump_json())
    for s in skipped:
        err.print(f"no single face found in {s}", style="yellow", highlight=False, markup=False)
    Console().print(f"{out}: {len(gallery.people)} embedding(s)")
