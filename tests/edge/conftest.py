"""Edge test helpers: a gateway config for e1/g1 with a data dir and broker URL."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from anju_edge.agent import Agent
from anju_edge.buffer import Queued
from anju_edge.config import GatewayConfig, parse_config

# Port 9 (discard) has no broker: the agent must keep working offline.
OFFLINE = "mqtt://127.0.0.1:9"
MakeConfig = Callable[..., GatewayConfig]


@pytest.fixture
def gateway_config(tmp_path: Path) -> MakeConfig:
    def make(
        rest: str = "",
        *,
        url: str = OFFLINE,
        heartbeat_s: float = 30,
        gateway_id: str = "g1",
        data: str = "data",
        mqtt: str = "",
    ) -> GatewayConfig:
        text = (
            f'[gateway]\nestate_id = "e1"\ngateway_id = "{gateway_id}"\n'
            f'data_dir = "{tmp_path / data}"\nheartbeat_s = {heartbeat_s}\n'
            f'[mqtt]\nurl = "{url}"\n{mqtt}{rest}'
        )
        return parse_config(text, Path("gw.toml"))

    return make


@pytest.fixture
def run_agent() -> Callable[..., list[Queued]]:
    """Start an agent, wait until `n` events are queued (then `settle` s more), stop it,
    and return what is in its queue."""

    def run(agent: Agent, n: int, settle: float = 0.0, timeout: float = 10) -> list[Queued]:
        agent.start()
        try:
            deadline = time.monotonic() + timeout
            while agent.queue.depth() < n and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(settle)
            return agent.queue.after(0, 10_000)
        finally:
            agent.stop()

    return run
