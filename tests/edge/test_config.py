"""Gateway config: the shipped example validates; mistakes give one clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from anju_edge.config import ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gateway.toml"
MINIMAL = '[gateway]\nestate_id = "e1"\ngateway_id = "g1"\n'


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as exc:
        parse_config(text, Path("gw.toml"))
    return str(exc.value)


def test_example_config_is_valid() -> None:
    cfg = load_config(EXAMPLE)
    assert cfg.faces.tolerance == 0.6
    assert [d.kind for d in cfg.doors] == ["webhook", "lines"]


def test_typo_in_optional_key_is_one_error_naming_it() -> None:
    msg = error_of(MINIMAL + "[faces]\ntolerence = 0.5\n")
    assert msg == "gw.toml: faces.tolerence: unknown key (did you mean 'tolerance'?)"


def test_typo_in_required_key_is_not_also_reported_missing() -> None:
    msg = error_of('[gateway]\nestate_idd = "e1"\ngateway_id = "g1"\n')
    assert msg == "gw.toml: gateway.estate_idd: unknown key (did you mean 'estate_id'?)"


def test_typo_inside_a_list_of_tables() -> None:
    msg = error_of(MINIMAL + '[[doors]]\nkind = "lines"\nid = "r1"\ndoorid = "d"\npath = "-"\n')
    assert msg == "gw.toml: doors[0].doorid: unknown key (did you mean 'door_id'?)"


def test_bad_values_name_the_key() -> None:
    assert error_of(MINIMAL + "[faces]\ntolerance = -1\n").startswith("gw.toml: faces.tolerance:")
    assert "cameras[0].id" in error_of(MINIMAL + '[[cameras]]\nid = "a/b"\nsource = "0"\n')
    assert "not valid TOML" in error_of("[gateway\n")
    dup = MINIMAL + '[[cameras]]\nid = "x"\nsource = "0"\n[[cameras]]\nid = "x"\nsource = "1"\n'
    assert "repeated: x" in error_of(dup)


def test_cli_check(tmp_path: Path) -> None:
    bad = tmp_path / "gateway.toml"
    bad.write_text(MINIMAL + "[mqtt]\nurll = 'mqtt://x'\n")
    cmd = [sys.executable, "-m", "anju_cli.main", "edge", "check", "--config"]
    res = subprocess.run([*cmd, str(bad)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert res.stderr.strip() == f"{bad}: mqtt.urll: unknown key (did you mean 'url'?)"
    ok = subprocess.run([*cmd, str(EXAMPLE)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "ok - gateway estate-01/gw-b3, 1 camera(s), 2 door adapter(s)" in ok.stdout


def test_docs_describe_every_key() -> None:
    from anju_edge import config as c

    docs = (EXAMPLE.parents[1] / "docs" / "edge.md").read_text()
    sections = [c.GatewaySection, c.MqttSection, c.BufferSection, c.FacesSection]
    sections += [c.GallerySection, c.SnapshotsSection, c.QrSection, c.CameraConfig]
    sections += [c.WebhookDoor, c.LinesDoor, c.SimulatedDoor, c.QrScannerConfig]
    missing = [
        f"{m.__name__}.{k}" for m in sections for k in m.model_fields if f"`{k}`" not in docs
    ]
    assert not missing
