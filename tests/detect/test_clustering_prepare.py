"""Clusterer.prepare (a day's sightings against the leaders in one go) must decide
exactly as measuring each sighting alone: same cluster ids, same float32 distances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from anju_platform.detect.clustering import Clusterer


def _sightings(
    seed: int, days: int, per_day: int, scale: float = 1.0
) -> list[list[tuple[str, str, np.ndarray]]]:
    """Faces of a few dozen people per gateway, spread so that many sightings lie near
    the 0.6 threshold of their own and other people's leaders."""
    rng = np.random.default_rng(seed)
    people = rng.normal(0, 0.045, (40, 128))
    out = []
    for day in range(days):
        rows = []
        for k in range(per_day):
            person = people[rng.integers(len(people))]
            vec = (scale * (person + rng.normal(0, 0.036, 128))).astype("<f4")
            rows.append((f"g{k % 3}", f"{day:04d}{k:04d}-0000-0000-0000-000000000000", vec))
        out.append(rows)
    return out


def _run(
    days: list[list[tuple[str, str, np.ndarray]]], prepared: bool, scale: float = 1.0
) -> list[str]:
    clusters = Clusterer(0.6 * scale)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for d, rows in enumerate(days):
        if prepared:
            clusters.prepare(rows)
        for k, (gateway, event_id, vec) in enumerate(rows):
            at = start + timedelta(days=d, seconds=k)
            ids.append(clusters.assign(gateway, event_id, at, vec))
    return ids


@pytest.mark.parametrize("scale", [1.0, 30.0])  # 30: embeddings of norm ~15, not ~0.5
def test_prepared_days_give_the_same_clusters_as_one_sighting_at_a_time(scale: float) -> None:
    days = _sightings(7, days=12, per_day=60, scale=scale)
    alone, prepared = _run(days, False, scale), _run(days, True, scale)
    assert prepared == alone
    assert 40 < len(set(alone)) < len(alone)  # joined, and split near the threshold


def test_prepared_distances_are_the_one_sighting_float32_distances() -> None:
    days = _sightings(11, days=3, per_day=80)
    clusters = Clusterer(0.6)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for k, (gateway, event_id, vec) in enumerate(days[0]):
        clusters.assign(gateway, event_id, start + timedelta(seconds=k), vec)
    clusters.prepare(days[1])
    checked = 0
    for gateway, event_id, vec in days[1]:
        got = clusters.pre[event_id]
        leaders, n, rows, distances = got.leaders, got.n, got.rows, got.dists
        assert leaders is clusters.by_gateway[gateway] and n == len(leaders.ids)
        alone = np.sqrt(((leaders.buf[rows] - vec[None, :]) ** 2).sum(axis=1))
        assert np.array(distances, dtype=np.float32).tobytes() == alone.tobytes()
        checked += len(rows)
    assert checked > 20


def _every_leader(days: list[list[tuple[str, str, np.ndarray]]], threshold: float) -> list[str]:
    """The rule itself, every leader measured: the nearest four by distance (ties by
    age), the first of them closer than the threshold and first seen by the sighting."""
    leaders: dict[str, list[tuple[str, datetime, np.ndarray]]] = {}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for d, rows in enumerate(days):
        for k, (gateway, event_id, vec) in enumerate(rows):
            at = start + timedelta(days=d, seconds=-k if k % 5 == 0 else k)
            own = "u-" + event_id.replace("-", "")[:12]
            got = leaders.setdefault(gateway, [])
            dist = [float(np.sqrt(((lv.astype(np.float32) - vec) ** 2).sum())) for _, _, lv in got]
            order = sorted(range(len(got)), key=lambda i: (dist[i], i))[:4]
            hit = next((got[i][0] for i in order if dist[i] < threshold and got[i][1] <= at), None)
            if hit is None:
                got.append((own, at, vec))
            ids.append(hit or own)
    return ids


def test_prepared_days_decide_as_every_leader_measured() -> None:
    """Sightings out of time order (a leader first seen after a sighting does not count),
    leaders made during the day read from prepare()'s own distances."""
    days = _sightings(5, days=8, per_day=90)
    clusters = Clusterer(0.6)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for d, rows in enumerate(days):
        clusters.prepare(rows)
        for k, (gateway, event_id, vec) in enumerate(rows):
            at = start + timedelta(days=d, seconds=-k if k % 5 == 0 else k)
            ids.append(clusters.assign(gateway, event_id, at, vec))
    assert ids == _every_leader(days, 0.6)
    assert 40 < len(set(ids)) < len(ids)


@pytest.mark.parametrize("skip", [7, 2])
def test_sightings_left_out_of_prepare_decide_as_every_leader_measured(skip: int) -> None:
    """A day's sightings that prepare() was not given (a recognised face the calibration
    rejects becomes an unknown one while the day resolves) make leaders too: the prepared
    sightings after them must still be measured against those leaders."""
    days = _sightings(9, days=6, per_day=90)
    clusters = Clusterer(0.6)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for d, rows in enumerate(days):
        clusters.prepare([row for k, row in enumerate(rows) if k % skip])
        for k, (gateway, event_id, vec) in enumerate(rows):
            at = start + timedelta(days=d, seconds=-k if k % 5 == 0 else k)
            ids.append(clusters.assign(gateway, event_id, at, vec))
    assert ids == _every_leader(days, 0.6)
    assert 40 < len(set(ids)) < len(ids)
