"""`anju simulate ...`, `anju export events`, `anju replay`. Only typer and rich at
module level; the work is imported inside the commands."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import typer

from anju_common.localtime import local_today
from anju_sim.progress import console, progress_bar
from anju_sim.replaycli import export_app, replay

__all__ = ["app", "export_app", "replay"]

app = typer.Typer(
    help="Synthetic estates: generate, stream, virtual cameras.", no_args_is_help=True
)


def _start(text: str | None) -> date | None:
    from anju_common.cliargs import CliError, day

    if text is None:
        return None
    if text == "today":
        return local_today()
    try:
        return day(text, "--start")
    except CliError as exc:
        raise CliError(f"{exc} or 'today'") from None


def _params(
    seed: int,
    days: int,
    small: bool,
    flats: int | None,
    start: date | None,
    live: bool = False,
    world: str | None = None,
) -> object:
    """The portfolio the options describe; `live` ends the window today."""
    from anju_common.cliargs import CliError
    from anju_sim.params import SimParams, scaled_params, small_params, with_world
    from anju_sim.worlds import UnknownWorld

    if live:
        start = local_today() - timedelta(days=days - 1)

    if small:
        p = small_params(seed=seed, days=days, flats=flats or 60)
    elif flats is not None:
        p = scaled_params(flats, seed, days)
    else:
        p = SimParams(seed=seed, days=days)
    if start is not None:
        p = p.model_copy(update={"start": start})
    if world is not None:
        try:
            p = with_world(p, world)
        except UnknownWorld as exc:
            raise CliError(f"--world: {exc}") from None
    return p


@app.command()
def generate(
    out: Path = typer.Option(Path("sim-out"), "--out", "-o", help="Output folder."),
    seed: int = typer.Option(20260101, help="Random seed: same seed, same bytes."),
    days: int = typer.Option(180, min=1, help="Days of daily life to simulate."),
    small: bool = typer.Option(False, "--small", help="One small estate (60 flats)."),
    flats: int | None = typer.Option(
        None, min=1, help="Total flats (the Xiangyang shape scaled; with --small: that estate)."
    ),
    start: str | None = typer.Option(
        None, help="First day, YYYY-MM-DD or 'today' (default 2026-01-05)."
    ),
    workers: int = typer.Option(2, min=1, help="Processes writing events (estates split)."),
    force: bool = typer.Option(
        False, "--force", help="Write into a folder that is not empty (same names replaced)."
    ),
    world: str | None = typer.Option(
        None, "--world", help="World family (anju_sim.worlds): default, tailgate, cover, sparse."
    ),
) -> None:
    """Generate a seeded portfolio: register (CSV + xlsx), events (JSONL), labels, manifest."""
    import time

    from anju_common.cliargs import output_folder
    from anju_sim.output import write_portfolio
    from anju_sim.params import SimParams
    from anju_sim.portfolio import generate as make

    first = _start(start)
    params = _params(seed, days, small, flats, first, world=world)
    output_folder(out, "--out", force)
    assert isinstance(params, SimParams)
    t0 = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task("register", total=params.flats, rate="-")
        pf = make(params, progress=lambda n: bar.advance(task, n))
        # Events per day are roughly even; estimate the total from day 0 for the bar.
        from anju_sim.portfolio import estate_day_events

        est = sum(len(estate_day_events(pf, e, 0)) for e in range(len(pf.estates)))
        ev_task = bar.add_task("events", total=est * params.days, rate="-")
        t1 = time.perf_counter()
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            rate = done[0] / max(1e-9, time.perf_counter() - t1)
            bar.update(ev_task, advance=n, rate=f"{rate:,.0f}")

        n = write_portfolio(pf, out, workers=workers, tick=tick)
        bar.update(ev_task, total=n, completed=n)
    dt = time.perf_counter() - t0
    console.print(
        f"[green]{len(pf.register.units):,} flats, {len(pf.register.persons):,} people, "
        f"{n:,} events, {len(pf.labels)} labels, {len(pf.traps)} traps in {dt:.1f} s "
        f"({n / dt:,.0f} events/s) -> {out}"
    )


@app.command()
def stream(
    url: str | None = typer.Option(None, help="Broker URL (default: MQTT_URL / ANJU_MQTT_URL)."),
    gateway_url_template: str | None = typer.Option(
        None,
        help="Per-gateway URL with {gateway_id}/{estate_id}, e.g. "
        "'mqtt://{gateway_id}:pw-{gateway_id}@127.0.0.1:1883'.",
    ),
    seed: int = typer.Option(20260101, help="Portfolio seed."),
    days: int = typer.Option(180, min=1, help="Days in the portfolio window."),
    small: bool = typer.Option(False, "--small", help="One small estate (60 flats)."),
    flats: int | None = typer.Option(None, min=1, help="Total flats (see generate)."),
    start: str | None = typer.Option(None, help="First day, YYYY-MM-DD or 'today'."),
    live: bool = typer.Option(
        False,
        "--live",
        help="Window ends today: the past goes out at once, the rest in real time.",
    ),
    backfill: int | None = typer.Option(
        None, min=1, help="Publish only the last N days of the window, as fast as possible."
    ),
    speed: float = typer.Option(
        0.0, min=0, help="0: as fast as the broker takes it; else simulated s per wall s."
    ),
    batch: int = typer.Option(0, min=0, max=1000, help="Send EventBatch messages of K events."),
    outage: float = typer.Option(0.0, min=0, max=1, help="Gateway outages per gateway-day."),
    skew: float = typer.Option(0.0, min=0, max=1, help="Share of gateways with clock skew."),
    duplicate: float = typer.Option(0.0, min=0, max=1, help="Share of events sent twice."),
    malformed: float = typer.Option(0.0, min=0, max=1, help="Junk messages per event."),
    faults_out: Path | None = typer.Option(None, help="Write injected faults as JSONL here."),
    status: bool = typer.Option(True, help="Publish a retained 'online' status per gateway."),
    heartbeat: int = typer.Option(
        0, min=0, help="Heartbeat of every gateway each N simulated seconds (0: none)."
    ),
    world: str | None = typer.Option(
        None, "--world", help="World family (anju_sim.worlds): default, tailgate, cover, sparse."
    ),
) -> None:
    """Publish the portfolio's events over MQTT like real gateways (QoS 1)."""
    import threading
    import time

    from anju_common.cliargs import mqtt_url
    from anju_common.mqttpub import Gateways
    from anju_sim.faults import FaultRates
    from anju_sim.params import SimParams
    from anju_sim.portfolio import estate_day_events
    from anju_sim.portfolio import generate as make
    from anju_sim.stream import Streamer, gateway_urls, stream_portfolio, write_faults

    base_url = mqtt_url(url)
    params = _params(seed, days, small, flats, _start(start), live, world)
    assert isinstance(params, SimParams)
    pf = make(params)
    window = range(max(0, params.days - backfill), params.days) if backfill else range(days)
    if backfill:
        speed = 0.0
    urls = gateway_urls(pf, base_url, gateway_url_template)
    rates = FaultRates(outage=outage, skew=skew, duplicate=duplicate, malformed=malformed)
    gws = Gateways(urls)
    streamer = Streamer(pf, gws, rates, batch=batch, status=status, heartbeat_s=heartbeat)
    est = sum(len(estate_day_events(pf, e, window[0])) for e in range(len(pf.estates)))
    t0 = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task("stream", total=est * len(window), rate="-")

        def tick(n: int) -> None:
            rate = bar.tasks[task].completed / max(1e-9, time.perf_counter() - t0)
            bar.update(task, advance=n, rate=f"{rate:,.0f}")

        stop = threading.Event()
        try:
            stats = stream_portfolio(pf, streamer, window, speed, tick, live, stop)
        except KeyboardInterrupt:  # Ctrl-C: deliver what was sent, then report
            stats = streamer.finish()
        bar.update(task, total=stats.events, completed=stats.events)
    gws.close()
    dt = time.perf_counter() - t0
    if faults_out:
        write_faults(stats, faults_out)
    console.print(
        f"[green]{stats.events:,} events in {stats.messages:,} messages from {len(urls)} "
        f"gateways in {dt:.1f} s ({stats.events / dt:,.0f} events/s); duplicates "
        f"{stats.duplicates}, malformed {stats.malformed}, outages {stats.outages}, "
        f"skewed gateways {stats.skewed_gateways}, heartbeats {stats.heartbeats}"
    )


@app.command()
def camera(
    out: Path = typer.Option(Path("camera.mp4"), "--out", "-o", help="file.mp4 or a folder."),
    faces: Path | None = typer.Option(None, help="Photo folder (default: ../shared/faces)."),
    walks: int = typer.Option(10, min=1, help="People walking past."),
    fps: int = typer.Option(10, min=1, max=60, help="Frames per second."),
    seed: int = typer.Option(1, help="Seed for who walks when."),
) -> None:
    """Make a virtual camera video or frame folder with a ground-truth JSON."""
    from anju_common.cliargs import CliError, output_file, output_folder
    from anju_sim.camera import default_faces_dir, render

    folder = faces or default_faces_dir()
    if faces is None and not folder.exists():
        folder = Path("/work/shared/faces")
    if not folder.is_dir():
        raise CliError(f"--faces {folder}: no such folder of <person_id>/<photo> files")
    if out.suffix:
        output_file(out, "--out")
    else:
        output_folder(out, "--out", force=True)
    truth = render(folder, out, seed=seed, walks=walks, fps=fps)
    console.print(f"[green]{len(truth)} walks -> {out}")


@app.command("load")
def load(
    database_url: str | None = typer.Option(None, help="Default: DATABASE_URL."),
    seed: int = typer.Option(20260101, help="Portfolio seed (as for generate/stream)."),
    days: int = typer.Option(180, min=1, help="Days in the portfolio window."),
    small: bool = typer.Option(False, "--small", help="One small estate (60 flats)."),
    flats: int | None = typer.Option(None, min=1, help="Total flats (see generate)."),
    start: str | None = typer.Option(None, help="First day, YYYY-MM-DD or 'today'."),
    live: bool = typer.Option(False, "--live", help="The window of `stream --live`."),
    world: str | None = typer.Option(
        None, "--world", help="World family (anju_sim.worlds): default, tailgate, cover, sparse."
    ),
) -> None:
    """Insert the portfolio's register into PostgreSQL (before streaming: ingest rejects
    gateways it does not know). Same options give the same register as generate/stream."""
    import psycopg

    from anju_common.cliargs import database_url as database_url_arg
    from anju_sim.dbload import load_register
    from anju_sim.params import SimParams
    from anju_sim.portfolio import generate as make

    params = _params(seed, days, small, flats, _start(start), live, world)
    assert isinstance(params, SimParams)
    url = database_url_arg(database_url)
    pf = make(params)
    with psycopg.connect(url) as conn:
        counts = load_register(conn, pf)
    console.print("[green]" + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
