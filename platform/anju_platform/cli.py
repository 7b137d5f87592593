"""`anju platform`: serve the API, bootstrap an admin, import a register."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Platform: register API, accounts, audit.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    dev: bool = typer.Option(
        False, "--dev", help="Allow a fixed insecure token key (never in production)."
    ),
    workers: int = typer.Option(1, help="uvicorn worker processes."),
) -> None:
    """Run the platform HTTP API (OpenAPI at /docs)."""
    import os
    import socket
    import sys

    import psycopg
    import uvicorn

    from anju_common.cliargs import CliError, database_url
    from anju_platform.public.posters import startup_warning
    from anju_platform.settings import get_platform_settings

    if dev:
        os.environ["ANJU_PLATFORM_DEV"] = "true"
        get_platform_settings.cache_clear()
    try:
        get_platform_settings().signing_key()
    except RuntimeError as exc:
        raise CliError(f"refusing to start: {exc}") from None
    # Said now in one line, rather than in a traceback after the pool's 30 s wait.
    psycopg.connect(database_url(None), connect_timeout=10).close()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(f"--host {host} --port {port}: {exc.strerror}") from None
    if warning := startup_warning(get_platform_settings().reports.public_base_url, host, port):
        sys.stderr.write(f"warning: {warning}\n")
    # Live streams (SSE) stay open for up to an hour: do not let them hold up a shutdown.
    uvicorn.run(
        "anju_platform.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=5,
    )


@app.command("create-user")
def create_user(
    user_id: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option("admin", help="admin, authority, manager or inspector."),
    name: str = typer.Option("", help="Display name (default: the user id)."),
    estate: list[str] = typer.Option([], help="Manager scope (repeat)."),
    grid: list[str] = typer.Option([], help="Inspector scope (repeat)."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="ANJU_PLATFORM_NEW_PASSWORD",
    ),
    database_url: str = typer.Option(None, envvar="DATABASE_URL", help="PostgreSQL URI."),
) -> None:
    """Create an account (e.g. the first admin) directly in the database."""
    import psycopg

    from anju_common.cliargs import CliError
    from anju_common.cliargs import database_url as database_url_arg
    from anju_platform.access import Role
    from anju_platform.repo import audit, users
    from anju_platform.security import hash_password

    roles = [r.value for r in Role]
    if role not in roles:
        raise CliError(f"--role {role!r}: use one of {', '.join(roles)}")
    if len(password) < 10:
        raise CliError("the password must be at least 10 characters")
    url = database_url_arg(database_url)
    with psycopg.connect(url) as conn, conn.transaction():
        if users.get_user(conn, user_id) is not None:
            raise CliError(f"user {user_id!r} exists already", code=1)
        users.create_user(conn, user_id, name or user_id, Role(role), hash_password(password))
        users.set_scopes(conn, user_id, estate, grid)
        audit.record(conn, "cli", "admin", "create", "user", user_id, detail={"role": role})
    console.print(f"[green]created[/] {role} {user_id}")


@app.command("import")
def import_register(
    path: Path = typer.Argument(..., exists=True, help="A .xlsx, a .csv, or a directory of them."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report, keep nothing."),
    database_url: str = typer.Option(None, envvar="DATABASE_URL", help="PostgreSQL URI."),
) -> None:
    """Import a register (same format and checks as POST /api/v1/import/register)."""
    import psycopg
    from rich.progress import Progress
    from rich.table import Table

    from anju_common.cliargs import CliError
    from anju_common.cliargs import database_url as database_url_arg
    from anju_platform.access import Principal, Role
    from anju_platform.importer.loader import load
    from anju_platform.importer.sheets import read_path
    from anju_platform.repo import audit
    from anju_platform.settings import get_platform_settings

    url = database_url_arg(database_url)
    settings = get_platform_settings()
    with Progress(console=console, transient=True) as bar:
        bar.add_task("reading", total=None)
        try:
            sheets = read_path(path, settings.limits.import_limits())
        except ValueError as exc:  # TooLarge, an unreadable encoding, not a workbook
            raise CliError(str(exc)) from None
    master = (
        settings.card_master() if (settings.auth.card_key_secret or settings.auth.dev) else None
    )
    who = Principal(user_id="cli", name="cli", role=Role.ADMIN)
    total = sum(len(s.rows) for s in sheets)
    with psycopg.connect(url) as conn:
        with Progress(console=console, transient=True) as bar:
            bar.add_task(f"importing {total} rows", total=None)
            report = load(conn, sheets, who, master, dry_run)
        if not dry_run:
            with conn.transaction():
                detail = {"imported": report.imported, "errors": report.errors_total}
                audit.record(conn, "cli", "admin", "import", "register", str(path), detail=detail)
    table = Table("sheet", "encoding", "rows", "created", "updated", "unchanged", "failed")
    for r in report.sheets:
        figures = (r.rows, r.created, r.updated, r.unchanged, r.failed)
        table.add_row(r.source, r.encoding or "-", *(str(x) for x in figures))
    Console().print(table)
    for w in report.warnings:
        console.print(f"[yellow]warning[/] {w}")
    for e in report.errors:
        Console().print(f"{e.sheet}:{e.line}: {e.column or '-'}: {e.reason}")
    if report.errors_total > len(report.errors):
        Console().print(f"... and {report.errors_total - len(report.errors)} more errors")
    console.print(
        ("[cyan]dry run: nothing kept[/]" if dry_run else "[green]done[/]")
        + f" ({report.errors_total} errors)"
    )
    if report.errors_total or report.unknown_sheets:
        raise typer.Exit(1)


def detect(
    estate: list[str] = typer.Option([], "--estate", "-e", help="Estate (repeat); default all."),
    since: str = typer.Option(
        None, help="Re-run from this local day (YYYY-MM-DD); default: the days not yet done."
    ),
    until: str = typer.Option(None, help="Last local day (default: the latest stored event)."),
    workers: int = typer.Option(
        0, help="Processes running estates in parallel (0 = the CPU count; 1 = in this one)."
    ),
    database_url: str = typer.Option(None, envvar="DATABASE_URL", help="PostgreSQL URI."),
) -> None:
    """Run the detection pass on demand: presence, rules, alerts (with a progress bar)."""

    import psycopg
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from anju_common.cliargs import CliError, day, in_order
    from anju_common.cliargs import database_url as database_url_arg
    from anju_platform.detect import repo
    from anju_platform.detect.engine import run_estate, run_estates

    first = day(since, "--since") if since else None
    last = day(until, "--until") if until else None
    in_order(first, last, "--since/--until")
    url = database_url_arg(database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        known = repo.estates(conn)
        if unknown := [e for e in estate if e not in known]:
            listed = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
            raise CliError(
                f"--estate {', '.join(unknown)}: not in the register (estates: {listed or 'none'})"
            )
        estates = estate or known
        total = {"days": 0, "events": 0}
        cols = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*cols, console=console) as bar:
            if workers == 1 or len(estates) == 1:  # in this process: a bar per estate
                for e in estates:
                    task = bar.add_task(f"detect {e}", total=None)

                    def tick(done: int, n: int, t: object = task) -> None:
                        bar.update(t, completed=done, total=n)  # type: ignore[arg-type]

                    got = run_estate(conn, e, first, last, progress=tick)
                    total = {k: total[k] + got[k] for k in total}
            else:  # estates in parallel processes: one bar of estates done
                task = bar.add_task("detect (estates)", total=len(estates))
                total = run_estates(
                    url, estates, first, last, workers=workers or None,
                    done=lambda e, got: bar.advance(task),
                )  # fmt: skip
        open_n = conn.execute(
            "SELECT count(*) FROM alerts WHERE status = 'open' AND estate_id = ANY(%s)", (estates,)
        ).fetchone()
    console.print(
        f"{len(estates)} estate(s), {total['days']} estate-days, {total['events']} events; "
        f"open alerts: {open_n[0] if open_n else 0}"
    )


@app.command()
def erase(
    person: str = typer.Option(..., "--person", help="Person id to erase."),
    reason: str = typer.Option("request", help="request or after_move_out."),
    note: str = typer.Option("", help="Reference of the request (audit log; no names)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    database_url: str = typer.Option(None, envvar="DATABASE_URL", help="PostgreSQL URI."),
) -> None:
    """Erase a person's face data and anonymize them (same as POST /persons/{id}/erase)."""
    import psycopg

    from anju_common.cliargs import CliError
    from anju_common.cliargs import database_url as database_url_arg
    from anju_platform.lifecycle import UnknownPerson, erase_person
    from anju_platform.repo import audit
    from anju_platform.settings import get_platform_settings

    if reason not in ("request", "after_move_out"):
        raise CliError(f"--reason {reason!r}: use request or after_move_out")
    url = database_url_arg(database_url)
    if not yes and not typer.confirm(
        f"Erase person {person}: face enrollments, photos, snapshots, and anonymize? "
        "This cannot be undone"
    ):
        console.print("aborted: nothing changed")
        raise typer.Exit(1)
    settings = get_platform_settings()
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            with conn.transaction():
                counts = erase_person(conn, settings, person, reason, "cli")  # type: ignore[arg-type]
                detail: dict[str, object] = {"reason": reason, "counts": counts}
                if note:
                    detail["note"] = note
                audit.record(conn, "cli", "admin", "erase", "person", person, None, detail)
        except UnknownPerson:
            raise CliError(f"--person {person}: no such person", code=1) from None
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    console.print(f"[green]erased[/] {person}: {summary}")
