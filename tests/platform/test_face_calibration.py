"""Face-match calibration per estate (issue 18): the API route for admins and
`anju faces calibrate`, on real photos enrolled through the API and recognised
sightings stored as ingest stores them (event_faces)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from platform_live import Live
from test_platform_faces import CONSENT, enroll, gateway_gallery

from anju_common.events import embedding_bytes
from anju_edge.gallery import Gallery, GallerySync, parse_gallery
from anju_platform.faces import encode_photo
from anju_platform.repo import tables as t
from anju_platform.repo.rows import insert

PEOPLE = ["alex_lacamoire", "biden", "kit_harington", "obama", "rose_leslie"]


def enroll_western(live: Live, faces_dir: Path) -> None:
    with psycopg.connect(live.db, autocommit=True) as conn:
        for name in PEOPLE:
            insert(conn, t.PERSONS, {"person_id": name, "name": name, "estate_id": "E1"})
    for name in PEOPLE:
        photo = next((faces_dir / name).glob("1.*"))
        assert enroll(live, photo, CONSENT, user="admin", person=name).status_code == 201


def add_sightings(live: Live, faces_dir: Path) -> int:
    n = 0
    with psycopg.connect(live.db, autocommit=True) as conn:
        for name in PEOPLE:
            for photo in sorted((faces_dir / name).iterdir()):
                if photo.stem == "1":
                    continue
                emb = encode_photo(photo.read_bytes())
                conn.execute(
                    "INSERT INTO event_faces (event_id, time, estate_id, person_id, embedding)"
                    " VALUES (%s, now(), 'E1', %s, %s)",
                    (uuid.uuid4(), name, embedding_bytes(emb)),
                )
                n += 1
    return n


def test_admin_recalibrates_over_the_api(live: Live, faces_dir: Path) -> None:
    with live.client("admin") as c:
        assert c.get("/api/v1/estates/E1/face-calibration").status_code == 404
        first = c.post("/api/v1/estates/E1/face-calibration")
    assert first.status_code == 201, first.text
    small = first.json()  # no one enrolled yet: the fallback, said as such
    assert small["calibrated"] is False and small["threshold"] == 0.6

    enroll_western(live, faces_dir)
    sightings = add_sightings(live, faces_dir)
    with live.client("manager") as c:  # managers read it, only admins recalibrate
        assert c.post("/api/v1/estates/E1/face-calibration").status_code == 403
    with live.client("admin") as c:
        assert c.post("/api/v1/estates/E1/face-calibration?far=2").status_code == 400
        r = c.post("/api/v1/estates/E1/face-calibration")
        assert r.status_code == 201, r.text
    cal = r.json()
    assert cal["calibrated"] is True and 0.55 < cal["threshold"] < 0.65
    rep = cal["report"]
    assert rep["people"] == 5 and rep["genuine_pairs"] == sightings == 9
    assert rep["expected_miss"] == 0.0 and sum(rep["histogram"]["genuine"]) == sightings
    with live.client("manager") as c:
        got = c.get("/api/v1/estates/E1/face-calibration").json()
        assert c.get("/api/v1/estates/E2/face-calibration").status_code == 403
    assert got["calibration_id"] == cal["calibration_id"]
    # gateways receive the thresholds with the gallery, and the edge takes them
    raw = gateway_gallery(live)
    doc = parse_gallery(raw)
    assert doc.threshold == cal["threshold"] and len(doc.people) == 5
    assert doc.version == f"calibration-{cal['calibration_id']}"
    g = Gallery(list(doc.people), doc.version, doc.threshold, doc.person_thresholds)
    assert g.limit("obama", 0.6) == cal["threshold"]
    with live.client("inspector") as c:
        assert c.get("/api/v1/estates/E1/face-calibration").status_code == 403


def test_cli_calibrates_and_says_errors_in_one_line(live: Live, faces_dir: Path) -> None:
    enroll_western(live, faces_dir)
    add_sightings(live, faces_dir)
    env = {"DATABASE_URL": live.db, "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "anju_cli.main", "faces", "calibrate"]
    ok = subprocess.run([*run, "--estate", "E1"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("E1 (dlib_resnet_v1): threshold 0.")
    assert "expected miss rate 0.0%" in ok.stdout and len(ok.stdout.splitlines()) == 1
    for args, said in (
        (["--estate", "NOPE"], "--estate NOPE: not in the register"),
        (["--estate", "E1", "--far", "0.7"], "--far 0.7: must be between 0 and 0.5"),
    ):
        bad = subprocess.run([*run, *args], capture_output=True, text=True, env=env)
        assert bad.returncode != 0 and said in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    with psycopg.connect(live.db) as conn:
        assert conn.execute("SELECT count(*) FROM face_calibrations").fetchone() == (1,)


def test_two_model_files_never_mix(live: Live, faces_dir: Path, tmp_path: Path) -> None:
    """Enrolments, gateway galleries, sightings and calibrations are kept per face model:
    a second model file (here the bundled one with other bytes, so another id) gets none
    of the first one's embeddings and none of its thresholds."""
    import shutil

    import face_recognition_models as frm

    from anju_platform.faces import face_model_id
    from anju_platform.repo import faces as repo

    other = tmp_path / "asian_resnet.dat"
    shutil.copy(frm.face_recognition_model_location(), other)
    with other.open("ab") as f:
        f.write(b"another model file")
    other_id = face_model_id(other)
    assert other_id.startswith("asian_resnet-") and other_id != "dlib_resnet_v1"

    enroll_western(live, faces_dir)  # the bundled model, through the API
    add_sightings(live, faces_dir)
    photo = (faces_dir / "kit_harington" / "2.jpg").read_bytes()
    with psycopg.connect(live.db, autocommit=True) as conn:  # the other model's enrolment
        repo.add_enrollment(conn, "enr-other", "K1", "E1", encode_photo(photo, 1, other),
                            datetime.now(UTC), "form-9", None, other_id)  # fmt: skip
        conn.execute(
            "INSERT INTO event_faces (event_id, time, estate_id, person_id, embedding, model)"
            " VALUES (%s, now(), 'E1', 'K1', %s, %s)",
            (uuid.uuid4(), embedding_bytes(encode_photo(photo, 1, other)), other_id),
        )
    with live.client("admin") as c:
        default = c.post("/api/v1/estates/E1/face-calibration").json()
        mine = c.post(f"/api/v1/estates/E1/face-calibration?model={other_id}").json()
    assert (default["model"], default["report"]["people"]) == ("dlib_resnet_v1", 5)
    assert default["report"]["genuine_pairs"] == 9  # not the other model's sighting
    assert (mine["model"], mine["report"]["people"], mine["report"]["genuine_pairs"]) == (
        other_id, 1, 1,
    )  # fmt: skip
    assert mine["calibrated"] is False  # one person: too small, the fallback

    bundled = parse_gallery(gateway_gallery(live))
    theirs = parse_gallery(gateway_gallery(live, query=f"?model={other_id}"))
    assert (bundled.model, len(bundled.people), bundled.threshold) == (
        "dlib_resnet_v1", 5, default["threshold"],
    )  # fmt: skip
    assert (theirs.model, [p.person_id for p in theirs.people]) == (other_id, ["K1"])
    assert theirs.threshold == mine["threshold"] == 0.6

    # A gateway refuses a gallery of another model (keeps what it has).
    src = tmp_path / "gallery.json"
    src.write_bytes(gateway_gallery(live, query=f"?model={other_id}"))
    sync = GallerySync(cache=tmp_path / "c.json", url=None, path=src, token=None,
                       refresh_s=1, model="dlib_resnet_v1")  # fmt: skip
    assert not sync.refresh() and len(sync.current) == 0
    assert sync.last_error is not None and "different models" in sync.last_error
