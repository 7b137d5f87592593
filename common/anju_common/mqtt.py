"""Making a paho client the same way everywhere (MQTT v5, credentials, TLS).

Only public paho API here. The ingest's high-rate receive path, which relies on paho
internals, lives in anju_ingest.receive."""

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
    protocol: int = 5,
    client_class: type[mqtt.Client] = mqtt.Client,
) -> tuple[mqtt.Client, MqttTarget]:
    """protocol 5 = MQTT v5 (default); 4 = MQTT 3.1.1 with a persistent session, for
    brokers without v5 (the embedded demo broker). client_class: a paho Client subclass
    (the ingest's receive path)."""
    target = parse_mqtt_url(url)
    v5 = protocol == 5
    client = client_class(
        CallbackAPIVersion.VERSION2,
        client_id=client_id or f"anju-{uuid.uuid4().hex[:12]}",
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        clean_session=None if v5 else False,
        manual_ack=manual_ack,
    )
    if target.username:
        client.username_pw_set(target.username, target.password)
    if target.tls:
        client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
    return client, target
