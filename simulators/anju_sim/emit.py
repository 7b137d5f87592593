"""Passages -> wire events: the camera sees a face, the QR scanner checks a pass, the
door controller decides. Unknown faces carry an embedding (for stranger clustering);
recognized ones carry the matched person and distance. Faces are matched as the
gateway does (embeddings.FaceGate): a resident's sighting beyond their threshold is
unknown, and a stranger's face near a resident's enrolment is taken for them."""

from __future__ import annotations

import numpy as np

from anju_sim import embeddings, wire
from anju_sim.passages import IN, DayContext
from anju_sim.wire import SimEvent

CAMERA_LEAD_S = 2  # the camera tracks the face a moment before the door decides
QR_LEAD_S = 1
MISREAD_LEAD_S = 4
MAX_EVENTS_PER_PASSAGE = 4  # face, QR, a misread, access


def emit(ctx: DayContext) -> list[SimEvent]:
    sim, params, rng = ctx.sim, ctx.params, ctx.rng
    ctx.passages.sort(key=lambda p: p.t)  # stable: ties keep emission order
    if params.world.same_second > 0:
        _same_second(ctx)
    base = wire.day_start_utc(params.start, ctx.day)
    fmt = wire.TimeFormatter()
    estate, doors, gateways = sim.estate_id, sim.doors, sim.gateways
    capture, miss, misread = params.camera_capture, params.recognition_miss, params.card_misread
    capture_out = params.world.camera_capture_out
    rand, gauss, match = rng.random, rng.gauss, embeddings.match_distance
    sigmas = sim.sigmas.tolist()  # plain floats: numpy scalar indexing is slow per event
    access, qr = wire.access, wire.qr
    # ids in emission order; more random bytes than needed is harmless (and repeatable)
    ids = iter(wire.uuid4_strs(ctx.nrng.bytes(16 * MAX_EVENTS_PER_PASSAGE * len(ctx.passages))))
    gate = sim.faces
    out: list[SimEvent] = []
    unknown: list[Unknown] = []
    day = ctx.day
    for p in ctx.passages:
        if p.at is None:
            est, gw = estate, gateways[p.entrance]
            door = doors[gw]
        else:  # a cloned card at another estate of the authority
            est, gw, door = p.at
        t = base + p.t
        a = p.actor
        direction = p.direction
        method, ref = p.method, p.ref
        cam = True if method == "face" else p.camera
        if cam is None:
            # exits: off (and not drawn) in the default world
            cam = rand() < capture if direction == IN else capture_out > 0 and rand() < capture_out
        recognized = False
        if cam:
            quality = round(0.55 + 0.44 * rand(), 2)
            eid = next(ids)
            track = f"{day}-{len(out)}"
            ts = fmt(t - CAMERA_LEAD_S)
            enrolled = a is not None and a.enrolled
            dist = match(sigmas[a.aid], gauss(0, 1)) if a is not None and enrolled else 0.0
            if (
                a is not None
                and enrolled
                and rand() >= miss
                and gate.accepts(a.person_id or "", dist)
            ):
                recognized = True
                data = wire.face_known(
                    eid, ts, est, gw, track, a.person_id or "", dist, quality, direction
                )
            else:  # the gateway matches a stranger's face against the whole gallery
                before, after = wire.face_unknown(eid, ts, est, gw, track, quality, direction)
                head = (eid, ts, est, gw, track, quality, direction, not enrolled)
                unknown.append((len(out), a.aid if a is not None else -1, before, after, head))
                data = b""
            out.append(SimEvent(t - CAMERA_LEAD_S, gw, "face", eid, data))
        if method == "face" and not recognized:  # fall back to the card, else follow someone
            method, ref = ("card", a.card) if a is not None and a.card else ("tailgate", None)
        if method == "tailgate":
            continue
        if method == "visitor" or method == "qr":
            purpose = "visitor_pass" if method == "visitor" else "tenant_pass"
            if ref is None and a is not None:
                ref = a.qr
            eid = next(ids)
            data = qr(eid, fmt(t - QR_LEAD_S), est, gw, purpose, "valid", ref, p.unit_id)
            out.append(SimEvent(t - QR_LEAD_S, gw, "qr", eid, data))
            ctype = "qr"
        elif method == "face":
            ctype, ref = "face", a.person_id if a is not None else None
        elif method == "pin":
            ctype, ref = "pin", None
        else:
            ctype = "card"
            if ref is None and a is not None:
                ref = a.card
            if p.granted and rand() < misread:  # a bad read first, then it works
                eid = next(ids)
                tm = t - MISREAD_LEAD_S
                data = access(eid, fmt(tm), est, gw, door, direction, ctype, ref, False, "invalid")
                out.append(SimEvent(tm, gw, "access", eid, data))
        eid = next(ids)
        data = access(eid, fmt(t), est, gw, door, direction, ctype, ref, p.granted, p.reason)
        out.append(SimEvent(t, gw, "access", eid, data))
    _fill_embeddings(ctx, out, unknown)
    out.sort(key=lambda ev: ev.t)
    return out


# (row in out, aid, JSON before and after the embedding,
#  (event id, time, estate, gateway, track, quality, direction, a stranger to the gallery))
Unknown = tuple[int, int, bytes, bytes, tuple[str, str, str, str, str, float, str, bool]]


def _same_second(ctx: DayContext) -> None:
    """Two people at the door together: a passage moved onto the second of the one
    before it at the same entrance (their events then tie in time)."""
    rand, share = ctx.rng.random, ctx.params.world.same_second
    prev = None
    for p in ctx.passages:
        near = prev is not None and p.entrance == prev.entrance and 0 < p.t - prev.t <= 60
        if near and prev is not None and rand() < share:
            p.t = prev.t
        prev = p


def _fill_embeddings(ctx: DayContext, out: list[SimEvent], unknown: list[Unknown]) -> None:
    if not unknown:
        return
    sim = ctx.sim
    idx = np.fromiter((u[1] for u in unknown), dtype=np.int64, count=len(unknown))
    fresh = idx < 0
    safe = np.where(fresh, 0, idx)
    centre, sigma = sim.centres[safe], sim.sigmas[safe]
    if fresh.any():  # one-off strangers: a new face each
        c, s = embeddings.centres(ctx.nrng, int(fresh.sum()), ctx.params.face_spread)
        centre[fresh] = c
        sigma[fresh] = s
    rows = embeddings.sightings(ctx.nrng, centre, sigma)
    # Strangers to the gallery (not an enrolled resident's missed sighting): the gateway
    # takes some for a resident; such an event names that resident.
    strange = [k for k, u in enumerate(unknown) if u[4][7]]
    taken = dict(zip(strange, sim.faces.match(rows[strange]), strict=True))
    for k, ((i, aid, before, after, head), row) in enumerate(zip(unknown, rows, strict=True)):
        m = taken.get(k)
        if m is not None and aid >= 0 and m[0] == sim.actors[aid].person_id:
            # their own enrolment, which the gateways' gallery no longer holds (an evicted
            # or departed member): the gallery is fixed for the run, the gateway's is not
            m = None
        if m is not None:
            eid, ts, est, gw, track, quality, direction, _ = head
            data = wire.face_known(eid, ts, est, gw, track, m[0], m[1], quality, direction)
            out[i] = out[i]._replace(data=data)
        else:
            out[i] = out[i]._replace(data=before + wire.embedding_json(row) + after)
