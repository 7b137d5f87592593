"""Real-time rules over single passages: card clone (one card at two entrances too
close in time), card after move-out, card used by a non-matching face, evicted re-entry.
Each returns findings for the unit of the credential's (former) household."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from anju_platform.detect.faceweight import Conflict
from anju_platform.detect.model import Evidence, Finding
from anju_platform.detect.presence import Resolved
from anju_platform.detect.register import Register
from anju_platform.detect.settings import DetectSettings


class CardUse(NamedTuple):
    """A granted card use, kept to compare the next use of the same card with (a tuple:
    one per granted card use of the day; a frozen dataclass set each field through
    object.__setattr__)."""

    time: datetime
    gateway_id: str
    event_id: str


def _ev(r: Resolved, kind: str, note: str, code: str, **params: str | float | bool) -> Evidence:
    face = r.passage.face
    eid = r.passage.access.event_id if r.passage.access else r.passage.event_ids[-1]
    snap = face.snapshot_ref if face else None
    return Evidence(eid, r.passage.time, r.day, kind, note, eid, snap, code, tuple(params.items()))


def card_clone(
    r: Resolved, last: CardUse | None, unit: str | None, s: DetectSettings
) -> Finding | None:
    acc = r.passage.access
    if acc is None or not acc.granted or last is None or unit is None:
        return None
    gap = (r.passage.time - last.time).total_seconds()
    if last.gateway_id == r.passage.gateway_id or not 0 <= gap <= s.clone_window_s:
        return None
    return _clone(r, last, unit, gap)


def clone_elsewhere(
    r: Resolved, uses: list[CardUse], unit: str | None, s: DetectSettings
) -> Finding | None:
    """The same card granted at another estate of the authority within the clone window,
    before or after this use (card keys scoped to the authority: one card, one hash)."""
    acc = r.passage.access
    if acc is None or not acc.granted or unit is None or not uses:
        return None
    t = r.passage.time
    near = min(uses, key=lambda u: (abs((u.time - t).total_seconds()), u.gateway_id))
    gap = (t - near.time).total_seconds()
    if abs(gap) > s.clone_window_s or near.gateway_id == r.passage.gateway_id:
        return None
    return _clone(r, near, unit, gap)


def _clone(r: Resolved, other: CardUse, unit: str, gap: float) -> Finding:
    """`gap`: seconds from the other use to this one (negative: the other came later)."""
    first_gw, second_gw = (other.gateway_id, r.passage.gateway_id)
    if gap < 0:
        first_gw, second_gw = second_gw, first_gw
    secs = abs(gap)
    note = f"card used at {first_gw} and {secs:.0f} s later at {second_gw}"
    own = "clone_second" if gap >= 0 else "clone_first"
    mate = Evidence(
        other.event_id, other.time, r.day, "card_use",
        "first use" if gap >= 0 else "second use", other.event_id,
        code="clone_first" if gap >= 0 else "clone_second",
        params=(("gateway", other.gateway_id),),
    )  # fmt: skip
    return Finding(
        "card_clone",
        unit,
        r.day,
        0.9,
        f"The same card was used at two entrances {secs:.0f} s apart ({first_gw}, "
        f"{second_gw}): a copied card is likely.",
        f"同一门卡在{secs:.0f}秒内先后于两个单元门（{first_gw}、{second_gw}）使用，疑似门卡被复制。",
        persons=(r.owner,) if r.owner else (),
        evidence=(
            mate,
            _ev(
                r,
                "card_use",
                note,
                own,
                gateway=r.passage.gateway_id,
                first_gateway=first_gw,
                seconds=round(secs),
            ),
        ),
    )


def after_moveout(r: Resolved, unit: str | None) -> Finding | None:
    """A card of a household that moved out (credential ended, not revoked)."""
    if r.passage.card is None or unit is None or r.cred_state not in ("ended", "valid"):
        return None
    if r.cred_state == "valid" and r.former_unit is None:
        return None  # still a member somewhere, or a carer
    if r.face_person is not None and r.face_person != r.owner:
        return None  # a former tenant's face next to someone else's card: evicted_reentry
    acc, gateway = r.passage.access, r.passage.gateway_id
    ok = acc is not None and bool(acc.granted)
    opened = "the door opened" if ok else "the door refused it"
    return Finding(
        "card_after_moveout",
        unit,
        r.day,
        0.8 if acc is not None and acc.granted else 0.6,
        f"A card of {r.owner}, whose household moved out, was used at {gateway} ({opened}).",
        f"已退房住户{r.owner}的门卡在{gateway}被使用（{'已开门' if ok else '被拒绝'}）。",
        persons=(r.owner,) if r.owner else (),
        evidence=(_ev(r, "card_use", f"former tenant's card; {opened}", "former_card", opened=ok),),
    )


def evicted_reentry(r: Resolved, unit: str | None, evicted: bool) -> Finding | None:
    """A former member whose credentials were revoked: blocked card or recognized face."""
    if unit is None or not evicted:
        return None
    how = (
        "their revoked card at the door"
        if r.cred_state == "revoked"
        else "recognized by the camera"
    )
    gateway = r.passage.gateway_id
    return Finding(
        "evicted_reentry",
        unit,
        r.day,
        0.9,
        f"{r.face_person or r.owner}, evicted from this flat, was at {gateway}: {how}.",
        f"已被收回住房的原住户{r.face_person or r.owner}出现在{gateway}（"
        f"{'使用已注销门卡' if r.cred_state == 'revoked' else '人脸识别'}）。",
        persons=tuple(x for x in (r.face_person or r.owner,) if x),
        evidence=(
            _ev(
                r,
                "entry_attempt",
                how,
                "evicted_card" if r.cred_state == "revoked" else "evicted_face",
            ),
        ),
    )


def face_mismatch(r: Resolved, unit: str | None, s: DetectSettings) -> Finding | None:
    """The card's owner is enrolled, but the face at the door is someone else's.
    One occurrence is weak (score 0.5); the merge opens the alert when it repeats. Not
    when another credential went through the same door within seconds: the camera may
    have paired the card with the other person's face (a neighbour at the door)."""
    if unit is None or r.passage.card is None or r.together:
        return None
    if r.mismatch is None or not r.foreign:
        return _recognised_on_card(r, unit)
    weak = _weak_match(r)
    return Finding(
        "card_face_mismatch",
        unit,
        r.day,
        0.5,
        f"The card of {r.owner} was used by someone whose face does not match the "
        f"enrolled face (distance {r.mismatch:.2f}).",
        f"{r.owner}的门卡被他人使用，现场人脸与登记人脸不符（距离{r.mismatch:.2f}）。",
        persons=tuple(x for x in (r.owner, r.cluster_id) if x),
        evidence=(
            _ev(
                r,
                "card_use",
                f"face distance {r.mismatch:.2f} to the owner",
                "face_mismatch",
                distance=round(r.mismatch, 2),
                **weak,
            ),
        ),
    )


def _weak_match(r: Resolved) -> dict[str, str | float]:
    """The gateway's match the platform found too weak to stand against the card
    (issue 18 item 3), kept as evidence."""
    if r.demoted is None:
        return {}
    out: dict[str, str | float] = {"matched": r.demoted}
    if r.face_conf is not None:
        out["confidence"] = r.face_conf
    return out


def _recognised_on_card(r: Resolved, unit: str) -> Finding | None:
    """Card says A, a confident face match says B (another registered person): B was
    there (the stronger evidence wins) and A's card was in B's hands: kept as the
    card/face mismatch's evidence on A's flat, weighed against its window like any."""
    if r.conflict != Conflict.FOREIGN_CARD or r.face_person is None or r.owner is None:
        return None
    conf = "" if r.face_conf is None else f" (confidence {r.face_conf:.2f})"
    return Finding(
        "card_face_mismatch",
        unit,
        r.day,
        0.5,
        f"The card of {r.owner} was used by {r.face_person}, recognised by the camera{conf}.",
        f"{r.owner}的门卡被{r.face_person}使用（人脸识别{conf}）。",
        persons=(r.owner, r.face_person),
        evidence=(
            _ev(
                r,
                "card_use",
                f"card of {r.owner}, face of {r.face_person}{conf}",
                "card_other_face",
                matched=r.face_person,
                **({} if r.face_conf is None else {"confidence": r.face_conf}),
            ),
        ),
    )


def realtime_findings(
    resolved: list[Resolved],
    register: Register,
    settings: DetectSettings,
    last_use: dict[str, CardUse],
) -> list[Finding]:
    """The real-time rules over resolved passages in time order; `last_use` holds each
    card's latest granted use (updated here). (Here, not in realtime_loop: the daily
    pass runs it over every passage, and this module is compiled.)"""
    findings: list[Finding] = []
    for seen in resolved:
        passage, card = seen.passage, seen.passage.card
        if card is not None:
            owner_unit = register.unit_of(seen.owner, seen.day) if seen.owner else None
            finding = card_clone(seen, last_use.get(card), owner_unit, settings)
            if finding:
                findings.append(finding)
            if passage.access is not None and passage.access.granted:
                last_use[card] = CardUse(passage.time, passage.gateway_id, passage.access.event_id)
            finding = after_moveout(seen, seen.former_unit)
            if finding:
                findings.append(finding)
            finding = face_mismatch(seen, owner_unit, settings)
            if finding:
                findings.append(finding)
        who = seen.face_person or seen.owner
        if who and seen.former_unit and (seen.cred_state == "revoked" or seen.face_person):
            finding = evicted_reentry(seen, seen.former_unit, register.evicted(who))
            if finding:
                findings.append(finding)
    return findings
