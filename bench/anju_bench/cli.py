"""`anju bench ...`: benchmarks that print their figures as one JSON line."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import typer

app = typer.Typer(help="Benchmarks; each prints one JSON line of figures.", no_args_is_help=True)


@contextlib.contextmanager
def _server(private: str | None, default: str) -> Iterator[str]:
    """`--private KIND`: a private cluster for the run (see servers.private_server)."""
    if not private:
        yield default
        return
    from anju_bench.servers import PRIVATE_KINDS, private_server

    if private not in PRIVATE_KINDS:
        raise typer.BadParameter(f"one of {', '.join(PRIVATE_KINDS)}", param_hint="--private")
    with private_server(private) as url:
        yield url


@app.command("ingest")
def ingest(
    events: int = typer.Option(200_000, min=1, help="Events to publish."),
    workers: int = typer.Option(2, min=1, max=32, help="Ingest worker processes."),
    batch: int = typer.Option(
        1, min=1, help="Events per MQTT message (1 = live, >1 = batch topic)."
    ),
    rate: float = typer.Option(0, min=0, help="Steady events/s; 0 = as fast as possible."),
    gateways: int = typer.Option(20, min=1, help="Simulated gateways."),
    flush_ms: int = typer.Option(50, min=1, help="Ingest flush window (ms)."),
    mqtt_url: str = typer.Option(None, help="Use this broker instead of a private Mosquitto."),
    database_url: str = typer.Option(
        "postgresql://postgres@127.0.0.1:5432/postgres",
        envvar="ANJU_BENCH_DATABASE_URL",
        help="Server for the scratch database (created and dropped).",
    ),
    private: str = typer.Option(
        None, help="Start a private server: postgres or timescaledb (instead of the URL)."
    ),
) -> None:
    """Publish N events over MQTT through ingest into PostgreSQL; measure end to end."""
    from anju_common.cliargs import database_url as database_url_arg
    from anju_common.cliargs import mqtt_url as mqtt_url_arg

    database_url = database_url_arg(database_url)
    mqtt_url = mqtt_url_arg(mqtt_url, "--mqtt-url") if mqtt_url else mqtt_url
    with _server(private, database_url) as server:
        _ingest(events, workers, batch, rate, gateways, flush_ms, mqtt_url, server)


def _ingest(
    events: int,
    workers: int,
    batch: int,
    rate: float,
    gateways: int,
    flush_ms: int,
    mqtt_url: str | None,
    database_url: str,
) -> None:
    from rich.progress import Progress

    from anju_bench.ingest import BenchConfig, run

    cfg = BenchConfig(
        events=events,
        workers=workers,
        batch=batch,
        rate=rate or None,
        gateways=gateways,
        mqtt_url=mqtt_url,
        database_url=database_url,
        flush_ms=flush_ms,
    )
    with Progress(transient=True) as bar:
        task = bar.add_task("publishing", total=events)
        result = run(cfg, progress=lambda done, total: bar.update(task, completed=done))
    typer.echo(json.dumps(result))


def _default_faces() -> Path:
    """../shared/faces next to the checkout, or ANJU_FACES_DIR."""
    import os

    env = os.environ.get("ANJU_FACES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "faces"


@app.command("insert")
def insert(
    events: int = typer.Option(200_000, min=1000, help="Events per run."),
    batch: int = typer.Option(1000, min=1, help="Events per transaction."),
    rounds: int = typer.Option(5, min=1, help="Interleaved rounds of every store."),
) -> None:
    """The drain's database side on private plain PostgreSQL and TimescaleDB (with and
    without events_time_idx): backend CPU, WAL and bytes per event, medians."""
    from anju_bench.insert import run

    typer.echo(json.dumps(run(events, batch, rounds, progress=lambda s: typer.echo(s, err=True))))


@app.command("edge")
def edge(
    clip: Path = typer.Option(None, help="A 640x480 video or frame folder; default: built."),
    seconds: float = typer.Option(40.0, min=1, help="Length of each built clip."),
    fps: float = typer.Option(15.0, min=1, max=60, help="Frame rate of the built clips."),
    faces_dir: Path = typer.Option(None, help="Photos to build clips from (../shared/faces)."),
    all_cores: bool = typer.Option(False, help="Do not pin to one core."),
) -> None:
    """Camera pipeline on one core: frames/s, faces encoded/s, CPU per camera."""
    from rich.progress import Progress

    from anju_bench.edge import report_lines, run, total_frames

    with Progress(transient=True) as bar:
        task = bar.add_task("frames", total=total_frames(clip, seconds, fps))
        result = run(
            clip,
            seconds,
            fps=fps,
            faces_dir=faces_dir or _default_faces(),
            one_core=not all_cores,
            progress=lambda: bar.advance(task),
        )
    for line in report_lines(result):
        typer.echo(line, err=True)
    typer.echo(json.dumps(result))


@app.command("simulate")
def simulate(
    flats: int = typer.Option(0, min=0, help="Flats; 0 = the default 5,803-flat portfolio."),
    days: int = typer.Option(180, min=1, help="Simulated days."),
    seed: int = typer.Option(20260101, help="Seed."),
) -> None:
    """Simulator speed: events generated per second."""
    from anju_bench.simulate import run

    typer.echo(json.dumps(run(flats or None, days, seed)))


@app.command("detect")
def detect(
    flats: int = typer.Option(0, min=0, help="Flats; 0 = the default 5,803-flat portfolio."),
    days: int = typer.Option(180, min=1, help="Simulated days."),
    seed: int = typer.Option(20260101, help="Seed."),
    faces: str = typer.Option(
        "western",
        help="Face profile: how far apart different people are (western, crowded) or a "
        "number (1 = western, 0.71 = crowded).",
    ),
    face_threshold: float = typer.Option(
        None, help="A fixed gateway match threshold (e.g. 0.6) instead of the calibrated ones."
    ),
    face_margin: float = typer.Option(
        0.05, min=0, max=1, help="Gateway margin to the second-nearest person (0: none)."
    ),
    worlds: str | None = typer.Option(
        None, help="World families, comma-separated (quality per world and seed, no timings)."
    ),
    seeds: str | None = typer.Option(None, help="Seeds for --worlds, comma-separated."),
    violation_scale: float = typer.Option(
        1.0, min=0.1, help="With --worlds: violation rates times this (more cases per type)."
    ),
    alerts_out: Path | None = typer.Option(
        None,
        help="Write every alert and its evidence (sorted, no wall-clock times) to this "
        "file as JSON lines: two runs give the same file when detection decides the same.",
    ),
    keep: str | None = typer.Option(
        None,
        help="Keep the loaded database under this name; a later run with the same "
        "options copies it instead of loading again (for iterating on detection).",
    ),
) -> None:
    """Detection quality against the simulator's labels, and run times."""
    from rich.progress import Progress

    from anju_bench.detect import run
    from anju_bench.detect_load import KEEP_NAME, KeepError
    from anju_bench.detect_worlds import run_worlds, world_lines
    from anju_common.cliargs import CliError
    from anju_sim.embeddings import PROFILES

    if keep is not None and not KEEP_NAME.fullmatch(keep):
        raise CliError(f"--keep {keep}: a database name of lower-case letters, digits and _")
    try:
        spread = PROFILES[faces] if faces in PROFILES else float(faces)
    except ValueError:
        raise CliError(f"--faces {faces}: a profile ({', '.join(PROFILES)}) or a number") from None
    if not 0 < spread <= 2 or (face_threshold is not None and not 0 < face_threshold <= 2):
        raise CliError("--faces and --face-threshold must be between 0 and 2")
    if worlds is not None:
        from anju_sim.worlds import FAMILIES

        names = [w.strip() for w in worlds.split(",") if w.strip()]
        bad = [w for w in names if w not in FAMILIES]
        if bad or not names:
            known = ", ".join(sorted(FAMILIES))
            raise CliError(f"--worlds: unknown world '{','.join(bad)}' (known: {known})")
        try:
            seed_list = [int(x) for x in (seeds or str(seed)).split(",") if x.strip()]
        except ValueError:
            raise CliError("--seeds: whole numbers separated by commas, e.g. 11,12") from None

        def show(r: dict[str, object]) -> None:
            for line in world_lines([r]):
                typer.echo(line, err=True)

        results = run_worlds(
            names,
            seed_list,
            flats or 600,
            days,
            violation_scale=violation_scale,
            each=show,
            face_spread=spread,
        )
        typer.echo(json.dumps(results))
        return

    with Progress(transient=True) as bar:
        task = bar.add_task("detect", total=None)
        try:
            result = run(
                flats or None,
                days,
                seed,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                face_spread=spread,
                face_threshold=face_threshold,
                face_margin=face_margin,
                alerts_out=alerts_out,
                keep=keep,
            )
        except KeepError as e:
            raise CliError(str(e)) from None
    typer.echo(json.dumps(result))


@app.command("storage")
def storage(
    flats: int = typer.Option(300, min=1, help="Flats to simulate."),
    days: int = typer.Option(30, min=1, help="Days of events to load."),
    seed: int = typer.Option(20260101, help="Seed."),
    private: str = typer.Option(
        None, help="Start a private server: postgres or timescaledb (else the shared one)."
    ),
) -> None:
    """Bytes per event and per flat-year in the real event store (on TimescaleDB also
    after compressing every chunk)."""
    from rich.progress import Progress

    from anju_bench.storage import run

    with _server(private, "") as server, Progress(transient=True) as bar:
        task = bar.add_task("loading events", total=None)
        result = run(flats, days, seed, server or None, on_batch=lambda n: bar.advance(task, n))
    typer.echo(json.dumps(result))


@app.command("panels")
def panels(
    flats: int = typer.Option(1200, min=1, help="Flats to simulate."),
    days: int = typer.Option(90, min=1, help="Days of history."),
    seed: int = typer.Option(20260101, help="Seed."),
    private: str = typer.Option(
        None, help="Start a private server: postgres or timescaledb (else the shared one)."
    ),
) -> None:
    """Run every dashboard panel's SQL on a simulated database; print timings."""
    from anju_bench.panels import run

    with _server(private, "") as server:
        typer.echo(json.dumps(run(flats, days, seed, server or None)))
