"""`anju`: one entry point with a subcommand per job.

Each component owns its subcommands in a small `cli` module that imports only typer
and rich at module level (heavy imports happen inside the commands), so a gateway with
only `anju[edge]` installed can still load the whole command tree.

Whatever stops a command (bad input, a database that refuses the connection, a file
that cannot be written) is said here in one line on stderr with a non-zero exit status,
never a traceback (ANJU_DEBUG=1 shows it): see `anju_cli.errors`.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from anju_cli.errors import command_path, describe


def _passes_through(exc: BaseException) -> bool:
    """click's own exits (--help, typer.Exit) and a group's help, or debugging."""
    return type(exc).__name__ in ("Exit", "NoArgsIsHelpError") or bool(os.environ.get("ANJU_DEBUG"))


def _say(exc: BaseException, where: str) -> int:
    message, code = describe(exc)
    if hasattr(exc, "format_message"):  # a usage error: bad option or argument
        message += f" (see {where} --help)"
    sys.stdout.flush()
    sys.stderr.write(f"{where}: {message}\n")
    sys.stderr.flush()
    return code


class OneLineErrors(TyperGroup):
    """The root group: an exception from any subcommand (its option parsing included)
    becomes one line and an exit status, under `anju` and typer's test runner alike."""

    def invoke(self, ctx: Any) -> Any:
        words = [*getattr(ctx, "_protected_args", getattr(ctx, "protected_args", [])), *ctx.args]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if _passes_through(exc):
                raise
            raise typer.Exit(_say(exc, command_path(self, words))) from None


app = typer.Typer(
    name="anju",
    cls=OneLineErrors,
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
    ("faces", "anju_cli.faces", "app"),
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


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        typer.echo(f"anju {version('anju')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_version, help="Print the version and exit."
    ),
) -> None:
    """Anju (安居): monitoring platform for public rental housing estates."""


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


def main(args: list[str] | None = None) -> None:
    """Run a command; errors of the root's own options (`anju --nope`) are said here."""
    argv = sys.argv[1:] if args is None else args
    try:
        status = app(args=argv, prog_name="anju", standalone_mode=False)
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group alone: typer printed its help
            sys.exit(2)
        if _passes_through(exc):
            raise
        sys.exit(_say(exc, command_path(typer.main.get_command(app), argv)))
    sys.exit(status if isinstance(status, int) else 0)


if __name__ == "__main__":
    main()
