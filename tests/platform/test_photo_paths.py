"""No file path comes from a user (issue 15 item 7): an imported `photo_path` is refused,
and deleting an enrollment or erasing its person unlinks only `<photo_dir>/<id>.img`.
Before, a manager imported an enrollment with `photo_path` naming any file, then had
the server unlink it with DELETE /enrollments/{id}."""

from __future__ import annotations

from pathlib import Path

import psycopg
from platform_live import live_server

EMBEDDING = " ".join(["0.1"] * 128)
HEADER = "enrollment_id,person_id,estate_id,embedding,consent_at,consent_ref,photo_path\n"


def _row(eid: str, person: str, photo_path: str) -> str:
    return f"{eid},{person},E1,{EMBEDDING},2025-01-01T00:00:00Z,form,{photo_path}\n"


def test_crafted_photo_paths_are_refused_and_never_unlinked(
    pg_url: str, tmp_path: Path, faces_dir: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    with live_server(pg_url, tmp_path, keep_enrollment_photos=True) as live:
        data = (HEADER + _row("EV1", "P1", str(victim)) + _row("EV2", "K1", "")).encode()
        with live.client("manager") as c:
            r = c.post(
                "/api/v1/import/register",
                params={"dry_run": "false"},
                files={"files": ("face_enrollments.csv", data)},
            )
        assert r.status_code == 200, r.text
        report = r.json()
        assert [(e["line"], e["column"]) for e in report["errors"]] == [(2, "photo_path")]
        assert "file paths are not imported" in report["errors"][0]["reason"]
        assert report["warnings"] == []  # an empty photo_path column (the simulator's) is fine
        assert report["sheets"][0]["created"] == 1

        # a path planted before this fix (or by hand) is not trusted either
        with psycopg.connect(live.db) as conn:
            conn.execute(
                "UPDATE face_enrollments SET photo_path = %s WHERE enrollment_id = 'EV2'",
                (str(victim),),
            )
            conn.execute(
                "INSERT INTO face_enrollments (enrollment_id, person_id, estate_id, embedding,"
                " consent_at, consent_ref, photo_path) VALUES ('EV3', 'P1', 'E1',"
                " array_fill(0.1::real, ARRAY[128]), now(), 'form', %s)",
                (str(victim),),
            )
        with live.client("manager") as c:
            assert c.delete("/api/v1/enrollments/EV2").status_code == 204
        assert victim.read_text() == "keep me"
        with live.client("admin") as c:
            r = c.post("/api/v1/persons/P1/erase", json={"reason": "request"})
        assert r.status_code == 200, r.text
        assert victim.read_text() == "keep me"

        # an enrollment id cannot walk out of the photo directory
        photo = (faces_dir / "obama" / "1.jpg").read_bytes()
        form = {
            "estate_id": "E1",
            "consent_at": "2025-01-01T00:00:00Z",
            "consent_ref": "f",
            "enrollment_id": "../outside",
        }
        with live.client("manager") as c:
            r = c.post(
                "/api/v1/persons/K1/enrollments", data=form, files={"photo": ("1.jpg", photo)}
            )
        assert r.status_code == 422, r.text
        assert not (tmp_path / "outside.img").exists()
