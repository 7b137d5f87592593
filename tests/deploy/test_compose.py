"""docker-compose.yml checked without a Docker engine: services, images, health checks,
dependencies, environment from .env.example, and that every file it refers to exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from anju_bench.servers import BROKER_TUNING

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
VAR = re.compile(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}")


def _env_example() -> dict[str, str]:
    out = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def _expand(text: str) -> str:
    env = _env_example()

    def sub(m: re.Match[str]) -> str:
        value = env.get(m.group(1), "")
        return value if value or m.group(2) != ":-" else m.group(3)

    return VAR.sub(sub, text)


def _long_running(name: str) -> bool:
    return SERVICES[name].get("restart") != "no"


def test_services() -> None:
    assert set(SERVICES) == {
        "mqtt-auth",
        "mosquitto",
        "timescaledb",
        "migrate",
        "ingest",
        "platform",
        "grafana",
        "prometheus",
        "simulator",
    }


def _tag(image: str) -> str:
    return _expand(image).rpartition(":")[2]


def test_images_are_pinned() -> None:
    """No `latest` and no bare major: `up` months later runs what was tested."""
    pinned = re.compile(r"v?\d+\.\d+\.\d+(-pg\d+)?")
    for name, service in SERVICES.items():
        tag = _tag(service["image"])
        assert pinned.fullmatch(tag), f"{name}: {service['image']} is not a pinned version"
    assert SERVICES["mosquitto"]["image"].startswith("eclipse-mosquitto:2.0.")
    assert SERVICES["mqtt-auth"]["image"] == SERVICES["mosquitto"]["image"]
    # The PostgreSQL major of the data volume: changing it needs a dump and restore.
    assert SERVICES["timescaledb"]["image"].startswith("timescale/timescaledb:")
    assert _tag(SERVICES["timescaledb"]["image"]).endswith("-pg16")
    # grafana/grafana-oss gets no images after Grafana 12.4: the same images are here.
    assert SERVICES["grafana"]["image"].startswith("grafana/grafana:")
    assert SERVICES["prometheus"]["image"].startswith("prom/prometheus:v3.")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for name in ("migrate", "ingest", "platform", "simulator"):
        assert _expand(SERVICES[name]["image"]) == f"anju:{version}"
        assert SERVICES[name]["build"] == "."


def test_readme_lists_every_service_with_its_image() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, service in SERVICES.items():
        row = f"| `{name}` | {_expand(service['image'])} "
        assert row in readme, f"README's compose table lacks: {row}"


def test_commands() -> None:
    assert SERVICES["migrate"]["command"] == ["db", "migrate"]
    assert SERVICES["ingest"]["command"][0] == "ingest"
    assert SERVICES["platform"]["command"][:2] == ["platform", "serve"]
    assert "8000" in SERVICES["platform"]["command"]
    # The stack has its own ingest and platform; the simulator starts neither, so it
    # never seeds the demo's accounts into this (real) database.
    assert SERVICES["simulator"]["command"][:3] == ["demo", "--no-ingest", "--no-platform"]


def test_ingest_runs_two_replicas_and_simulator_is_optional() -> None:
    assert SERVICES["ingest"]["deploy"]["replicas"] == 2
    assert "ports" not in SERVICES["ingest"]  # replicas cannot share a host port
    assert SERVICES["simulator"]["profiles"] == ["sim"]
    assert all("profiles" not in s for n, s in SERVICES.items() if n != "simulator")


@pytest.mark.parametrize("name", [n for n in SERVICES if SERVICES[n].get("restart") != "no"])
def test_every_long_running_service_has_a_health_check(name: str) -> None:
    check = SERVICES[name].get("healthcheck")
    assert check and check["test"][0] in ("CMD", "CMD-SHELL"), name
    assert {"interval", "timeout", "retries"} <= set(check)


def test_one_shot_services() -> None:
    assert {n for n in SERVICES if not _long_running(n)} == {"mqtt-auth", "migrate"}


def test_dependencies_use_conditions_that_can_be_met() -> None:
    for name, service in SERVICES.items():
        for dep, spec in service.get("depends_on", {}).items():
            assert dep in SERVICES, f"{name} depends on unknown {dep}"
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[dep], f"{dep} has no health check"
            else:
                assert condition == "service_completed_successfully"
                assert not _long_running(dep), f"{dep} never completes"
    assert "migrate" in SERVICES["ingest"]["depends_on"]
    assert "mosquitto" in SERVICES["ingest"]["depends_on"]
    assert "migrate" in SERVICES["platform"]["depends_on"]


def test_environment_comes_from_env_example_and_no_secret_is_committed() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    example = _env_example()
    required = {m.group(1) for m in VAR.finditer(text) if m.group(2) != ":-"}
    assert required <= set(example), f"missing from .env.example: {required - set(example)}"
    for key, value in example.items():
        if re.search("PASSWORD|SECRET", key):
            assert value == "" or value.startswith("change-me"), key
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search("PASSWORD|SECRET|_URL", key):
                assert "${" in str(value) or "$$" in str(value), f"{name}.{key} is literal"
    for name in ("migrate", "ingest", "platform", "simulator"):
        env = SERVICES[name]["environment"]
        assert "@timescaledb:5432/anju" in env["DATABASE_URL"]
    assert "@mosquitto:1884" in SERVICES["ingest"]["environment"]["MQTT_URL"]  # services listener
    assert "anju-ingest:" in SERVICES["ingest"]["environment"]["MQTT_URL"]
    platform = SERVICES["platform"]["environment"]
    assert (
        platform["ANJU_DETECT_REALTIME_ENABLED"] == platform["ANJU_DETECT_DAILY_ENABLED"] == "true"
    )
    # The simulator hashes cards with the same master secret as the platform.
    sim = SERVICES["simulator"]["environment"]
    assert sim["ANJU_CARD_KEY_SECRET"] == platform["ANJU_CARD_KEY_SECRET"]


def _host_paths() -> list[tuple[str, str]]:
    out = []
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = _expand(volume).split(":")[0]
            if source.startswith((".", "/")):
                out.append((name, source))
    return out


def test_every_referenced_file_exists() -> None:
    paths = _host_paths()
    assert len(paths) >= 6
    for name, source in paths:
        assert (ROOT / source).exists(), f"{name} mounts missing {source}"
    assert (ROOT / "Dockerfile").exists()
    named = {_expand(v).split(":")[0] for s in SERVICES.values() for v in s.get("volumes", [])}
    declared = set(COMPOSE["volumes"])
    assert {v for v in named if not v.startswith((".", "/"))} == declared


def test_broker_config_ships_our_tuning_and_authentication() -> None:
    conf = (ROOT / "deploy/mosquitto/mosquitto.conf").read_text()
    lines = {line.strip() for line in conf.splitlines()}
    for line in BROKER_TUNING.strip().splitlines():
        assert line in lines, f"mosquitto.conf lacks `{line}`"
    assert "allow_anonymous false" in lines
    # The files the conf reads are those mqtt-auth writes into the shared volume.
    auth_dir = SERVICES["mqtt-auth"]["entrypoint"][-1]
    assert f"password_file {auth_dir}/passwd" in lines
    assert f"acl_file {auth_dir}/acl" in lines
    assert f"password_file {auth_dir}/services.passwd" in lines
    assert f"acl_file {auth_dir}/services.acl" in lines
    assert {"per_listener_settings true", "use_username_as_clientid true"} <= lines
    mounts = [v.split(":")[1] for v in SERVICES["mosquitto"]["volumes"]]
    assert auth_dir in mounts and "/mosquitto/config/mosquitto.conf" in mounts


def test_grafana_provisioning() -> None:
    prov = ROOT / "deploy/grafana/provisioning"
    ds = yaml.safe_load((prov / "datasources/anju.yaml").read_text())["datasources"][0]
    assert ds["type"] in ("postgres", "grafana-postgresql-datasource")
    assert ds["url"].split(":")[0] == "timescaledb"
    assert ds["jsonData"]["database"] == "anju"
    assert ds["user"] == "grafana_reader"
    assert ds["secureJsonData"]["password"] == "${ANJU_GRAFANA_DB_PASSWORD}"
    provider = yaml.safe_load((prov / "dashboards/anju.yaml").read_text())["providers"][0]
    mounts = dict(v.split(":")[:2] for v in SERVICES["grafana"]["volumes"])
    assert mounts["./dashboards/json"] == provider["options"]["path"]
    prom = yaml.safe_load((prov / "datasources/anju.yaml").read_text())["datasources"][1]
    assert prom["type"] == "prometheus" and prom["url"] == "http://prometheus:9090"
    init = (ROOT / "deploy/timescaledb/10-grafana-reader.sh").read_text()
    assert "grafana_reader" in init and "GRANT SELECT" in init


def test_prometheus_scrapes_every_ingest_replica() -> None:
    conf = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    (job,) = conf["scrape_configs"]
    (sd,) = job["dns_sd_configs"]
    assert sd["names"] == ["ingest"] and sd["type"] == "A"
    assert str(sd["port"]) == SERVICES["ingest"]["environment"]["ANJU_INGEST_METRICS_PORT"]
    assert SERVICES["ingest"]["environment"]["ANJU_INGEST_METRICS_HOST"] == "0.0.0.0"
    mounts = dict(v.split(":")[:2] for v in SERVICES["prometheus"]["volumes"])
    assert mounts["./deploy/prometheus/prometheus.yml"] in " ".join(
        SERVICES["prometheus"]["command"]
    )


def test_dockerfile_installs_the_server_extra_from_every_package() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "\nFROM python:3.11-slim\n" in text
    assert 'pip install ".[server]"' in text
    assert "USER anju" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    for top in {p.split("/")[0] for p in packages}:
        assert f"COPY {top} ./{top}" in text, top
    assert 'ENTRYPOINT ["anju"]' in text


@pytest.mark.parametrize("name", ["migrate", "ingest", "platform", "simulator"])
def test_anju_commands_in_compose_exist_with_their_options(name: str) -> None:
    """`anju <command> <options> --help` parses: the command and its options exist."""
    from typer.testing import CliRunner

    from anju_cli.main import app

    result = CliRunner().invoke(app, [*SERVICES[name]["command"], "--help"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_the_simulator_profile_seeds_no_accounts(pg_url: str, broker: Any, tmp_path: Path) -> None:
    """The compose simulator's own command, run against a database like the stack's
    (migrated, its own admin): the simulated register arrives, no demo account does."""
    import os
    import subprocess
    import sys

    import psycopg

    from anju_platform.access import Role
    from anju_platform.repo import users

    with psycopg.connect(pg_url) as conn, conn.transaction():
        users.create_user(conn, "ops-admin", "Ops", Role.ADMIN, "not-a-real-hash")
    argv = list(SERVICES["simulator"]["command"])
    argv[argv.index("--data-dir") + 1] = str(tmp_path / "demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANJU_", "DATABASE_"))}
    env |= {"DATABASE_URL": pg_url, "MQTT_URL": broker.url}
    done = subprocess.run(
        [sys.executable, "-m", "anju_cli.main", *argv, "--duration", "5"],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with psycopg.connect(pg_url) as conn:
        accounts = [r[0] for r in conn.execute("SELECT user_id FROM users ORDER BY 1")]
        estates = conn.execute("SELECT count(*) FROM estates").fetchone()
    assert accounts == ["ops-admin"]
    assert estates is not None and estates[0] >= 1
    assert "Logins" not in done.stdout
