"""Settings: URL parsing, and the environment names the README documents."""

from __future__ import annotations

import pytest

from anju_common.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_MQTT_URL,
    DatabaseSettings,
    MqttSettings,
    MqttTarget,
    parse_mqtt_url,
)


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("mqtt://127.0.0.1:1883", MqttTarget("127.0.0.1", 1883, None, None, False)),
        ("mqtt://broker", MqttTarget("broker", 1883, None, None, False)),
        ("mqtts://broker", MqttTarget("broker", 8883, None, None, True)),
        ("ssl://broker:9999", MqttTarget("broker", 9999, None, None, True)),
        ("tcp://u:p@h:1", MqttTarget("h", 1, "u", "p", False)),
        (
            "mqtt://gw-b1:p%40ss%2Fw%3Ard@mosquitto:1883",
            MqttTarget("mosquitto", 1883, "gw-b1", "p@ss/w:rd", False),
        ),
        ("mqtt://anju-ingest@mosquitto", MqttTarget("mosquitto", 1883, "anju-ingest", None, False)),
    ],
)
def test_parse_mqtt_url(url: str, target: MqttTarget) -> None:
    assert parse_mqtt_url(url) == target


@pytest.mark.parametrize("url", ["http://broker", "broker:1883", "postgresql://x"])
def test_parse_mqtt_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="mqtt://"):
        parse_mqtt_url(url)


def test_defaults_point_at_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "ANJU_DB_URL", "MQTT_URL", "ANJU_MQTT_URL"):
        monkeypatch.delenv(name, raising=False)
    assert DatabaseSettings().url == DEFAULT_DATABASE_URL
    assert MqttSettings().url == DEFAULT_MQTT_URL
    assert parse_mqtt_url(DEFAULT_MQTT_URL).port == 1883


def test_plain_and_prefixed_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://a@db:5432/anju")
    monkeypatch.setenv("MQTT_URL", "mqtt://broker:1884")
    monkeypatch.setenv("ANJU_DB_POOL_SIZE", "9")
    monkeypatch.setenv("ANJU_DB_RETENTION_DAYS", "30")
    monkeypatch.setenv("ANJU_MQTT_CLIENT_ID", "gw-b1")
    db, mq = DatabaseSettings(), MqttSettings()
    assert (db.url, db.pool_size, db.retention_days) == ("postgresql://a@db:5432/anju", 9, 30)
    assert (mq.url, mq.client_id) == ("mqtt://broker:1884", "gw-b1")
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("ANJU_DB_URL", "postgresql://b@db/anju")
    assert DatabaseSettings().url == "postgresql://b@db/anju"


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANJU_DB_RETENTION_DAYS", "1")
    with pytest.raises(ValueError):
        DatabaseSettings()
