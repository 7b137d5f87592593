"""Where the demo's estate and events come from.

The simulator (`anju_sim`) when it is installed and the broker speaks MQTT v5: it
loads a small simulated estate into the register and `anju simulate stream` replays a
month of its daily life through the broker. Otherwise a built-in source: a minimal
estate seeded by SQL and a steady stream of events from a thread."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from anju_cli.demo_db import demo_estate, seed_minimal
from anju_cli.demo_stream import DemoStream

if TYPE_CHECKING:
    from pathlib import Path

    import psycopg

SIM_SEED = 20260101
SIM_DAYS = 30


class Launcher(Protocol):
    def start(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None: ...


class EventSource(Protocol):
    name: str
    estate: str  # the register id of the estate the demo accounts are scoped to
    label: str  # for the banner: estates and gateway count

    def seed(self, conn: psycopg.Connection) -> None: ...

    def start(self, mqtt_url: str, env: dict[str, str], launcher: Launcher, log: Path) -> None: ...

    def published(self) -> int | None: ...

    def stop(self) -> None: ...


@dataclass
class BuiltinSource:
    protocol: int
    rate: float
    name: str = "built-in generator"
    stream: DemoStream | None = None

    def __post_init__(self) -> None:
        self._estate = demo_estate()
        self.estate = self._estate.estate_id
        self.label = f"{self.estate}, {len(self._estate.doors)} gateways"

    def seed(self, conn: psycopg.Connection) -> None:
        seed_minimal(conn, self._estate)

    def start(self, mqtt_url: str, env: dict[str, str], launcher: Launcher, log: Path) -> None:
        self.stream = DemoStream(mqtt_url, self.protocol, self._estate, self.rate).start()

    def published(self) -> int | None:
        return self.stream.sent if self.stream else None

    def stop(self) -> None:
        if self.stream:
            self.stream.stop()


class SimSource:
    """A month of one small simulated estate (60 flats), ending yesterday, replayed at
    about `rate` events per second."""

    name = "simulator (anju simulate stream)"

    def __init__(self, rate: float) -> None:
        from anju_sim.params import small_params
        from anju_sim.portfolio import estate_day_events, generate

        today = datetime.now(UTC).date()
        self.start_day = today - timedelta(days=SIM_DAYS)
        params = small_params(seed=SIM_SEED, days=SIM_DAYS).model_copy(
            update={"start": self.start_day}
        )
        self.portfolio = generate(params)
        per_day = max(1, len(estate_day_events(self.portfolio, 0, 0)))
        self.speed = rate * 86400 / per_day  # simulated seconds per wall second
        estates = [e.estate_id for e in self.portfolio.estates]
        gateways = sum(len(e.gateways) for e in self.portfolio.estates)
        self.estate = estates[0]
        self.label = f"{', '.join(estates)} (simulated), {gateways} gateways"

    def seed(self, conn: psycopg.Connection) -> None:
        from anju_sim.dbload import load_register

        first = self.portfolio.estates[0].estate_id
        if conn.execute("SELECT 1 FROM estates WHERE estate_id = %s", (first,)).fetchone():
            return  # loaded by an earlier run on this data directory
        load_register(conn, self.portfolio)

    def start(self, mqtt_url: str, env: dict[str, str], launcher: Launcher, log: Path) -> None:
        argv = [sys.executable, "-m", "anju_cli.main", "simulate", "stream", "--small"]
        argv += ["--seed", str(SIM_SEED), "--days", str(SIM_DAYS)]
        argv += ["--start", self.start_day.isoformat(), "--speed", f"{self.speed:.1f}"]
        launcher.start("simulator", [*argv, "--url", mqtt_url], env, log)

    def published(self) -> int | None:
        return None

    def stop(self) -> None:
        pass  # a child process: stopped with the others


def simulator_installed() -> bool:
    names = ("anju_sim.portfolio", "anju_sim.dbload", "anju_sim.stream")
    try:
        return all(importlib.util.find_spec(n) is not None for n in names)
    except ModuleNotFoundError:
        return False


def pick_source(protocol: int, rate: float, prefer: str) -> EventSource:
    """prefer: auto, sim or builtin. The simulator publishes with MQTT v5 only."""
    if prefer == "sim" and not simulator_installed():
        raise RuntimeError("the simulator (anju_sim) is not installed")
    if prefer == "sim" and protocol != 5:
        raise RuntimeError("the simulator needs an MQTT v5 broker (use --broker mosquitto)")
    if prefer != "builtin" and protocol == 5 and simulator_installed():
        return SimSource(rate)
    return BuiltinSource(protocol, rate)
