"""Evidence in the reader's language: notes stored as a code with values are shown in
Chinese or English with places and people by name, times on the estate's clock (UTC+8),
face thumbnails wherever a snapshot is held; the PDF evidence pack for the authority
(translated, local times, household, visits with photos, signature and stamp fields,
page numbers, a content checksum that is the same in every copy)."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import httpx
import psycopg
import pypdf
from console_kit import case_of, login, seed_alert, shot, sync_cases
from platform_live import Live
from playwright.sync_api import Page, expect

STRANGER = "u-3f2a9c11aa"


def _evidence(live: Live, alert_id: int, snapshot_event: str) -> None:
    """Rows as detection writes them now: a code with its values next to the English."""
    rows = [
        ("p1", "2026-03-01T12:00Z", "2026-03-01", "stranger_day", None, "presence",
         {"who": STRANGER, "via": "face", "n": 2, "night": 1}),
        ("p2", "2026-03-01T12:00Z", "2026-03-01", "stranger_day", None, "presence_card",
         {"who": "u-77aa00bb11", "holder": "P1", "via": "card", "n": 1, "night": 0}),
        ("c1", "2026-03-02T00:30Z", "2026-03-02", "card_use", None, "clone_first",
         {"gateway": "GW1b"}),
        ("c2", "2026-03-02T00:31Z", "2026-03-02", "card_use", snapshot_event, "clone_second",
         {"gateway": "GW1", "first_gateway": "GW1b", "seconds": 40}),
        ("m1", "2026-03-03T12:00Z", "2026-03-03", "last_sign", None, "last_sign", {"since": None}),
    ]  # fmt: skip
    with psycopg.connect(live.db) as conn:
        conn.execute(
            "INSERT INTO gateways (gateway_id, estate_id, name) VALUES ('GW1b', 'E1', '1栋北门')"
        )
        for key, at, day, kind, event, code, params in rows:
            conn.execute(
                "INSERT INTO alert_evidence (alert_id, key, at, day, kind, event_id, note, code,"
                " params) VALUES (%s, %s, %s, %s, %s, %s, 'English note', %s, %s)",
                (alert_id, key, at, day, kind, event, code, json.dumps(params)),
            )


def _snapshot(live: Live, faces_dir: Path) -> str:
    event_id = str(uuid.uuid4())
    with live.client("admin") as c:
        gw_token = c.post("/api/v1/gateways/GW1/token").json()["token"]
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Bearer {gw_token}"}, timeout=60
    ) as c:
        r = c.put(
            f"/api/v1/gateways/GW1/snapshots/{event_id}",
            params={"taken_at": "2026-03-02T08:31:00+08:00"},
            content=(faces_dir / "obama" / "1.jpg").read_bytes(),
            headers={"Content-Type": "image/jpeg"},
        )
        assert r.status_code == 201, r.text
    return event_id


def test_evidence_in_the_readers_language(page: Page, live: Live, faces_dir: Path) -> None:
    seed_alert(live.db, 101, "U1", "G1", "card_clone", 0.91)
    _evidence(live, 101, _snapshot(live, faces_dir))
    login(page, "manager")
    page.goto("/#/alert/101")
    ev = page.get_by_test_id("evidence")
    ours = ev.locator("li[data-code=presence]", has_text="3f2a9c")
    expect(ours).to_contain_text("陌生人 3f2a9c：人脸，进出 2 次，其中夜间 1 次")
    expect(ours.locator("time")).to_have_text("2026-03-01")  # a day
    # a face on a member's card counted as a stranger's: the face is the one seen, on the
    # holder's card (by id here: no case yet, so no household names; by name in the PDF)
    on_card = ev.locator("li[data-code=presence_card]")
    expect(on_card).to_contain_text(
        "陌生人 77aa00（用P1的门禁卡）：门禁卡，进出 1 次，其中夜间 0 次"
    )
    second = ev.locator("li[data-code=clone_second]")
    expect(second).to_contain_text("先在1栋北门使用，40 秒后又在1栋2单元门口使用")
    expect(second.locator("time")).to_have_text("2026-03-02 08:31")  # 00:31 UTC on UTC+8
    expect(ev.locator("li[data-code=last_sign]")).to_contain_text("系统开始记录以来")
    expect(ev).not_to_contain_text("English note")
    # the snapshot is held for the event (no snapshot_ref on the row): its thumbnail shows
    expect(second.get_by_test_id("thumb")).to_have_count(1)
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-code=clone_second] img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    page.get_by_test_id("lang").click()
    expect(page.locator("li[data-code=presence]", has_text="3f2a9c")).to_contain_text(
        "stranger 3f2a9c: face, 2 passages, 1 at night"
    )
    expect(page.locator("li[data-code=clone_second]")).to_contain_text(
        "used at 1栋北门 and 40 s later at 1栋2单元门口"
    )
    expect(page.locator("li[data-code=presence_card]")).to_contain_text(
        "stranger 77aa00 on P1's card: card, 1 passages, 0 at night"
    )


def _pdf_text(data: bytes) -> tuple[str, int, int]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    images = sum(len(p.images) for p in reader.pages)
    return text, len(reader.pages), images


def test_pdf_evidence_pack(page: Page, live: Live, faces_dir: Path) -> None:
    seed_alert(live.db, 101, "U1", "G1", "card_clone", 0.91)
    _evidence(live, 101, _snapshot(live, faces_dir))
    sync_cases(live)
    case = case_of(live, 101)
    with live.client("inspector") as c:
        r = c.post(
            f"/api/v1/cases/{case}/visits",
            json={"outcome": "confirmed", "notes": "租客承认把门卡借给他人"},
        )
        assert r.status_code == 200, r.text
        visit = r.json()["visits"][-1]["visit_id"]
        for who in ("biden", "kit_harington"):  # not the snapshot's face: images are shared
            photo = next((faces_dir / who).glob("*.jpg"))
            files = {"photo": (photo.name, photo.read_bytes(), "image/jpeg")}
            r = c.post(f"/api/v1/cases/{case}/photos", files=files, data={"visit_id": visit})
            assert r.status_code == 201, r.text
    login(page, "authority")
    page.goto(f"/#/case/{case}")
    with page.expect_download() as dl:
        page.get_by_test_id("evidence-pdf").click()
    assert dl.value.suggested_filename == f"case-{case}.pdf"
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text, pages, images = _pdf_text(data)
    # a face on a member's card, the holder by name (the wrapped cell is spaced out)
    assert "陌生人 77aa00（用王芳的门禁卡）" in " ".join(text.split())
    for expected in (
        f"核查案件证据包 第 {case} 号",
        "1栋2单元0501",
        "幸福里小区",
        "第一网格",
        "门禁卡复制",  # the alert type, translated
        "王芳",  # the registered household
        "承租人",
        "陌生人 3f2a9c：人脸，进出 2 次，其中夜间 1 次",
        "2026-03-02 08:31",  # local time
        "属实",
        "租客承认把门卡借给他人",
        "核查人员签字",
        "单位盖章",
        f"第 1 / {pages} 页",
    ):
        assert expected in text, expected
    assert "English note" not in text and "card_clone" not in text
    assert images >= 3  # two visit photos and the face snapshot (authority sees faces)
    # The checksum printed is the one the API gives; every copy of the same content has it.
    with live.client("authority") as c:
        r1 = c.get(f"/api/v1/cases/{case}/evidence-pack.pdf")
        r2 = c.get(f"/api/v1/cases/{case}/evidence-pack.pdf")
    digest = r1.headers["x-content-sha256"]
    assert len(digest) == 64 and digest == r2.headers["x-content-sha256"]
    assert digest in text.replace("\n", "")
    assert digest[:16] in text
    Path(live.settings.cases.evidence_dir / "pack.pdf").write_bytes(data)  # for a look by hand
    # A change to the case changes the checksum.
    with live.client("authority") as c:
        r = c.post(f"/api/v1/cases/{case}/decision", json={"decision": "warning", "note": "警告"})
        assert r.status_code == 200, r.text
        r3 = c.get(f"/api/v1/cases/{case}/evidence-pack.pdf")
    assert r3.headers["x-content-sha256"] != digest
    shot(page, "case-authority")
