"""Snapshot upload: the decision table, the durable queue, and real uploads to a live
platform (stored and served to the manager; a platform down at first; an erased person;
the whole agent from camera frames to the console's thumbnail)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
import uvicorn

from anju_bench.edge import background, default_walkers, entrance_frames, head_crop, write_folder
from anju_bench.servers import free_port
from anju_common.events import FaceSighting, parse_event
from anju_edge.agent import Agent
from anju_edge.config import ConfigError, GatewayConfig
from anju_edge.snapshot_upload import (
    SnapshotUploader,
    UploadQueue,
    decide,
    make_uploader,
    retry_delay,
    target_url,
    upload_base,
    upload_enabled,
)
from anju_edge.snapshots import SnapshotStore
from tests.waiting import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
from platform_live import Live, live_server

from anju_platform.app import create_app

TAKEN = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


# -- pure parts ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "action"),
    [
        (None, "retry"),
        (200, "done"),
        (201, "done"),
        (410, "erased"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (400, "drop"),
        (401, "retry"),  # a replaced token: wait for the new one
        (403, "drop"),
        (404, "drop"),
        (409, "drop"),
        (413, "drop"),
        (415, "drop"),
        (422, "drop"),
        (301, "retry"),
    ],
)
def test_decide(status: int | None, action: str) -> None:
    assert decide(status) == action


def test_retry_delay_backs_off_and_honours_retry_after() -> None:
    assert [retry_delay(n, cap_s=10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert retry_delay(5, retry_after=3) == 3
    assert retry_delay(1, retry_after=900, cap_s=300) == 300


def test_upload_base_and_switch() -> None:
    gallery = "https://p.example/api/v1/gateways/gw-b3/gallery"
    assert upload_base(None, gallery) == "https://p.example/api/v1/gateways/gw-b3/snapshots"
    assert upload_base("https://x/up/", gallery) == "https://x/up"
    assert upload_base(None, "https://cdn.example/gallery.json") is None
    assert upload_base(None, None) is None
    assert upload_enabled(None, "https://x", "tok") == (True, None)
    assert upload_enabled(None, None, "tok") == (False, None)  # default: quietly off
    assert upload_enabled(None, "https://x", None) == (False, None)
    assert upload_enabled(False, "https://x", "tok") == (False, None)
    on, problem = upload_enabled(True, "https://x", None)
    assert not on and problem and "gateway token" in problem
    url = target_url("https://x/s", "e-1", TAKEN.isoformat(), None)
    assert url == "https://x/s/e-1?taken_at=2026-11-22T03%3A00%3A00%2B00%3A00"
    assert target_url("https://x/s", "e-1", "t", "P 1").endswith("?taken_at=t&person_id=P+1")


def test_config_switch(
    gateway_config: Callable[..., GatewayConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    gallery = '[gallery]\nurl = "http://127.0.0.1:9/api/v1/gateways/g1/gallery"\n'
    monkeypatch.delenv("ANJU_EDGE_GALLERY_TOKEN", raising=False)
    assert make_uploader(gateway_config(gallery + "[snapshots]\nenabled = true\n")) is None
    with pytest.raises(ConfigError, match="ANJU_EDGE_GALLERY_TOKEN"):
        make_uploader(gateway_config(gallery + "[snapshots]\nenabled = true\nupload = true\n"))
    monkeypatch.setenv("ANJU_EDGE_GALLERY_TOKEN", "gw_x")
    up = make_uploader(gateway_config(gallery + "[snapshots]\nenabled = true\n"))
    assert up is not None and up.base_url == "http://127.0.0.1:9/api/v1/gateways/g1/snapshots"
    up.queue.close()
    off = "[snapshots]\nenabled = true\nupload = false\n"
    assert make_uploader(gateway_config(gallery + off)) is None
    assert make_uploader(gateway_config(gallery)) is None  # nothing saved, nothing to send


def test_queue_survives_restart_and_missing_files_are_dropped(tmp_path: Path) -> None:
    q = UploadQueue(tmp_path / "uploads.db")
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff jpeg")
    q.add("a", tmp_path / "a.jpg", TAKEN.isoformat(), None)
    q.add("a", tmp_path / "a.jpg", TAKEN.isoformat(), None)  # once
    q.add("b", tmp_path / "gone.jpg", TAKEN.isoformat(), "P1")
    q.later("a", 1, time.time() + 3600)
    q.close()
    q = UploadQueue(tmp_path / "uploads.db")
    assert [(p.event_id, p.person_id, p.attempts) for p in q.pending()] == [
        ("a", None, 1),
        ("b", "P1", 0),
    ]
    item = q.next_due(time.time())
    assert item is not None and item.event_id == "b"  # "a" waits for its backoff
    up = SnapshotUploader(q, base_url="http://127.0.0.1:9/x", token="t")
    assert up.step(item) == "drop"  # purged locally before it went: nothing to send
    assert [p.event_id for p in q.pending()] == ["a"] and up.stats.dropped == 1
    assert q.next_due(time.time()) is None
    q.close()


# -- against a live platform -------------------------------------------------------
def face_jpeg(faces_dir: Path, store: SnapshotStore, name: str, photo: str) -> Path:
    """A real face crop written the way the gateway writes it."""
    store.save(name, head_crop(faces_dir / photo))
    path = store.folder / f"{name}.jpg"
    assert path.read_bytes()[:3] == b"\xff\xd8\xff"
    return path


def gateway_token(live: Live) -> str:
    with live.client("admin") as c:
        r = c.post("/api/v1/gateways/GW1/token")
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def event_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def test_uploads_reach_the_platform(pg_url: str, tmp_path: Path, faces_dir: Path) -> None:
    store = SnapshotStore(tmp_path / "snaps", retention_days=7, max_px=160, quality=80)
    stranger = face_jpeg(faces_dir, store, event_id(1), "_unknown/lin_manuel_miranda.png")
    resident = face_jpeg(faces_dir, store, event_id(2), "obama/2.jpg")
    with live_server(pg_url, tmp_path / "platform") as live:
        base = f"{live.url}/api/v1/gateways/GW1/snapshots"
        q = UploadQueue(tmp_path / "uploads.db")
        up = SnapshotUploader(q, base_url=base, token=gateway_token(live), max_backoff_s=0.2)
        up.add(event_id(1), stranger, TAKEN, None)
        up.start()
        try:
            wait_for(lambda: up.stats.sent == 1 and not q.pending(), 30)
            with live.client("manager") as c:
                r = c.get(f"/api/v1/snapshots/{event_id(1)}")
            assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
            assert r.content == stranger.read_bytes()
            assert stranger.exists()  # sent is not deleted: local retention decides

            up.add(event_id(1), stranger, TAKEN, None)  # the same bytes again: 200, done
            wait_for(lambda: up.stats.sent == 2 and not q.pending(), 30)

            # other bytes for a stored event: 409, dropped, the local file stays
            other = store.folder / "other.jpg"
            other.write_bytes(resident.read_bytes())
            up.add(event_id(1), other, TAKEN, None)
            wait_for(lambda: up.stats.dropped == 1 and not q.pending(), 30)
            assert other.exists()

            # the person is erased: 410, dropped, and the gateway's copy deleted too
            with live.client("admin") as c:
                r = c.post("/api/v1/persons/P1/erase", json={"reason": "request"})
            assert r.status_code == 200, r.text
            up.add(event_id(2), resident, TAKEN, "P1")
            wait_for(lambda: up.stats.erased == 1 and not q.pending(), 30)
            assert not resident.exists() and stranger.exists()
            with live.client("admin") as c:
                assert c.get(f"/api/v1/snapshots/{event_id(2)}").status_code == 404
            assert up.stats.sent == 2 and up.stats.failures == 0
        finally:
            up.stop()
            q.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Live, int], None]]:
    """Start another real platform server on a given port (same settings, same DB)."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(live: Live, port: int) -> None:
        app = create_app(live.settings, database_url=live.db)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        wait_for(lambda: server.started, 20)

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


def test_platform_down_at_first(
    pg_url: str, tmp_path: Path, faces_dir: Path, serve: Callable[[Live, int], None]
) -> None:
    store = SnapshotStore(tmp_path / "snaps", retention_days=7, max_px=160, quality=80)
    jpg = face_jpeg(faces_dir, store, event_id(3), "_unknown/lin_manuel_miranda.png")
    with live_server(pg_url, tmp_path / "platform") as live:  # issue the token, then stop
        token = gateway_token(live)
    port = free_port()
    q = UploadQueue(tmp_path / "uploads.db")
    base = f"http://127.0.0.1:{port}/api/v1/gateways/GW1/snapshots"
    up = SnapshotUploader(q, base_url=base, token=token, max_backoff_s=0.3)
    up.add(event_id(3), jpg, TAKEN, None)
    up.start()
    try:
        wait_for(lambda: up.stats.failures >= 3, 30)  # nothing listens: refused, retried
        assert [p.event_id for p in q.pending()] == [event_id(3)]
        assert up.last_error and up.last_error.startswith("network")
        serve(live, port)  # the platform comes up
        wait_for(lambda: up.stats.sent == 1 and not q.pending(), 30)
    finally:
        up.stop()
        q.close()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
        r = c.get(
            f"/api/v1/snapshots/{event_id(3)}",
            headers={"Authorization": f"Bearer {live.tokens['manager']}"},
        )
    assert r.status_code == 200 and r.content == jpg.read_bytes()


@pytest.mark.slow
def test_agent_uploads_a_strangers_snapshot(
    pg_url: str,
    tmp_path: Path,
    faces_dir: Path,
    gateway_config: Callable[..., GatewayConfig],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Camera frames -> stranger FaceSighting with a snapshot -> the platform serves it.
    The gallery comes from the platform with the same token (empty: everyone is a
    stranger); there is no broker at all."""
    walkers = [w for w in default_walkers(faces_dir) if w.label == ""]
    write_folder(entrance_frames(background(), walkers, gap_frames=5, step_px=30), tmp_path / "f")
    with live_server(pg_url, tmp_path / "platform") as live:
        monkeypatch.setenv("ANJU_EDGE_GALLERY_TOKEN", gateway_token(live))
        cfg = gateway_config(
            f'[gallery]\nurl = "{live.url}/api/v1/gateways/GW1/gallery"\n'
            "[snapshots]\nenabled = true\n"
            f'[[cameras]]\nid = "cam-1"\nsource = "{tmp_path / "f"}"\n',
            gateway_id="GW1",
        )
        agent = Agent(cfg)
        assert agent.uploads is not None
        agent.start()
        try:
            wait_for(lambda: agent.uploads is not None and agent.uploads.stats.sent >= 1, 90)
            events = [e for e in agent.queue.after(0, 100) if e.topic.endswith("/events/face")]
        finally:
            agent.stop()
        faces = [parse_event(e.payload) for e in events]
        assert faces and all(isinstance(f, FaceSighting) for f in faces)
        first = faces[0]
        assert isinstance(first, FaceSighting) and first.person_id is None
        assert first.snapshot_ref
        local = tmp_path / "data" / first.snapshot_ref
        with live.client("manager") as c:
            r = c.get(f"/api/v1/snapshots/{first.event_id}")
        assert r.status_code == 200 and r.content == local.read_bytes()
        assert cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR) is not None
