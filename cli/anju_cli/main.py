"""`anju`: one entry point with a subcommand per job.

Each component owns its subcommands in a small `cli` module that imports only typer
and rich at module level (heavy imports happen inside the commands), so a gateway with
only `anju[edge]` installed can still load the whole command tree.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="anju",
    help="Anju (安居): monitoring platform for public rental housing estates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# (name, module, attribute): a Typer becomes a group, a function a single command.
_COMMANDS: list[tuple[str, str, str]] = [
    ("db", "anju_cli.db", "app"),
    ("schemas", "anju_cli.schemas", "app"),
    ("keys", "anju_cli.keys", "app"),
    ("demo", "anju_cli.demo", "demo"),
    ("ingest", "anju_ingest.cli", "run"),
    ("edge", "anju_edge.cli", "app"),
    ("simulate", "anju_sim.cli", "app"),
    ("export", "anju_sim.cli", "export_app"),
    ("replay", "anju_sim.cli", "replay"),
    ("bench", "anju_bench.cli", "app"),
    ("platform", "anju_platform.cli", "app"),
    ("detect", "anju_platform.cli", "detect"),
    ("dashboards", "anju_dashboards.cli", "app"),
]


def _register() -> None:
    for name, module, attr in _COMMANDS:
        try:
            target = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue  # component not installed in this build
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
