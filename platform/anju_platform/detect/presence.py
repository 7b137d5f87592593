"""The presence model: each passage resolved to who it was (a registered person, an
unknown-person cluster, a visitor pass) and for which unit, rolled up per unit and
local day. Resolution uses the register as it was valid at the event time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from anju_platform.detect.clustering import Clusterer, distance
from anju_platform.detect.faceweight import Conflict, confidence, conflict, face_wins
from anju_platform.detect.model import Presence
from anju_platform.detect.passages import EventRow, Passage
from anju_platform.detect.register import Register


@dataclass(slots=True)
class Resolved:
    """One passage after resolution; what the rules and the roll-up read."""

    passage: Passage
    day: date
    night: bool
    unit_id: str | None = None
    identity: str | None = None
    role: str | None = None
    via: str = ""
    cluster_id: str | None = None
    owner: str | None = None  # person of the credential used
    cred_state: str | None = None  # valid | ended | revoked | unknown
    face_person: str | None = None  # recognized (or matched to an enrollment)
    mismatch: float | None = None  # distance of the face to the card owner's enrollment
    former_unit: str | None = None  # a former member's old unit
    # another credential went through the same door within seconds: two people at once,
    # so the face the camera paired with this card may be the other person's
    together: bool = False
    face_conf: float | None = None  # the match's confidence from the calibration
    # how the recognised face contradicted the person's history (issue 18 item 3), and
    # the person it named when it was too weak to stand (then taken as an unknown face)
    conflict: Conflict | None = None
    foreign: bool = False  # the face is too far from the card owner's enrolment
    demoted: str | None = None

    # Written out (dataclass keeps it): the generated one is interpreted Python even
    # when this module is compiled, and one Resolved is made per passage
    def __init__(
        self,
        passage: Passage,
        day: date,
        night: bool,
        unit_id: str | None = None,
        identity: str | None = None,
        role: str | None = None,
        via: str = "",
        cluster_id: str | None = None,
        owner: str | None = None,
        cred_state: str | None = None,
        face_person: str | None = None,
        mismatch: float | None = None,
        former_unit: str | None = None,
        together: bool = False,
        face_conf: float | None = None,
        conflict: Conflict | None = None,
        foreign: bool = False,
        demoted: str | None = None,
    ) -> None:
        self.passage, self.day, self.night = passage, day, night
        self.unit_id, self.identity, self.role, self.via = unit_id, identity, role, via
        self.cluster_id, self.owner, self.cred_state = cluster_id, owner, cred_state
        self.face_person, self.mismatch, self.former_unit = face_person, mismatch, former_unit
        self.together, self.face_conf, self.conflict = together, face_conf, conflict
        self.foreign, self.demoted = foreign, demoted


@dataclass
class Resolver:
    reg: Register
    clusters: Clusterer
    tz: timedelta
    threshold: float
    # visitor pass -> the face that entered on it: the way out on the same pass (no
    # camera faces the exit) is the same person, so a day visit reads as in-and-out
    pass_faces: dict[str, str] = field(default_factory=dict)
    together_s: float = 3.0
    # the real-time loop reads up to here: a passage closer to it than together_s may yet
    # get a companion in the next poll, so it counts as together (the daily pass decides)
    horizon: datetime | None = None
    # evicted persons' enrolments compared with unknown faces this many days after the
    # eviction (0: off), a face closer than watch_distance being that person
    watch_days: int = 0
    watch_distance: float = 0.55
    # stranger cluster -> the one flat the window links it to (passes, member cards on
    # 2+ days): its face-only entries (followed someone in) count for that flat
    cluster_units: dict[str, str] = field(default_factory=dict)
    # a contradicted match stands at this confidence or more; 'band': how far inside the
    # threshold and the margin a match is fully confident
    face_strong: float = 0.75
    face_band: float = 0.1
    _last: dict[str, Resolved] = field(default_factory=dict)  # gateway -> latest passage
    # gateway -> time of its latest passage with a face and no credential
    _last_face: dict[str, datetime] = field(default_factory=dict)
    _watch: dict[date, tuple[list[str], np.ndarray | None]] = field(default_factory=dict)
    # event id -> watched() of its face, measured for a day's faces at once (prepare_watch)
    _watched: dict[str, str | None] = field(default_factory=dict)

    def local(self, t: datetime) -> tuple[date, bool]:
        lt = t + self.tz
        return lt.date(), lt.hour >= 22 or lt.hour < 6

    def _weigh_match(self, face: EventRow) -> tuple[bool, float | None]:
        """(the stored match holds, its confidence). It holds unless the estate's latest
        calibration (of the same face model) rejects it: the gateway may have matched
        with an older threshold. The confidence: from the embedding re-measured, else
        from the distances the event carries; None without a calibration."""
        check = self.reg.faces
        if check is None or face.face_model != check.model:
            return True, None
        if face.embedding is not None:
            w = check.weigh(face.embedding, self.face_band)
            return w.person_id == face.person_id, w.confidence
        if face.distance is None:
            return True, None
        limit = check.person_thresholds.get(face.person_id or "", check.threshold)
        return True, confidence(face.distance, face.second_distance, limit, self.face_band)

    def resolve(self, p: Passage) -> Resolved:
        t = p.time
        lt = t + self.tz  # (local(), inline: this runs for every passage of the day)
        hour = lt.hour
        r = Resolved(p, lt.date(), hour >= 22 or hour < 6)
        day, reg = r.day, self.reg
        face, qr, acc = p.face, p.qr, p.access
        matched = False
        if face is not None:
            if face.person_id:
                if reg.faces is None:  # no calibration: the stored match stands
                    stands = True
                else:
                    stands, r.face_conf = self._weigh_match(face)
                if stands:
                    r.face_person, matched = face.person_id, True
                elif face.embedding is not None:  # a match the calibration rejects
                    self._unknown(r, face)
            elif face.embedding is not None:  # unknown
                self._unknown(r, face)
        ctype = ref = None
        if acc is not None:
            ctype, ref = acc.credential_type, acc.credential_ref
            if ctype == "face" and ref:
                matched = matched or r.face_person is None
                r.face_person = r.face_person or ref
        if (ctype == "card" or ctype == "qr") and ref:
            assert acc is not None
            cred, ok = reg.credential(ctype, ref, acc.time)
            if cred is not None and cred.person_id:
                r.owner = cred.person_id
                r.cred_state = (
                    "valid" if ok else ("revoked" if cred.revoked_at is not None else "ended")
                )
                emb = reg.enrollments.get(cred.person_id)
                if (
                    emb is not None
                    and face is not None
                    and r.face_person is None
                    and face.embedding is not None
                ):
                    r.mismatch = distance(emb, face.embedding)
            elif ctype == "card":
                r.cred_state = "unknown"
        elif qr is not None and qr.purpose == "tenant_pass" and qr.pass_id:
            cred, ok = reg.credential("qr", qr.pass_id, qr.time)
            if cred is not None and cred.person_id:
                r.owner, r.cred_state = cred.person_id, "valid" if ok else "ended"
        if matched and r.face_person is not None:
            self._contradicted(r, r.face_person, day)
        self._attribute(r, day)
        self._together(r, t)
        return r

    def _unknown(self, r: Resolved, face: EventRow) -> None:
        assert face.embedding is not None
        r.cluster_id = self.clusters.assign(
            face.gateway_id, face.event_id, face.time, face.embedding
        )
        got = self._watched.get(face.event_id, _UNMEASURED)
        r.face_person = got if got is not _UNMEASURED else self.watched(face.embedding, r.day)

    def _contradicted(self, r: Resolved, person: str, day: date) -> None:
        """A recognised face against the person's own history (issue 18 item 3): a
        confident match stands (the conflict is kept); a weak one does not alone make
        them present: it is taken as an unknown face, and the card decides."""
        p, reg = r.passage, self.reg
        follows = None
        if r.owner is None:
            prev = self._last.get(p.gateway_id)
            if prev is not None and (p.time - prev.passage.time).total_seconds() <= self.together_s:
                follows = prev.owner
        unit = reg.unit_of(person, day)
        r.conflict = conflict(
            person,
            r.owner,
            reg.unit_buildings.get(unit) if unit is not None else None,
            reg.gateway_buildings.get(p.gateway_id, _NO_BUILDINGS),
            follows,
        )
        if r.conflict is None or face_wins(r.face_conf, self.face_strong):
            return
        r.face_person, r.demoted = None, person
        face = p.face
        if face is None or face.embedding is None or r.cluster_id is not None:
            return
        self._unknown(r, face)
        emb = reg.enrollments.get(r.owner) if r.owner is not None else None
        if emb is not None and r.face_person is None:
            r.mismatch = distance(emb, face.embedding)

    def prepare_watch(self, day: date, faces: list[tuple[str, np.ndarray]]) -> None:
        """watched() for a day's (event id, embedding) unknown faces in one array
        operation (the same arithmetic per face and leader: the same answers)."""
        self._watched.clear()
        if not self.watch_days or not faces:
            return
        got = self._watch.get(day)
        if got is None:
            got = self._watch[day] = self.reg.watch_list(day, self.watch_days)
        pids, vecs = got
        for k in range(0, len(faces), 256):  # bounded memory
            part = faces[k : k + 256]
            if vecs is None:
                self._watched.update((eid, None) for eid, _ in part)
                continue
            e = np.stack([v for _, v in part])
            d = np.sqrt(((vecs[None, :, :] - e[:, None, :]) ** 2).sum(axis=2))
            best = np.argmin(d, axis=1)
            near = d[np.arange(len(part)), best].tolist()  # (not a numpy scalar per face)
            for (eid, _), i, x in zip(part, best.tolist(), near, strict=True):
                self._watched[eid] = pids[i] if x < self.watch_distance else None

    def watched(self, emb: np.ndarray, day: date) -> str | None:
        """An unknown face that is an evicted person on the watch list (the gateway's
        gallery dropped them; the platform keeps their enrolment for the watch period)."""
        if not self.watch_days:
            return None
        got = self._watch.get(day)
        if got is None:
            got = self._watch[day] = self.reg.watch_list(day, self.watch_days)
        pids, vecs = got
        if vecs is None:
            return None
        d = np.sqrt(((vecs - emb) ** 2).sum(axis=1))
        i = int(np.argmin(d))
        return pids[i] if d[i] < self.watch_distance else None

    def _together(self, r: Resolved, t: datetime) -> None:
        """Mark two credential passages at one door within seconds of each other (the
        earlier one is marked late: the rules read them after the batch is resolved), and
        a credential passage right after another face at the door: two people there, so
        the camera may have paired the card with the other one's face (a household member
        without a card of their own walking in with the holder, a neighbour)."""
        p = r.passage
        gw = p.gateway_id
        if p.access is None and p.qr is None:
            if p.face is not None:
                self._last_face[gw] = t
            return
        within = self.together_s
        if self.horizon is not None and (self.horizon - t).total_seconds() < within:
            r.together = True
        face_at = self._last_face.get(gw)
        if face_at is not None and (t - face_at).total_seconds() <= within:
            r.together = True
        last = self._last
        prev = last.get(gw)
        last[gw] = r
        if prev is not None and abs((t - prev.passage.time).total_seconds()) <= within:
            prev.together = r.together = True

    def _attribute(self, r: Resolved, day: date) -> None:
        reg, qr = self.reg, r.passage.qr
        foreign = r.foreign = r.mismatch is not None and r.mismatch >= self.threshold
        who = r.face_person or (r.owner if not foreign else None)
        if who is not None:
            unit = reg.unit_of(who, day)
            if unit is not None:
                r.unit_id, r.identity, r.role = unit, who, "member"
                acc = r.passage.access
                if r.face_person is not None:
                    r.via, r.cluster_id = "face", None
                else:
                    r.via = (acc.credential_type if acc else None) or "qr"
                    if r.mismatch is not None:  # the enrolled owner's own face, not matched
                        r.cluster_id = None
                return
            carer = reg.carer_units(who, day)
            if carer:
                r.unit_id, r.identity, r.role, r.via = carer[0], who, "caregiver", "card"
                return
            r.former_unit = reg.former_unit(who, day)
            if r.face_person is not None:
                return
        if foreign and r.owner is not None:  # someone else's face with a member's card
            unit = reg.unit_of(r.owner, day)
            if unit is not None and r.cluster_id is not None:
                r.unit_id, r.identity, r.role, r.via = unit, r.cluster_id, "stranger", "card"
            return
        if (
            qr is not None
            and qr.purpose == "visitor_pass"
            and qr.unit_id
            and qr.unit_id in reg.units
        ):
            r.unit_id, r.via = qr.unit_id, "visitor"
            key = qr.pass_id or qr.event_id
            if r.cluster_id is not None:
                self.pass_faces.setdefault(key, r.cluster_id)
            elif key in self.pass_faces:
                r.cluster_id = self.pass_faces[key]
            if r.cluster_id is not None:
                r.identity, r.role = r.cluster_id, "stranger"
            else:
                r.identity, r.role = f"pass:{qr.pass_id or qr.event_id}", "visitor"
            return
        cid = r.cluster_id
        if cid is not None and r.face_person is None and r.passage.access is None and qr is None:
            unit = self.cluster_units.get(cid)  # issue 16 item 1: occupants who tailgate
            if unit is not None:
                r.unit_id, r.identity, r.role, r.via = unit, cid, "stranger", "tailgate"


_UNMEASURED = "\0"  # not in _watched: measured one by one
_NO_BUILDINGS: frozenset[str] = frozenset()


def roll_up(resolved: list[Resolved]) -> list[Presence]:
    """Passages with a unit -> one Presence per (unit, day, identity)."""
    # per key: [role, vias, cluster, n, n_in, n_face, n_night, last_in, event ids]; a
    # list, not an object per key: the roll-up runs over every passage of the day
    acc: dict[tuple[str, date, str], list[Any]] = {}
    get = acc.get
    for r in resolved:
        unit, ident, role = r.unit_id, r.identity, r.role
        if unit is None or ident is None or role is None:
            continue
        key = (unit, r.day, ident)
        p = r.passage
        entering = p.direction == "in"
        a = get(key)
        if a is None:
            acc[key] = [
                role, {r.via}, r.cluster_id, 1, int(entering), int(p.face is not None),
                int(r.night), entering, [p.event_ids[-1]],
            ]  # fmt: skip
            continue
        a[1].add(r.via)
        if not a[2]:
            a[2] = r.cluster_id
        if a[3] < 4:  # the first four passages' ids
            a[8].append(p.event_ids[-1])
        a[3] += 1
        a[4] += entering
        a[5] += p.face is not None
        a[6] += r.night
        a[7] = entering
    return [
        _new_row(Presence, (u, d, ident, a[0], _vias(a[1]), *a[2:8], tuple(a[8])))
        for (u, d, ident), a in sorted(acc.items())
    ]


# tuple.__new__, not Presence._make: _make is a Python function (a frame per row)
_new_row = tuple.__new__


def _vias(vias: set[str]) -> str:
    return ",".join(sorted(vias)) if len(vias) > 1 else next(iter(vias))
