"""Passages -> wire events: the camera sees a face, the QR scanner checks a pass, the
door controller decides. Unknown faces carry an embedding (for stranger clustering);
recognized ones carry the matched person and distance."""

from __future__ import annotations

import numpy as np

from anju_sim import embeddings, wire
from anju_sim.days import IN, DayContext

CAMERA_LEAD_S = 2  # the camera tracks the face a moment before the door decides
QR_LEAD_S = 1
MISREAD_LEAD_S = 4


def emit(ctx: DayContext) -> list[wire.SimEvent]:
    sim, params, rng = ctx.sim, ctx.params, ctx.rng
    ctx.passages.sort(key=lambda p: p.t)  # stable: ties keep emission order
    base = wire.day_start_utc(params.start, ctx.day)
    fmt = wire.TimeFormatter()
    estate, doors, gateways = sim.estate_id, sim.doors, sim.gateways
    capture, miss = params.camera_capture, params.recognition_miss
    misread = params.card_misread
    rand, gauss, match = rng.random, rng.gauss, embeddings.match_distance
    sigmas = sim.sigmas.tolist()  # plain floats: numpy scalar indexing is slow per event
    face, access, qr = wire.face, wire.access, wire.qr
    out: list[tuple[int, str, dict[str, object]]] = []
    unknown: list[tuple[int, dict[str, object]]] = []
    for p in ctx.passages:
        gw = gateways[p.entrance]
        t = base + p.t
        a = p.actor
        cam = p.camera
        if p.method == "face":
            cam = True
        elif cam is None:
            cam = p.direction == IN and rand() < capture
        recognized = False
        if cam:
            quality = round(0.55 + 0.44 * rand(), 2)
            track = f"{ctx.day}-{len(out)}"
            if a is not None and a.enrolled and rand() >= miss:
                recognized = True
                dist = match(sigmas[a.aid], gauss(0, 1))
                h = face(
                    fmt(t - CAMERA_LEAD_S),
                    estate,
                    gw,
                    track,
                    a.person_id,
                    dist,
                    quality,
                    p.direction,
                    False,
                )
            else:
                h = face(
                    fmt(t - CAMERA_LEAD_S),
                    estate,
                    gw,
                    track,
                    None,
                    None,
                    quality,
                    p.direction,
                    True,
                )
                unknown.append((a.aid if a is not None else -1, h))
            out.append((t - CAMERA_LEAD_S, gw, h))
        method, ref = p.method, p.ref
        if method == "face" and not recognized:  # fall back to the card, else follow someone
            method, ref = ("card", a.card) if a is not None and a.card else ("tailgate", None)
        if method == "tailgate":
            continue
        if method in ("visitor", "qr"):
            purpose = "visitor_pass" if method == "visitor" else "tenant_pass"
            if ref is None and a is not None:
                ref = a.qr
            out.append(
                (
                    t - QR_LEAD_S,
                    gw,
                    qr(fmt(t - QR_LEAD_S), estate, gw, purpose, "valid", ref, p.unit_id),
                )
            )
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
                bad = access(
                    fmt(t - MISREAD_LEAD_S),
                    estate,
                    gw,
                    doors[gw],
                    p.direction,
                    ctype,
                    ref,
                    False,
                    "invalid",
                )
                out.append((t - MISREAD_LEAD_S, gw, bad))
        out.append(
            (
                t,
                gw,
                access(fmt(t), estate, gw, doors[gw], p.direction, ctype, ref, p.granted, p.reason),
            )
        )
    _fill_embeddings(ctx, unknown)
    out.sort(key=lambda r: r[0])
    ids = wire.uuid4_strs(ctx.nrng.bytes(16 * len(out)))
    events = []
    for (t, gw, h), eid in zip(out, ids, strict=True):
        h["event_id"] = eid
        events.append(wire.SimEvent(t, gw, str(h["kind"]), eid, wire.dumps(h)))
    return events


def _fill_embeddings(ctx: DayContext, unknown: list[tuple[int, dict[str, object]]]) -> None:
    if not unknown:
        return
    sim = ctx.sim
    idx = np.fromiter((aid for aid, _ in unknown), dtype=np.int64, count=len(unknown))
    fresh = idx < 0
    safe = np.where(fresh, 0, idx)
    centre, sigma = sim.centres[safe], sim.sigmas[safe]
    if fresh.any():  # one-off strangers: a new face each
        c, s = embeddings.centres(ctx.nrng, int(fresh.sum()))
        centre[fresh] = c
        sigma[fresh] = s
    rows = embeddings.sightings(ctx.nrng, centre, sigma)
    for (_, h), row in zip(unknown, rows, strict=True):
        h["embedding"] = row
