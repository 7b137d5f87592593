"""The durable queue on its own: order, bound with oldest-first drops, ack, restart."""

from __future__ import annotations

from pathlib import Path

from anju_edge.buffer import EventQueue


def test_order_bound_and_dropped_counter(tmp_path: Path) -> None:
    q = EventQueue(tmp_path / "q.db", max_events=10)
    for i in range(25):
        q.put(f"id-{i}", "t", f"{i}".encode())
    assert q.depth() == 10
    assert q.dropped() == 15
    assert [r.event_id for r in q.after(0, 100)] == [f"id-{i}" for i in range(15, 25)]


def test_same_event_id_is_stored_once(tmp_path: Path) -> None:
    q = EventQueue(tmp_path / "q.db", max_events=10)
    q.put("a", "t", b"1")
    q.put("a", "t", b"1")
    assert q.depth() == 1 and q.dropped() == 0


def test_ack_and_restart(tmp_path: Path) -> None:
    q = EventQueue(tmp_path / "q.db", max_events=100)
    for i in range(5):
        q.put(f"id-{i}", "t", b"x")
    rows = q.after(0, 2)
    q.ack([r.seq for r in rows])
    q.ack([rows[0].seq])  # a late duplicate PUBACK is harmless
    assert q.depth() == 3
    assert [r.event_id for r in q.after(rows[-1].seq, 10)] == ["id-2", "id-3", "id-4"]
    q.close()
    again = EventQueue(tmp_path / "q.db", max_events=100)
    assert again.depth() == 3
    assert [r.event_id for r in again.after(0, 10)] == ["id-2", "id-3", "id-4"]
