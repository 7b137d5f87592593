"""`anju keys card`: print an estate's card key for its gateways' configuration."""

from __future__ import annotations

import os

import typer

app = typer.Typer(help="Keys derived from the platform's secrets.", no_args_is_help=True)


@app.command("card")
def card(
    estate: str = typer.Option(..., help="Estate id."),
    secret_env: str = typer.Option(
        "ANJU_CARD_KEY_SECRET", help="Environment variable holding the master secret."
    ),
) -> None:
    """Print the estate's card key (hex) to set as ANJU_EDGE_CARD_KEY on its gateways
    (under ANJU_CARD_KEY_SCOPE: with 'authority' every estate gets the same key)."""
    from anju_common.cardhash import card_key_hex, scoped_card_key
    from anju_common.settings import card_key_scope

    master = os.environ.get(secret_env, "")
    if not master:
        typer.echo(f"${secret_env} is not set", err=True)
        raise typer.Exit(2)
    typer.echo(card_key_hex(scoped_card_key(master.encode(), estate, card_key_scope())))
