"""Realistic event payloads, fast: byte templates filled per event.

The mix follows an estate entrance: mostly card/QR door events, face sightings
(a fifth of them unknown, carrying a 128-d embedding), some visitor QR scans.
Each payload is valid against the contract (a test checks that).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator

ESTATE = "bench"


def gateways(n: int) -> list[str]:
    return [f"gw{i:02d}" for i in range(n)]


def _iso(t: float) -> bytes:
    sec = int(t)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)).encode() + b".%06d+00:00" % int(
        (t - sec) * 1e6
    )


def _uuid() -> bytes:
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}".encode()


class Templates:
    def __init__(self, seed: int = 7) -> None:
        rnd = random.Random(seed)
        self.rnd = rnd
        self.cards = [os.urandom(32).hex().encode() for _ in range(500)]
        self.persons = [f"p{i:05d}".encode() for i in range(500)]
        emb = ",".join(f"{rnd.uniform(-0.2, 0.2):.4f}" for _ in range(128))
        self.embedding = emb.encode()

    def event(self, gateway: bytes, t: float) -> tuple[bytes, bytes]:
        """(kind, JSON payload) for one event at wall time t."""
        r = self.rnd.random()
        head = b'{"event_id":"%s","time":"%s","estate_id":"%s","gateway_id":"%s",' % (
            _uuid(),
            _iso(t),
            ESTATE.encode(),
            gateway,
        )
        if r < 0.6:
            card = self.cards[self.rnd.randrange(len(self.cards))]
            granted = r < 0.58
            tail = (
                b'"device_id":"door-1","kind":"access","door_id":"%s-d1","direction":"%s",'
                b'"credential_type":"card","credential_ref":"%s","granted":%s}'
                % (
                    gateway,
                    b"in" if r < 0.3 else b"out",
                    card,
                    b"true" if granted else b'false,"reason":"unknown_credential"',
                )
            )
            return b"access", head + tail
        if r < 0.9:
            track = b"%d" % self.rnd.randrange(1 << 30)
            if r < 0.84:
                person = self.persons[self.rnd.randrange(len(self.persons))]
                tail = (
                    b'"device_id":"cam-1","kind":"face","track_id":"%s","person_id":"%s",'
                    b'"distance":0.41,"quality":0.83,"direction":"in"}' % (track, person)
                )
            else:
                tail = (
                    b'"device_id":"cam-1","kind":"face","track_id":"%s","distance":0.78,'
                    b'"quality":0.66,"direction":"in","embedding":[%s]}' % (track, self.embedding)
                )
            return b"face", head + tail
        tail = (
            b'"device_id":"qr-1","kind":"qr","purpose":"visitor_pass","result":"valid",'
            b'"pass_id":"%s","unit_id":"u%d"}'
            % (os.urandom(6).hex().encode(), self.rnd.randrange(900))
        )
        return b"qr", head + tail


def messages(
    n_events: int, gateway_ids: list[str], batch: int, templates: Templates
) -> Iterator[tuple[bytes, bytes, int]]:
    """(topic, payload, events in it), built just in time so event time = publish time."""
    gws = [g.encode() for g in gateway_ids]
    prefix = b"anju/v1/" + ESTATE.encode() + b"/"
    sent = 0
    i = 0
    while sent < n_events:
        gw = gws[i % len(gws)]
        i += 1
        k = min(batch, n_events - sent)
        now = time.time()
        if batch == 1:
            kind, payload = templates.event(gw, now)
            yield prefix + gw + b"/events/" + kind, payload, 1
        else:
            body = b",".join(templates.event(gw, now)[1] for _ in range(k))
            payload = b'{"kind":"batch","estate_id":"%s","gateway_id":"%s","events":[%s]}' % (
                ESTATE.encode(),
                gw,
                body,
            )
            yield prefix + gw + b"/batch", payload, k
        sent += k
