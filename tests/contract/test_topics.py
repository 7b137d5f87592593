"""Topic names: build and parse agree, foreign topics are refused."""

from __future__ import annotations

import pytest

from anju_common.events import MODELS
from anju_common.topics import (
    INGEST_FILTERS,
    PREFIX,
    TopicInfo,
    event_topic,
    gateway_prefix,
    parse_topic,
    shared,
    status_topic,
)


@pytest.mark.parametrize("kind", list(MODELS))
def test_build_then_parse(kind: str) -> None:
    topic = event_topic("xy-01", "gw-1", kind)
    assert topic.startswith(gateway_prefix("xy-01", "gw-1"))
    assert parse_topic(topic) == TopicInfo("xy-01", "gw-1", kind)


def test_live_events_have_their_own_subtree() -> None:
    assert event_topic("e", "g", "access") == f"{PREFIX}/e/g/events/access"
    assert event_topic("e", "g", "heartbeat") == f"{PREFIX}/e/g/heartbeat"
    assert status_topic("e", "g") == event_topic("e", "g", "status") == "anju/v1/e/g/status"


def test_unknown_kind_has_no_topic() -> None:
    with pytest.raises(ValueError):
        event_topic("e", "g", "door")


@pytest.mark.parametrize(
    "topic",
    [
        "anju/v2/e/g/events/access",
        "other/v1/e/g/events/access",
        "anju/v1/e/g/events/door",
        "anju/v1/e/g/events/access/extra",
        "anju/v1/e/g/access",
        "anju/v1/e/g/events",
        "anju/v1/e/g",
        "anju/v1/e/g/batch/x",
        "",
    ],
)
def test_foreign_topics_parse_to_none(topic: str) -> None:
    assert parse_topic(topic) is None


def test_ingest_filters_cover_every_kind_and_share() -> None:
    import re

    def matches(filter_: str, topic: str) -> bool:
        pattern = "^" + re.escape(filter_).replace(r"\+", "[^/]+").replace(r"\#", ".*") + "$"
        return re.match(pattern, topic) is not None

    for kind in MODELS:
        topic = event_topic("xy-01", "gw-1", kind)
        assert sum(matches(f, topic) for f in INGEST_FILTERS) == 1, topic
    assert shared(INGEST_FILTERS[0]) == f"$share/anju-ingest/{INGEST_FILTERS[0]}"
    assert shared("a/b", "grp") == "$share/grp/a/b"
