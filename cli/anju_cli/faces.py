"""`anju faces calibrate`: an estate's face-match thresholds from its own faces."""

from __future__ import annotations

import typer

app = typer.Typer(help="Face matching: calibration of thresholds.", no_args_is_help=True)


@app.command("calibrate")
def calibrate(
    estate: str = typer.Option(..., "--estate", "-e", help="Estate id."),
    far: float = typer.Option(
        None, help="Target share of strangers accepted (default ANJU_PLATFORM_FACE_FAR, 0.001)."
    ),
    model: str = typer.Option(
        None, help="Face model id (default: that of ANJU_PLATFORM_FACE_MODEL, the bundled one)."
    ),
    database_url: str = typer.Option(None, envvar="DATABASE_URL", help="PostgreSQL URI."),
) -> None:
    """Compute and store the estate's thresholds; gateways get them with the gallery."""
    import psycopg

    from anju_common.cliargs import CliError
    from anju_common.cliargs import database_url as database_url_arg
    from anju_platform.detect import repo
    from anju_platform.facecalibration import calibrate_estate, summary
    from anju_platform.settings import PlatformSettings

    settings = PlatformSettings()
    target = settings.faces.far if far is None else far
    if not 0 < target < 0.5:
        raise CliError(f"--far {far}: must be between 0 and 0.5 (e.g. 0.001)")
    url = database_url_arg(database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        if estate not in repo.estates(conn):
            raise CliError(f"--estate {estate}: not in the register")
        row = calibrate_estate(conn, estate, settings, far=target, model=model)
    typer.echo(summary(row))
