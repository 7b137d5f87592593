"""Every `anju` subcommand answers bad input with one line on stderr, no traceback and a
non-zero exit (issue 17 item 13). Table-driven: a new subcommand fails
`test_every_subcommand_has_a_row` until it gets a row here.

Each row runs the real `anju` entry point in a subprocess. Placeholders in argv:
{tmp} a fresh folder, {file} an existing file, {full} a non-empty folder, {junk} a
JSONL file that holds no events, {badcsv} / {badxlsx} unreadable register files, {pg}
a migrated scratch database, {down} a PostgreSQL URL nothing listens on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from anju_bench.servers import scratch_database
from tests.conftest import PG_SERVER

ANJU = [sys.executable, "-m", "anju_cli.main"]
DOWN = "postgresql://postgres@127.0.0.1:1/anju"  # port 1: refused at once

# (argv, a fragment the line must contain)
ROWS: list[tuple[list[str], str]] = [
    (["--nope"], "No such option"),
    (["nope"], "No such command"),
    (["db", "migrate", "--database-url", DOWN], "cannot connect to the database"),
    (["db", "migrate", "--database-url", "notaurl"], "is not a PostgreSQL URL"),
    (["db", "maintain", "--database-url", "mysql://u@h/d"], "is not a PostgreSQL URL"),
    (["schemas", "export", "{file}/sub"], "Not a directory"),
    (["keys", "card", "--estate", "e01"], "ANJU_CARD_KEY_SECRET is not set"),
    (["faces", "calibrate", "--estate", "e01", "--far", "2"], "must be between 0 and 0.5"),
    (["demo", "--broker", "nope"], "use one of auto, mosquitto, amqtt"),
    (["demo", "--data-dir", "{file}/sub"], "Not a directory"),
    (["ingest", "--log-level", "nope"], "use one of DEBUG"),
    (["ingest", "--workers", "0"], "Invalid value for '--workers'"),
    (["edge"], "--config is required"),
    (["edge", "check", "--config", "{tmp}/missing.toml"], "cannot read"),
    (["edge", "enroll", "--faces", "{tmp}/none", "--out", "{tmp}/g.json"], "No such file"),
    (["simulate", "generate", "--start", "2026-13-45", "-o", "{tmp}/g"], "is not a day"),
    (["simulate", "generate", "--small", "--days", "1", "-o", "{file}"], "is a file"),
    (["simulate", "generate", "--small", "--days", "1", "-o", "{full}"], "add --force"),
    (["simulate", "generate", "--small", "-o", "/proc/anju-test-out"], "cannot write"),
    (["simulate", "stream", "--url", "http://u:secret@h:1"], "is not a broker URL"),
    (["simulate", "stream", "--small", "--days", "1", "--url", "mqtt://127.0.0.1:1"], "connect"),
    (["simulate", "camera", "--faces", "{tmp}/none", "-o", "{tmp}/c.mp4"], "no such folder"),
    (["simulate", "load", "--small", "--database-url", "notaurl"], "is not a PostgreSQL URL"),
    (["export", "events", "-o", "/proc/anju-test.jsonl"], "cannot write"),
    (["export", "events", "-o", "{tmp}", "--database-url", DOWN], "is a folder"),
    (["export", "events", "-o", "{tmp}/e.jsonl", "--database-url", DOWN], "cannot connect"),
    (["export", "events", "--since", "2026-03-02", "--until", "2026-03-01"], "is after"),
    (["replay", "{tmp}/missing.jsonl"], "does not exist"),
    (["replay", "{junk}"], "not a recorded event"),
    (["bench", "ingest", "--events", "0"], "Invalid value for '--events'"),
    (["bench", "ingest", "--database-url", "notaurl"], "is not a PostgreSQL URL"),
    (["bench", "edge", "--clip", "{tmp}/none.mp4"], "cannot open video source"),
    (["bench", "simulate", "--days", "0"], "Invalid value for '--days'"),
    (["bench", "detect", "--flats", "-1"], "Invalid value for '--flats'"),
    (["bench", "storage", "--flats", "0"], "Invalid value for '--flats'"),
    (["bench", "panels", "--days", "0"], "Invalid value for '--days'"),
    (["bench", "insert", "--events", "0"], "Invalid value for '--events'"),
    (["platform", "serve"], "ANJU_PLATFORM_SECRET_KEY is not set"),
    (["platform", "serve", "--dev"], "cannot connect to the database"),
    (["platform", "create-user", "bob", "--role", "boss", "--password", "x" * 12], "use one of"),
    (["platform", "create-user", "bob", "--password", "short"], "at least 10 characters"),
    (["platform", "import", "{tmp}/missing.xlsx"], "does not exist"),
    (["platform", "import", "{badcsv}"], "not UTF-8, UTF-16 or GB18030"),
    (["platform", "import", "{badxlsx}"], "not an .xlsx workbook"),
    (["platform", "erase", "--person", "p1", "--reason", "whim"], "use request or"),
    (["platform", "erase", "--person", "nobody", "--yes", "--database-url", "{pg}"], "no such"),
    (["detect", "--database-url", DOWN], "cannot connect to the database"),
    (["detect", "--database-url", "notaurl"], "is not a PostgreSQL URL"),
    (["detect", "--since", "2026-02-30"], "is not a day"),
    (["detect", "--since", "2026-03-02", "--until", "2026-03-01"], "is after"),
    (["detect", "--estate", "nope", "--database-url", "{pg}"], "not in the register"),
    (["dashboards", "export"], "Missing argument"),
    (["dashboards", "publish", "--url", "http://127.0.0.1:1"], "cannot reach Grafana"),
    (["dashboards", "check", "--since", "yesterday"], "is not a time"),
    (["dashboards", "check", "--since", "2026-03-02", "--until", "2026-03-01"], "is after"),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    base = tmp_path_factory.mktemp("cli")
    (base / "a-file.txt").write_text("not a folder\n")
    (base / "full").mkdir()
    (base / "full" / "keep.txt").write_text("mine\n")
    (base / "junk.jsonl").write_text('{"no": "event"}\n')
    (base / "persons.csv").write_bytes(b"person_id,name\nP1,\x81\x30\xff\n")
    (base / "register.xlsx").write_bytes(b"not a zip")
    with scratch_database(PG_SERVER) as pg:
        yield {
            "file": str(base / "a-file.txt"),
            "full": str(base / "full"),
            "junk": str(base / "junk.jsonl"),
            "badcsv": str(base / "persons.csv"),
            "badxlsx": str(base / "register.xlsx"),
            "pg": pg,
            "base": str(base),
        }


def _env() -> dict[str, str]:
    """Nothing from the caller's environment that could reach a real server or secret."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("ANJU_", "DATABASE_"))}
    return keep | {
        "DATABASE_URL": DOWN,
        "MQTT_URL": "mqtt://127.0.0.1:1",
        "ANJU_DASHBOARDS_GRAFANA_URL": "http://127.0.0.1:1",
        "COLUMNS": "80",
    }


def run(argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ANJU, *argv],
        capture_output=True,
        text=True,
        env=_env(),
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


@pytest.mark.slow
@pytest.mark.parametrize(("argv", "fragment"), ROWS, ids=[" ".join(r[0]) for r in ROWS])
def test_bad_input_gets_one_line_and_a_non_zero_exit(
    argv: list[str], fragment: str, places: dict[str, str], tmp_path: Path
) -> None:
    args = [a.format(tmp=tmp_path, **places) for a in argv]
    done = run(args)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert len(lines) == 1, done.stderr
    assert fragment in lines[0], lines[0]
    assert "secret" not in lines[0]  # a password in a URL is never repeated


def _leaves(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every runnable command path; a group that runs without a subcommand is one too."""
    commands = getattr(command, "commands", None)
    if not commands:
        yield path
        return
    if getattr(command, "invoke_without_command", False) and path:
        yield path
    for name, sub in commands.items():
        yield from _leaves(sub, (*path, name))


def test_every_subcommand_has_a_row() -> None:
    import typer

    from anju_cli.main import app

    covered = {
        tuple(a for a in argv if not a.startswith("-"))[:n] for argv, _ in ROWS for n in (1, 2)
    }
    missing = [" ".join(p) for p in _leaves(typer.main.get_command(app)) if p not in covered]
    assert missing == [], f"add rows for: {missing}"


def test_version() -> None:
    from importlib.metadata import version

    done = run(["--version"])
    assert done.returncode == 0 and done.stdout.strip() == f"anju {version('anju')}"


def test_a_group_alone_prints_its_help() -> None:
    done = run(["db"])
    assert done.returncode == 2 and "migrate" in done.stdout and done.stderr == ""


@pytest.mark.slow
def test_generate_into_a_non_empty_folder_with_force(places: dict[str, str]) -> None:
    args = ["simulate", "generate", "--small", "--days", "1", "-o", places["full"], "--force"]
    done = run(args)
    assert done.returncode == 0, done.stderr
    assert (Path(places["full"]) / "manifest.json").exists()
    assert (Path(places["full"]) / "keep.txt").read_text() == "mine\n"


@pytest.mark.slow
def test_ingest_logs_each_failed_broker_connection(places: dict[str, str]) -> None:
    """With the broker down, `anju ingest` used to say nothing while paho retried."""
    import signal
    import time

    env = _env() | {
        "DATABASE_URL": places["pg"],
        "ANJU_INGEST_METRICS_PORT": "0",
        "ANJU_INGEST_CLIENT_ID": "anju-test-broker-down",
    }
    proc = subprocess.Popen(
        [*ANJU, "ingest"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    )
    time.sleep(6)  # paho retries after 1, 2, 4 s
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    tries = [line for line in err.splitlines() if "cannot connect to the broker" in line]
    assert len(tries) >= 2, err
    assert "127.0.0.1:1" in tries[0]
