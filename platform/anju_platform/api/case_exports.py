"""A case exported for the authority: one self-contained HTML file, or a PDF with
signature and stamp fields. The content comes from services.case_reads.gather (the
detail, photos, and face snapshots for roles that see faces); the export is audited."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from anju_platform.access import Location
from anju_platform.console.places import flat_label
from anju_platform.deps import Conn, Settings, TzOffset, User, log
from anju_platform.repo import case_context as context
from anju_platform.services import case_reads as reads
from anju_platform.workflow import evidence_pack, evidence_pdf

router = APIRouter(prefix="/cases", tags=["cases"])


def _on_clock(value: Any, zone: timezone) -> Any:
    """Every datetime in a case detail moved to the estates' clock."""
    if isinstance(value, datetime):
        return value.astimezone(zone)
    if isinstance(value, dict):
        return {k: _on_clock(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [_on_clock(v, zone) for v in value]
    return value


@router.get(
    "/{case_id}/evidence-pack",
    summary="The case as one self-contained HTML file",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def evidence_pack_html(
    case_id: int, conn: Conn, who: User, settings: Settings, tz: TzOffset
) -> Response:
    with conn.transaction():
        pack = reads.gather(conn, who, settings, case_id, tz)
        d = pack.detail
        photos = [
            evidence_pack.Image(
                f"{p.photo_id} · {p.uploaded_by} · {p.uploaded_at:%Y-%m-%d %H:%M}",
                p.content_type,
                data,
            )
            for p, data in pack.photos
        ]
        snaps = [
            evidence_pack.Image(f"{s.event_id} · {s.taken_at:%Y-%m-%d %H:%M:%S}", ctype, data)
            for s, ctype, data in pack.snapshots
        ]
        zone = timezone(timedelta(hours=tz))
        d = _on_clock(d, zone)  # times on the estates' clock, with their offset
        html = evidence_pack.render(
            d, d["evidence"], d["visits"], photos, snaps, d["deduction"], d["decision"],
            d["household"], d["suppressions"], datetime.now(zone), who.user_id,
        )  # fmt: skip
        log(conn, who, "export", "case", str(case_id), [Location(d["estate_id"], d["grid_id"])],
            {"photos": len(photos), "snapshots": len(snaps)})  # fmt: skip
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}.html"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/{case_id}/evidence-pack.pdf",
    summary="The case as a PDF to hand to the authority (signature and stamp fields)",
    description="Chinese, times on the estates' clock, page numbers and the content's "
    "SHA-256 on every page (also in the X-Content-SHA256 header): the same case content "
    "gives the same checksum in every copy. 503 when the PDF font is not installed.",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def evidence_pack_pdf(
    case_id: int, conn: Conn, who: User, settings: Settings, tz: TzOffset
) -> Response:
    if not settings.cases.pdf_font.is_file():
        raise HTTPException(503, "the PDF font is not installed (ANJU_PLATFORM_PDF_FONT)")
    with conn.transaction():
        pack = reads.gather(conn, who, settings, case_id, tz)
        d = pack.detail
        place = context.place_names(conn, d["unit_id"], d["grid_id"], d["estate_id"])
        people: dict[str, str] = {
            m["person_id"]: m["name"] for m in (d["household"] or {}).get("members", [])
        }
        if d["assignee_id"] and d["assignee_name"]:
            people[d["assignee_id"]] = d["assignee_name"]
        names = evidence_pdf.Names(
            flat=flat_label(place["building_name"], place["entrance_name"], place["number"])
            if place["number"]
            else (place["building_name"] or d["building_id"] or ""),
            estate=place["estate_name"] or d["estate_id"],
            address=place["address"],
            grid=place["grid_name"],
            gateways=context.gateway_names(conn, d["estate_id"]),
            people=people,
        )
        photos = [
            evidence_pdf.PdfImage(
                evidence_pdf.local(p.uploaded_at, tz) + " · "
                + people.get(p.uploaded_by, p.uploaded_by),
                data, p.sha256 or hashlib.sha256(data).hexdigest(), p.visit_id,
            )
            for p, data in pack.photos
        ]  # fmt: skip
        snaps = [
            evidence_pdf.PdfImage(
                f"{evidence_pdf.local(s.taken_at, tz)} · {s.event_id[:8]}",
                data, hashlib.sha256(data).hexdigest(),
            )
            for s, _ctype, data in pack.snapshots
        ]  # fmt: skip
        pdf, digest = evidence_pdf.render_pdf(
            d, names, d["evidence"], d["visits"], photos, snaps, d["deduction"], d["decision"],
            d["household"], datetime.now(UTC), who.user_id, tz, settings.cases.pdf_font,
        )  # fmt: skip
        log(conn, who, "export", "case", str(case_id), [Location(d["estate_id"], d["grid_id"])],
            {"format": "pdf", "photos": len(photos), "snapshots": len(snaps),
             "sha256": digest})  # fmt: skip
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Content-SHA256": digest,
        },
    )
