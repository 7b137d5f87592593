"""The estate overview updates live: an access event published over MQTT goes through a
real `anju ingest` into the database and appears in the manager's feed without a reload;
a new alert shows up in the counts and the notifications; gateway state follows."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import psycopg
from console_kit import login, say, seed_alert, shot, shot_language
from platform_live import Live
from playwright.sync_api import Page, expect

from anju_bench.servers import Mosquitto, ingest_env, running_ingest
from anju_common.events import (
    AccessEvent,
    CredentialType,
    Direction,
    GatewayState,
    GatewayStatus,
    dump_event,
)
from anju_common.mqtt import make_client
from anju_common.topics import event_topic


class Publisher:
    """QoS 1 publisher."""

    def __init__(self, url: str) -> None:
        self.client, target = make_client(url)
        self.client.connect(target.host, target.port, keepalive=10)
        self.client.loop_start()

    def send(self, event: AccessEvent | GatewayStatus) -> None:
        topic = event_topic(event.estate_id, event.gateway_id, event.kind)
        self.client.publish(topic, dump_event(event), qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def access(door: str) -> AccessEvent:
    return AccessEvent(
        event_id=uuid.uuid4(),
        time=datetime.now(UTC),
        estate_id="E1",
        gateway_id="GW1",
        device_id="D1",
        door_id=door,
        direction=Direction.IN,
        credential_type=CredentialType.CARD,
        credential_ref="ab" * 32,
        granted=True,
    )


def stored(db: str, event_id: uuid.UUID) -> bool:
    with psycopg.connect(db) as conn:
        row = conn.execute("SELECT 1 FROM events WHERE event_id = %s", (event_id,)).fetchone()
    return row is not None


def test_overview_updates_live(page: Page, live: Live, broker: Mosquitto) -> None:
    # A private broker: on the shared one, another run's E1/GW1 (a parallel worker,
    # another checkout's tests) would reach this ingest and could flip GW1's state.
    pub = Publisher(broker.url)
    try:
        with running_ingest(ingest_env(live.db, broker.url)):
            # Ingest subscribes asynchronously: probe until it stores (before the page
            # opens, so the probes are not part of the feed under test).
            deadline = time.monotonic() + 60
            while True:
                probe = access("probe")
                pub.send(probe)
                time.sleep(0.5)
                if stored(live.db, probe.event_id):
                    break
                assert time.monotonic() < deadline, "ingest never stored an event"
            page.goto("/")
            shot_language(page)
            login(page, "manager")
            page.goto("/#/overview")
            expect(page.get_by_test_id("stream-state")).to_have_text(say("stream.live"))
            expect(page.locator("[data-gateway=GW1]")).to_be_visible()
            # The stream counts events from its first poll on, which may come a moment
            # after the headers: publish until one of ours shows up (each is a new event).
            item = None
            deadline = time.monotonic() + 45
            while item is None:
                assert time.monotonic() < deadline, "no published event reached the feed"
                event = access("main")
                pub.send(event)
                found = page.locator(f"[data-testid=feed] [data-event-id='{event.event_id}']")
                try:
                    expect(found).to_be_visible(timeout=3_000)
                    item = found
                except AssertionError:
                    continue
            expect(item).to_contain_text(say("event.access"))
            expect(item).to_contain_text("1栋2单元 门禁")  # the door by its place
            assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
            # The gateway reports offline: the health table follows.
            pub.send(
                GatewayStatus(
                    event_id=uuid.uuid4(),
                    time=datetime.now(UTC),
                    estate_id="E1",
                    gateway_id="GW1",
                    device_id="GW1",
                    state=GatewayState.OFFLINE,
                )
            )
            expect(page.locator("[data-gateway=GW1]")).to_contain_text(
                say("gwstate.offline"), timeout=30_000
            )
        # A new alert: notification pushed, counts reloaded, still no reload of the page.
        seed_alert(live.db, 501, "U1", "G1", "card_clone", 0.9)
        notes = page.get_by_test_id("notifications")
        expect(notes.locator("[data-kind='alert.opened']")).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("open-by-type")).to_contain_text(say("type.card_clone"))
        expect(page.get_by_test_id("stream-state")).to_have_text(say("stream.live"))
        shot(page, "overview")
    finally:
        pub.close()
