"""Signed QR codes verified offline at the gateway: valid, expired, forged, replayed,
for HMAC and Ed25519 passes, from scanner lines and from a camera frame."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from anju_common.events import QrPurpose, QrResult, QrScan, parse_event
from anju_common.passes import PassClaims, new_ed25519_keypair, sign_pass
from anju_edge.agent import Agent
from anju_edge.buffer import Queued
from anju_edge.config import GatewayConfig
from anju_edge.qr import FrameQrReader, NonceStore, PassVerifier

KEY = b"estate-pass-key"
NOW = 1_800_000_000.0


def claims(**kw: object) -> PassClaims:
    base: dict[str, object] = {
        "purpose": QrPurpose.VISITOR_PASS,
        "pass_id": "visit-0001-abcdef",
        "estate_id": "e1",
        "unit_id": "b3-1204",
        "not_before": int(NOW - 3600),
        "expires": int(NOW + 3600),
        "single_use": True,
    }
    base.update(kw)
    return PassClaims.model_validate(base)


@pytest.fixture
def verifier(tmp_path: Path) -> PassVerifier:
    _, public = new_ed25519_keypair()
    return PassVerifier(
        "e1",
        NonceStore(tmp_path / "passes.db"),
        hmac_key=KEY,
        ed25519_public_b64=[base64.b64encode(public).decode()],
        skew_s=60,
    )


def test_hmac_pass_valid_then_replayed(verifier: PassVerifier) -> None:
    token = sign_pass(claims(), hmac_key=KEY)
    first = verifier.check(token, now=NOW)
    assert (first.result, first.purpose, first.unit_id) == (
        QrResult.VALID,
        QrPurpose.VISITOR_PASS,
        "b3-1204",
    )
    assert verifier.check(token, now=NOW + 5).result is QrResult.REPLAYED


def test_multi_use_pass_is_not_a_replay(verifier: PassVerifier) -> None:
    token = sign_pass(claims(single_use=False), hmac_key=KEY)
    assert [verifier.check(token, now=NOW).result for _ in range(3)] == [QrResult.VALID] * 3


def test_expired_and_not_yet_valid(verifier: PassVerifier) -> None:
    token = sign_pass(claims(), hmac_key=KEY)
    assert verifier.check(token, now=NOW + 3600 + 61).result is QrResult.EXPIRED
    assert verifier.check(token, now=NOW - 3600 - 61).result is QrResult.EXPIRED
    # within the clock skew allowance it still passes
    assert verifier.check(token, now=NOW + 3600 + 30).result is QrResult.VALID


def test_forged(verifier: PassVerifier) -> None:
    good = sign_pass(claims(), hmac_key=KEY)
    wrong_key = sign_pass(claims(), hmac_key=b"someone-else")
    other_estate = sign_pass(claims(estate_id="e2"), hmac_key=KEY)
    prefix, alg, _body, sig = good.split(".")
    tampered_claims = claims(unit_id="b9-0101").model_dump_json(exclude_none=True).encode()
    tampered = ".".join(
        [prefix, alg, base64.urlsafe_b64encode(tampered_claims).rstrip(b"=").decode(), sig]
    )
    for token in (wrong_key, other_estate, tampered, "hello world", good[:-4], "anju1.x.y.z"):
        assert verifier.check(token, now=NOW).result is QrResult.FORGED, token


def test_ed25519_pass_and_unknown_issuer(verifier: PassVerifier, tmp_path: Path) -> None:
    private, public = new_ed25519_keypair()
    ours = PassVerifier(
        "e1",
        NonceStore(tmp_path / "n2.db"),
        hmac_key=None,
        ed25519_public_b64=[base64.b64encode(public).decode()],
        skew_s=60,
    )
    token = sign_pass(claims(), ed25519_private=private)
    assert ours.check(token, now=NOW).result is QrResult.VALID
    assert ours.check(token, now=NOW).result is QrResult.REPLAYED
    # `verifier` trusts a different issuer key and has no way to accept this one
    assert verifier.check(token, now=NOW).result is QrResult.FORGED
    # an HMAC token is forged for a gateway without the HMAC key
    assert ours.check(sign_pass(claims(), hmac_key=KEY), now=NOW).result is QrResult.FORGED


def test_replay_survives_restart(tmp_path: Path) -> None:
    token = sign_pass(claims(), hmac_key=KEY)
    db = tmp_path / "passes.db"
    a = PassVerifier("e1", NonceStore(db), hmac_key=KEY, ed25519_public_b64=[], skew_s=0)
    assert a.check(token, now=NOW).result is QrResult.VALID
    a.nonces.close()
    b = PassVerifier("e1", NonceStore(db), hmac_key=KEY, ed25519_public_b64=[], skew_s=0)
    assert b.check(token, now=NOW).result is QrResult.REPLAYED


def test_patrol_and_report_codes_keep_their_purpose(verifier: PassVerifier) -> None:
    patrol = sign_pass(
        claims(
            purpose=QrPurpose.PATROL_CHECKPOINT,
            pass_id="cp-roof-b3-0001",
            unit_id=None,
            checkpoint_id="b3-roof",
            expires=None,
            single_use=False,
        ),
        hmac_key=KEY,
    )
    out = verifier.check(patrol, now=NOW)
    assert (out.result, out.purpose, out.checkpoint_id) == (
        QrResult.VALID,
        QrPurpose.PATROL_CHECKPOINT,
        "b3-roof",
    )
    report = sign_pass(
        claims(purpose=QrPurpose.RESIDENT_REPORT, pass_id="report-b3-lobby", single_use=False),
        hmac_key=KEY,
    )
    assert verifier.check(report, now=NOW).purpose is QrPurpose.RESIDENT_REPORT


def test_decode_from_camera_frame() -> None:
    token = sign_pass(claims(expires=None), hmac_key=KEY)
    code = cv2.QRCodeEncoder.create().encode(token)
    code = cv2.resize(code, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
    frame = np.full((480, 640, 3), 200, np.uint8)
    h, w = code.shape[:2]
    frame[40 : 40 + h, 60 : 60 + w] = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
    reader = FrameQrReader(dedupe_s=3)
    assert reader.decode(frame, now=0.0) == token
    assert reader.decode(frame, now=1.0) is None  # the same code held up: one scan
    assert reader.decode(frame, now=5.0) == token
    assert reader.decode(np.full((480, 640, 3), 200, np.uint8), now=9.0) is None


def test_agent_reports_scanner_lines_offline(
    tmp_path: Path,
    gateway_config: Callable[..., GatewayConfig],
    run_agent: Callable[..., list[Queued]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No broker at all: the scans are verified and queued as QrScan events."""
    now = time.time()
    good = sign_pass(claims(not_before=int(now - 60), expires=int(now + 600)), hmac_key=KEY)
    old = sign_pass(
        claims(pass_id="visit-0002-old", not_before=int(now - 7200), expires=int(now - 3600)),
        hmac_key=KEY,
    )
    lines = tmp_path / "scanner.txt"
    lines.write_text(f"{good}\n{old}\n{good}\nnot-a-pass\n")
    monkeypatch.setenv("ANJU_EDGE_PASS_KEY", KEY.decode())
    cfg = gateway_config(f'[[qr_scanners]]\nid = "qr-lobby"\npath = "{lines}"\n')
    rows = run_agent(Agent(cfg), 4)
    events = [parse_event(r.payload) for r in rows]
    assert [e.result for e in events] == [  # type: ignore[union-attr]
        QrResult.VALID,
        QrResult.EXPIRED,
        QrResult.REPLAYED,
        QrResult.FORGED,
    ]
    assert all(r.topic == "anju/v1/e1/g1/events/qr" for r in rows)


def test_agent_reads_qr_codes_from_a_camera(
    tmp_path: Path,
    gateway_config: Callable[..., GatewayConfig],
    run_agent: Callable[..., list[Queued]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A visitor holds a pass up to a camera for a dozen frames: one scan, valid."""
    now = time.time()
    token = sign_pass(claims(not_before=int(now - 60), expires=int(now + 600)), hmac_key=KEY)
    code = cv2.resize(
        cv2.QRCodeEncoder.create().encode(token), None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST
    )
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(16):
        frame = np.full((480, 640, 3), 200, np.uint8)
        if 2 <= i < 14:
            h, w = code.shape[:2]
            frame[40 : 40 + h, 60 + i : 60 + i + w] = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
        cv2.imwrite(str(folder / f"{i:03d}.png"), frame)
    monkeypatch.setenv("ANJU_EDGE_PASS_KEY", KEY.decode())
    cfg = gateway_config(
        f'[[cameras]]\nid = "cam-gate"\nsource = "{folder}"\nfaces = false\nqr = true\n'
    )
    events = [parse_event(r.payload) for r in run_agent(Agent(cfg), 1, settle=0.5)]
    assert len(events) == 1
    scan = events[0]
    assert isinstance(scan, QrScan)
    assert (scan.device_id, scan.result, scan.unit_id) == ("cam-gate", QrResult.VALID, "b3-1204")
