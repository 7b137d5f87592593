"""Making a paho client the same way everywhere (MQTT v5, credentials, TLS)."""

from __future__ import annotations

import ssl
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from anju_common.settings import MqttTarget, parse_mqtt_url


def make_client(
    url: str,
    client_id: str | None = None,
    *,
    ca_file: str | None = None,
    manual_ack: bool = False,
) -> tuple[mqtt.Client, MqttTarget]:
    target = parse_mqtt_url(url)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id or f"anju-{uuid.uuid4().hex[:12]}",
        protocol=mqtt.MQTTv5,
        manual_ack=manual_ack,
    )
    if target.username:
        client.username_pw_set(target.username, target.password)
    if target.tls:
        client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
    return client, target
