"""Face enrollment from real photos (consent required, photo not kept by default) and
the gateway gallery behind per-gateway tokens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
from platform_live import Live, live_server

CONSENT = {
    "estate_id": "E1",
    "consent_at": "2025-01-02T09:30:00+08:00",
    "consent_ref": "form-2025-001",
}


def enroll(
    live: Live, photo: Path, form: dict[str, str], user: str = "manager", person: str = "P1"
):
    with live.client(user) as c:
        return c.post(
            f"/api/v1/persons/{person}/enrollments",
            data=form,
            files={"photo": (photo.name, photo.read_bytes())},
        )


def gateway_gallery(live: Live, gateway: str = "GW1", query: str = "") -> bytes:
    """The gallery as the gateway downloads it, with a freshly issued token."""
    with live.client("admin") as c:
        token = c.post(f"/api/v1/gateways/{gateway}/token").json()["token"]
    with live.client() as c:
        return c.get(
            f"/api/v1/gateways/{gateway}/gallery{query}",
            headers={"Authorization": f"Bearer {token}"},
        ).content


def test_enrollment_needs_consent_and_keeps_only_the_embedding(live: Live, faces_dir: Path) -> None:
    photo = faces_dir / "obama" / "1.jpg"
    assert enroll(live, photo, {"estate_id": "E1"}).status_code == 400
    assert enroll(live, photo, {**CONSENT, "consent_ref": " "}).status_code == 400
    r = enroll(live, photo, CONSENT)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["photo_kept"] is False and body["consent_ref"] == "form-2025-001"
    assert not (live.settings.faces.photo_dir).exists() or not any(
        live.settings.faces.photo_dir.iterdir()
    )
    with psycopg.connect(live.db) as conn:
        emb, path, consent = conn.execute(
            "SELECT embedding, photo_path, consent_at FROM face_enrollments"
            " WHERE enrollment_id = %s",
            (body["enrollment_id"],),
        ).fetchone() or (None, None, None)
        cred = conn.execute(
            "SELECT type, ref FROM credentials WHERE credential_id = %s", (body["enrollment_id"],)
        ).fetchone()
    assert path is None and consent is not None and cred == ("face", body["enrollment_id"])
    assert len(emb) == 128
    # the same person on another photo is near, another person is far (dlib scale: 0.6)
    from anju_platform.faces import distance, encode_photo

    same = encode_photo((faces_dir / "obama" / "2.jpg").read_bytes())
    other = encode_photo((faces_dir / "biden" / "1.jpg").read_bytes())
    assert distance(list(emb), same) < 0.6 < distance(list(emb), other)
    with live.client("inspector") as c:  # inspectors never see face data
        assert c.get("/api/v1/persons/P1/enrollments").status_code == 403
    with live.client("manager") as c:
        listed = c.get("/api/v1/persons/P1/enrollments").json()
    assert [e["enrollment_id"] for e in listed] == [body["enrollment_id"]]
    assert "embedding" not in listed[0]


def test_unusable_photos_are_refused(live: Live, faces_dir: Path) -> None:
    assert enroll(live, faces_dir / "_groups" / "two_people.jpg", CONSENT).status_code == 422
    bogus = faces_dir / "MANIFEST.tsv"
    assert enroll(live, bogus, CONSENT).status_code == 422
    with psycopg.connect(live.db) as conn:
        assert conn.execute("SELECT count(*) FROM face_enrollments").fetchone() == (0,)


def test_kept_photo_is_deleted_with_the_enrollment(
    pg_url: str, tmp_path: Path, faces_dir: Path
) -> None:
    with live_server(pg_url, tmp_path, keep_enrollment_photos=True) as live:
        r = enroll(live, faces_dir / "rose_leslie" / "1.jpg", CONSENT)
        assert r.status_code == 201 and r.json()["photo_kept"] is True
        kept = list(live.settings.faces.photo_dir.iterdir())
        assert len(kept) == 1
        with live.client("manager") as c:
            assert c.delete(f"/api/v1/enrollments/{r.json()['enrollment_id']}").status_code == 204
        assert not kept[0].exists()
        with psycopg.connect(live.db) as conn:
            assert conn.execute("SELECT count(*) FROM face_enrollments").fetchone() == (0,)
            assert conn.execute(
                "SELECT count(*) FROM credentials WHERE type = 'face'"
            ).fetchone() == (0,)


def test_gallery_for_the_gateway_only(live: Live, faces_dir: Path) -> None:
    first = enroll(live, faces_dir / "obama" / "1.jpg", CONSENT).json()["enrollment_id"]
    second = enroll(live, faces_dir / "biden" / "1.jpg", CONSENT, person="K1").json()[
        "enrollment_id"
    ]
    with live.client("manager") as c:
        token = c.post("/api/v1/gateways/GW1/token").json()["token"]
        assert c.post("/api/v1/gateways/GW2/token").status_code == 403
    with live.client("admin") as c:
        other = c.post("/api/v1/gateways/GW2/token").json()["token"]
        # ending a face credential takes it out of the gallery
        assert (
            c.post(
                f"/api/v1/credentials/{second}/end", json={"at": "2020-01-01T00:00:00Z"}
            ).status_code
            == 200
        )
    with live.client() as c:
        gw = {"Authorization": f"Bearer {token}"}
        r = c.get("/api/v1/gateways/GW1/gallery", headers=gw)
        assert r.status_code == 200
        body = r.json()
        gallery = body["people"]
        assert [(g["person_id"], g["enrollment_id"]) for g in gallery] == [("P1", first)]
        assert np.asarray(gallery[0]["embedding"]).shape == (128,)
        # not calibrated: no threshold, the gateway's own tolerance applies
        assert (body["estate_id"], body["threshold"], body["person_thresholds"]) == ("E1", None, {})
        assert c.get("/api/v1/gateways/GW2/gallery", headers=gw).status_code == 403
        assert (
            c.get(
                "/api/v1/gateways/GW2/gallery", headers={"Authorization": f"Bearer {other}"}
            ).json()["people"]
            == []
        )
        assert c.get("/api/v1/gateways/GW1/gallery").status_code == 401
        user = {"Authorization": f"Bearer {live.tokens['admin']}"}
        assert c.get("/api/v1/gateways/GW1/gallery", headers=user).status_code == 401
    with live.client("admin") as c:  # an ended gateway is locked out
        assert c.post("/api/v1/gateways/GW2/end", json={"on": "2020-01-01"}).status_code == 200
    with live.client() as c:
        assert (
            c.get(
                "/api/v1/gateways/GW2/gallery", headers={"Authorization": f"Bearer {other}"}
            ).status_code
            == 401
        )
    with live.client("manager") as c:  # a new token replaces the old one
        c.post("/api/v1/gateways/GW1/token")
    with live.client() as c:
        assert c.get("/api/v1/gateways/GW1/gallery", headers=gw).status_code == 401
    with psycopg.connect(live.db) as conn:
        n = conn.execute("SELECT count(*) FROM audit_log WHERE actor_id = 'gateway:GW1'").fetchone()
    assert n == (1,)


def test_same_embedding_and_gallery_format_as_the_edge(live: Live, faces_dir: Path) -> None:
    """The platform encodes with the edge's model files, and the edge parses the gallery."""
    from anju_edge.enroll import embed_photo
    from anju_edge.faces import DlibRecognizer
    from anju_edge.gallery import parse_gallery
    from anju_platform.faces import distance, encode_photo

    photo = faces_dir / "kit_harington" / "1.jpg"
    edge = embed_photo(DlibRecognizer(), photo)
    assert edge is not None and distance(encode_photo(photo.read_bytes()), edge) < 0.01
    enroll(live, photo, CONSENT)
    raw = gateway_gallery(live)
    people = parse_gallery(raw).people
    assert [p.person_id for p in people] == ["P1"]
    assert distance(people[0].embedding, edge) < 0.01
