"""A PUBACK saying "no matching subscribers" means nobody stored the event (ingest not
subscribed yet, or a Mosquitto restart that forgot shared subscriptions): the gateway
keeps it and sends it again until someone hears it."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from anju_bench.servers import Mosquitto
from anju_common.mqtt import make_client
from anju_edge.buffer import EventQueue
from anju_edge.publisher import Publisher


def test_unheard_events_are_kept_and_resent(tmp_path: Path, broker: Mosquitto) -> None:
    queue = EventQueue(tmp_path / "q.db", max_events=100)
    pub = Publisher(queue, url=broker.url, estate_id="e1", gateway_id="g1", version="t")
    pub.start()
    try:
        ids = [str(uuid.uuid4()) for _ in range(20)]
        for i in ids:
            queue.put(i, "anju/v1/e1/g1/events/access", i.encode())
        pub.notify()
        deadline = time.monotonic() + 10
        while pub.unheard < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pub.unheard >= 20 and queue.depth() == 20  # nobody listening: all kept

        seen: list[bytes] = []
        sub, target = make_client(broker.url)
        sub.on_message = lambda _c, _u, m: seen.append(m.payload)
        sub.connect(target.host, target.port)
        sub.subscribe("$share/ingest/anju/v1/+/+/events/#", qos=1)
        sub.loop_start()
        deadline = time.monotonic() + 15
        while queue.depth() and time.monotonic() < deadline:
            time.sleep(0.1)
        sub.loop_stop()
        assert queue.depth() == 0
        assert {p.decode() for p in seen} == set(ids)
    finally:
        pub.stop()
        queue.close()
