"""QR codes at the gate: decode (scanner lines or camera frames), verify offline,
remember single-use nonces so a second scan is reported as replayed."""

from __future__ import annotations

import base64
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anju_common.events import QrPurpose, QrResult
from anju_common.passes import PassCheck, verify_pass


@dataclass(frozen=True, slots=True)
class QrOutcome:
    purpose: QrPurpose
    result: QrResult
    pass_id: str | None
    unit_id: str | None
    checkpoint_id: str | None
    reason: str


class NonceStore:
    """Single-use pass ids already admitted (SQLite, survives restarts)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS used (pass_id TEXT PRIMARY KEY, expires REAL, seen REAL)"
        )

    def first_use(self, pass_id: str, expires: float | None, now: float) -> bool:
        """Record the pass id; False if it was recorded before."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO used (pass_id, expires, seen) VALUES (?, ?, ?)",
                (pass_id, expires, now),
            )
            return cur.rowcount == 1

    def purge(self, before: float) -> None:
        """Nonces of passes expired long ago cannot be replayed as valid anyway."""
        with self._lock:
            self._db.execute(
                "DELETE FROM used WHERE expires IS NOT NULL AND expires < ?", (before,)
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PassVerifier:
    def __init__(
        self,
        estate_id: str,
        nonces: NonceStore,
        *,
        hmac_key: bytes | None,
        ed25519_public_b64: list[str],
        skew_s: float,
    ) -> None:
        self.estate_id = estate_id
        self.nonces = nonces
        self.hmac_key = hmac_key or None
        self.ed_keys = [base64.b64decode(k) for k in ed25519_public_b64]
        self.skew_s = skew_s

    def check(self, text: str, now: float | None = None) -> QrOutcome:
        now = time.time() if now is None else now
        res: PassCheck = verify_pass(
            text,
            now=now,
            estate_id=self.estate_id,
            hmac_key=self.hmac_key,
            ed25519_public=self.ed_keys,
            skew_s=self.skew_s,
        )
        c = res.claims
        result, reason = res.result, res.reason
        replay = result is QrResult.VALID and c is not None and c.single_use
        if replay and c is not None and not self.nonces.first_use(c.pass_id, c.expires, now):
            result, reason = QrResult.REPLAYED, "single-use pass seen before"
        # An unreadable code is most likely someone's attempt at a visitor pass.
        purpose = c.purpose if c is not None else QrPurpose.VISITOR_PASS
        return QrOutcome(
            purpose,
            result,
            c.pass_id if c else None,
            c.unit_id if c else None,
            c.checkpoint_id if c else None,
            reason,
        )


class FrameQrReader:
    """cv2 QR detection on camera frames (the ArUco-based detector: faster and more robust
    here), with a short de-duplication window."""

    def __init__(self, dedupe_s: float) -> None:
        import cv2

        self._det: Any = cv2.QRCodeDetectorAruco()
        self.dedupe_s = dedupe_s
        self._seen: dict[str, float] = {}

    def decode(self, bgr: Any, now: float) -> str | None:
        try:
            text, _points, _ = self._det.detectAndDecode(bgr)
        except Exception:  # cv2 raises on degenerate quads; a frame without a code
            return None
        if not text:
            return None
        return text if self.fresh(text, now) else None

    def fresh(self, text: str, now: float) -> bool:
        last = self._seen.get(text)
        self._seen[text] = now
        if len(self._seen) > 1000:
            self._seen = {k: v for k, v in self._seen.items() if now - v < self.dedupe_s}
        return last is None or now - last >= self.dedupe_s
