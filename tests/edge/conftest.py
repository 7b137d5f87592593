"""Edge test helpers: a gateway config for e1/g1 with a data dir and broker URL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
