"""Gallery sync: from a real HTTP server (with ETag), cached on disk for a restart
without network, hot reload of a local file, bad data keeps the old gallery."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from anju_edge.gallery import Gallery, GalleryEntry, GallerySync


def body(people: dict[str, float], version: str) -> bytes:
    rows = [{"person_id": p, "embedding": [v] * 128} for p, v in people.items()]
    return json.dumps({"estate_id": "e1", "version": version, "people": rows}).encode()


class Platform:
    def __init__(self) -> None:
        self.payload = body({"p1": 0.1}, "v1")
        self.requests: list[dict[str, str]] = []


@pytest.fixture
def platform() -> Iterator[tuple[Platform, str]]:
    state = Platform()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append({**dict(self.headers), "path": self.path})
            etag = f'"{hash(state.payload)}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(state.payload)))
            self.end_headers()
            self.wfile.write(state.payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/gallery"
    server.shutdown()


def test_http_sync_etag_and_disk_cache(platform: tuple[Platform, str], tmp_path: Path) -> None:
    state, url = platform
    cache = tmp_path / "gallery.json"
    sync = GallerySync(cache=cache, url=url, path=None, token="tok", refresh_s=60)
    assert sync.refresh() and sync.current.ids == ["p1"]
    assert state.requests[0]["Authorization"] == "Bearer tok"
    assert not sync.refresh()  # 304: unchanged
    state.payload = body({"p1": 0.1, "p2": 0.5}, "v2")
    assert sync.refresh() and sync.current.version == "v2"
    # Restart with the platform unreachable: the cached copy is used.
    offline = GallerySync(
        cache=cache, url="http://127.0.0.1:9/none", path=None, token=None, refresh_s=60
    )
    assert not offline.refresh()
    assert offline.current.ids == ["p1", "p2"] and offline.last_error


def test_local_file_hot_reload_and_bad_update(tmp_path: Path) -> None:
    src = tmp_path / "enrolled.json"
    src.write_bytes(body({"p1": 0.1}, "v1"))
    sync = GallerySync(cache=tmp_path / "c.json", url=None, path=src, token=None, refresh_s=0.1)
    sync.start()
    try:
        assert sync.current.ids == ["p1"]
        src.write_bytes(body({"p9": 0.3}, "v2"))
        os.utime(src, (time.time() + 5, time.time() + 5))
        deadline = time.monotonic() + 5
        while sync.current.version != "v2" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sync.current.ids == ["p9"]
        src.write_text('{"people": [{"person_id": "x", "embedding": [1, 2]}]}')
        os.utime(src, (time.time() + 10, time.time() + 10))
        time.sleep(0.5)
        assert sync.current.ids == ["p9"]  # a bad file does not wipe the gallery
    finally:
        sync.stop()


def test_platform_list_format(tmp_path: Path) -> None:
    """The platform serves a bare list with enrollment ids."""
    rows = [
        {"person_id": "p1", "enrollment_id": "en-1", "embedding": [0.1] * 128},
        {"person_id": "p1", "enrollment_id": "en-2", "embedding": [0.2] * 128},
    ]
    src = tmp_path / "list.json"
    src.write_text(json.dumps(rows))
    sync = GallerySync(cache=tmp_path / "c.json", url=None, path=src, token=None, refresh_s=1)
    assert sync.refresh()
    assert sync.current.ids == ["p1", "p1"]
    assert GallerySync(
        cache=tmp_path / "c.json", url=None, path=None, token=None, refresh_s=1
    ).current.ids == ["p1", "p1"]  # cached as served


def test_match_tolerance() -> None:
    g = Gallery([GalleryEntry(person_id="a", embedding=[0.0] * 128)])
    probe = np.zeros(128)
    probe[0] = 0.5
    assert g.match(probe, 0.6).person_id == "a"
    assert g.match(probe, 0.4).person_id is None
    assert Gallery([]).match(probe, 0.6).person_id is None


def test_open_set_match_needs_threshold_and_margin() -> None:
    a, b = np.zeros(128), np.zeros(128)
    b[1] = 0.5
    g = Gallery([GalleryEntry(person_id="a", embedding=list(a)),
                 GalleryEntry(person_id="b", embedding=list(b))])  # fmt: skip
    probe = np.zeros(128)
    probe[0] = 0.3  # 0.3 from a, 0.58 from b
    m = g.match(probe, 0.6, margin=0.05)
    assert (m.person_id, round(m.distance or 0, 2), round(m.second_distance or 0, 2)) == (
        "a", 0.3, 0.58,
    )  # fmt: skip
    assert g.match(probe, 0.6, margin=0.3).person_id is None  # too close to b
    between = (a + b) / 2  # 0.25 from both: within the tolerance of both, no margin
    assert g.match(between, 0.6, margin=0.05).person_id is None
    assert g.match(between, 0.6).person_id in {"a", "b"}  # the old nearest-neighbour rule


def test_calibrated_thresholds_from_the_gallery_win_over_the_tolerance(tmp_path: Path) -> None:
    rows = [{"person_id": p, "embedding": [v] + [0.0] * 127} for p, v in (("a", 0), ("b", 2))]
    src = tmp_path / "g.json"
    doc = {"estate_id": "e1", "threshold": 0.2, "person_thresholds": {"b": 0.1}, "people": rows}
    src.write_text(json.dumps(doc))
    sync = GallerySync(cache=tmp_path / "c.json", url=None, path=src, token=None, refresh_s=1)
    assert sync.refresh()
    g = sync.current
    probe = np.zeros(128)
    probe[0] = 0.15
    assert g.match(probe, 0.6).person_id == "a"  # 0.15 <= 0.2
    probe[0] = 0.3
    assert g.match(probe, 0.6).person_id is None  # within the tolerance, not the threshold
    probe[0] = 2.15
    assert g.match(probe, 0.6).person_id is None  # b's own, tighter threshold
    probe[0] = 2.05
    assert g.match(probe, 0.6).person_id == "b"


def test_gallery_of_another_face_model_is_refused(
    platform: tuple[Platform, str], tmp_path: Path
) -> None:
    """The gateway asks for its model's gallery and never installs another model's."""
    state, url = platform
    doc = json.loads(state.payload)
    state.payload = json.dumps({**doc, "model": "asian_resnet-0123456789ab"}).encode()
    sync = GallerySync(cache=tmp_path / "c.json", url=url, path=None, token=None,
                       refresh_s=1, model="dlib_resnet_v1")  # fmt: skip
    assert not sync.refresh() and len(sync.current) == 0
    assert "different models" in (sync.last_error or "")
    assert state.requests[-1]["path"].endswith("?model=dlib_resnet_v1")
    state.payload = json.dumps({**doc, "model": "dlib_resnet_v1"}).encode()
    assert sync.refresh() and sync.current.ids == ["p1"]
    state.payload = json.dumps(doc).encode()  # no model named: the bundled one
    assert sync.refresh()


def test_old_detector_setting_still_works(tmp_path: Path) -> None:
    from anju_edge.config import FacesSection

    assert FacesSection.model_validate({"model": "cnn"}).detector == "cnn"
    assert FacesSection.model_validate({"model": "cnn"}).model is None
    with pytest.raises(ValueError, match="not found"):
        FacesSection.model_validate({"model": str(tmp_path / "missing.dat")})
