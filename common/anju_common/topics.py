"""MQTT topic names. Everything lives under a versioned prefix with estate and gateway.

    anju/v1/{estate}/{gateway}/events/{kind}   one event (kind: access, face, qr)
    anju/v1/{estate}/{gateway}/batch           an EventBatch (backlog drain)
    anju/v1/{estate}/{gateway}/heartbeat       Heartbeat
    anju/v1/{estate}/{gateway}/status          GatewayStatus, retained; also the last will

A gateway's broker ACL grants it write access to anju/v1/{estate}/{gateway}/# only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

PREFIX = "anju/v1"
INGEST_GROUP = "anju-ingest"
LIVE_KINDS = ("access", "face", "qr")


def event_topic(estate_id: str, gateway_id: str, kind: str) -> str:
    if kind in LIVE_KINDS:
        return f"{PREFIX}/{estate_id}/{gateway_id}/events/{kind}"
    if kind in ("heartbeat", "status", "batch"):
        return f"{PREFIX}/{estate_id}/{gateway_id}/{kind}"
    raise ValueError(f"no topic for kind {kind!r}")


def status_topic(estate_id: str, gateway_id: str) -> str:
    return f"{PREFIX}/{estate_id}/{gateway_id}/status"


def gateway_prefix(estate_id: str, gateway_id: str) -> str:
    return f"{PREFIX}/{estate_id}/{gateway_id}/"


# What ingest subscribes to; `$share/<group>/` is added so N workers split the load.
# Everything under the prefix, not just the topics above: a message on a malformed
# topic (`anju/v1/E1/GW1`, `.../events/access/extra`) must reach ingest to be
# dead-lettered as `unknown_topic`, instead of vanishing at the broker.
INGEST_FILTERS = (f"{PREFIX}/#",)


def shared(filter_: str, group: str = INGEST_GROUP) -> str:
    return f"$share/{group}/{filter_}"


class TopicInfo(NamedTuple):  # a tuple: cheap to build, and cached below
    estate_id: str
    gateway_id: str
    kind: str  # access | face | qr | batch | heartbeat | status


@lru_cache(maxsize=8192)  # a gateway uses a handful of topics, every few milliseconds
def parse_topic(topic: str) -> TopicInfo | None:
    """Split a topic into estate, gateway and kind; None if it is not ours."""
    parts = topic.split("/")
    if len(parts) < 5 or parts[0] != "anju" or parts[1] != "v1":
        return None
    estate, gateway = parts[2], parts[3]
    if len(parts) == 6 and parts[4] == "events" and parts[5] in LIVE_KINDS:
        return TopicInfo(estate, gateway, parts[5])
    if len(parts) == 5 and parts[4] in ("batch", "heartbeat", "status"):
        return TopicInfo(estate, gateway, parts[4])
    return None
