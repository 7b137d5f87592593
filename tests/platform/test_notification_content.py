"""What leaves in a webhook (issue 15 item 16): no free text and no personal data, only
type, flat, level, references and a console link, every value inert in markdown. A
dismissal note with a resident's name, an injected heading and a phishing link, and an
estate renamed to markdown, reach a real receiver as nothing harmful."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from http_receiver import Receiver, running_receiver
from platform_live import Live, live_server
from test_notifications import add_webhook, insert_alert

from anju_platform.workflow import webhooks as fmt

NOTE = "王芳 已搬走\n### 紧急通知\n请[点此重新登录](http://phish.example/login) <b>x</b>"
ESTATE = "幸福小区\n## 假标题 ![img](http://phish.example/i.png)"
BASE = "https://anju.example.org"


@pytest.fixture
def live(pg_url: str, tmp_path: Path) -> Iterator[Live]:
    with live_server(pg_url, tmp_path, workflow_poll_s=0.1, public_base_url=BASE) as server:
        yield server


def test_webhooks_carry_no_free_text(live: Live) -> None:
    with running_receiver() as rec:
        _run(live, rec)


def _run(live: Live, rec: Receiver) -> None:
    with live.client("admin") as c:
        assert c.patch("/api/v1/estates/E1", json={"name": ESTATE}).status_code == 200
    with live.client("manager") as c:
        add_webhook(c, url=f"{rec.url}/wecom?key=k", format="wecom")
        add_webhook(c, url=f"{rec.url}/ding?access_token=t", format="dingtalk")
        add_webhook(c, url=f"{rec.url}/json", format="json")
    aid = insert_alert(live.db, "U1", "G1", type="sublet", level=2)
    rec.wait_for("/wecom", "新预警")
    with live.client("manager") as c:
        r = c.post(f"/api/v1/alerts/{aid}/status", json={"status": "dismissed", "note": NOTE})
        assert r.status_code == 200, r.text
    wecom = rec.wait_for("/wecom", "预警已关闭").json()["markdown"]["content"]
    ding = rec.wait_for("/ding", "预警已关闭").json()["markdown"]["text"]
    rec.wait("/json", 2)
    bodies = [r.body.decode() for r in rec.got]
    for text in bodies:  # the note, the detection's reason, the resident: none of it
        for gone in ("王芳", "phish.example/login", "紧急通知", "近28天", "Members seen"):
            assert gone not in json.loads(text).__repr__(), (gone, text)
    assert "http：//phish.example/i.png" in wecom  # the estate name, inert
    for text in (wecom, ding):
        lines = text.splitlines()
        assert lines[0].startswith("### 【安居】预警已关闭") and all(
            line.startswith("> ") for line in lines[1:]
        ), text  # one heading, ours; every value on its own quoted line
        assert lines[1].startswith("> 小区：幸福小区 ") and "#" not in lines[1], text
        assert "](" not in text and "<" not in text and "![" not in text
        assert "转租转借" in text and "U1" in text and "已排除" in text
        assert f"{BASE}/#/alert/{aid}" in text
    sent = [json.loads(r.body) for r in rec.on("/json")]
    assert sent[-1]["body"] == {"alert_id": aid, "unit_id": "U1", "type": "sublet",
                                "status": "dismissed"}  # fmt: skip
    assert sent[0]["body"]["level"] == 2 and "reason_zh" not in sent[0]["body"]
    assert sent[-1]["console_url"] == f"{BASE}/#/alert/{aid}"


def test_plain_values() -> None:
    assert fmt.plain("a\n### b [c](http://x)") == "a ＃＃＃ b ［c］（http：//x）"
    assert fmt.plain("x" * 100, 10) == "x" * 9 + "…"
    assert fmt.outbound_body({"alert_id": 1, "close_reason": "n", "household_id": "H1"}) == {
        "alert_id": 1
    }
