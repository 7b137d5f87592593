"""Webhook test sends against a slow receiver (issue 15 item 14): they hold no pooled
database connection while they wait, only ANJU_PLATFORM_WEBHOOK_TEST_CONCURRENCY send
at once (the rest: 429), and other users' requests stay fast meanwhile."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from http_receiver import running_receiver
from platform_live import live_server
from test_notifications import add_webhook


def test_parallel_tests_to_a_slow_receiver_leave_the_pool_free(pg_url: str, tmp_path: Path) -> None:
    with (
        running_receiver() as rec,
        live_server(
            pg_url, tmp_path, jobs_enabled=False, webhook_test_concurrency=4, webhook_timeout_s=15
        ) as live,
    ):
        rec.delay["/slow"] = 5.0
        with live.client("manager") as c:
            hook = add_webhook(c, url=f"{rec.url}/slow", format="json")
        answers: list[httpx.Response] = []

        def fire() -> None:
            with live.client("manager") as c:
                answers.append(c.post(f"/api/v1/webhooks/{hook['webhook_id']}/test", timeout=60))

        threads = [threading.Thread(target=fire) for _ in range(16)]
        for t in threads:
            t.start()
        rec.wait("/slow", 4, timeout=10)  # four sends are waiting on the receiver
        time.sleep(0.3)  # and the other twelve requests have arrived
        started = time.monotonic()
        with live.client("admin") as c:
            for _ in range(5):  # each needs a pooled connection (pool of 4)
                assert c.get("/api/v1/estates").status_code == 200
                assert c.get(f"/api/v1/webhooks/{hook['webhook_id']}").status_code == 200
        took = time.monotonic() - started
        for t in threads:
            t.join(60)
    assert took < 2.0, f"other requests waited {took:.1f} s"
    codes = sorted(r.status_code for r in answers)
    assert codes.count(200) == 4 and codes.count(429) == 12, codes
    assert all(r.json()["ok"] for r in answers if r.status_code == 200)
    assert len(rec.on("/slow")) == 4
    assert all("Retry-After" in r.headers for r in answers if r.status_code == 429)
