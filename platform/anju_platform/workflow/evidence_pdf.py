"""Evidence pack as a PDF to hand to the housing authority (证据包): the case, the
household and its registered members, the evidence in words with face snapshots, the
inspector's visits with their photos, the outcome, fields for signatures and the
office's stamp; on every page its number and the checksum of the contents.

Words come from the console's dictionaries (one vocabulary), times are on the estates'
clock (UTC+8 in China). The checksum is the SHA-256 of the pack's content as canonical
JSON (`content_digest`): the same case gives the same checksum in every copy, whenever
it is printed, so a paper copy can be matched against the platform. Pure but for the
font file it reads."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from anju_platform.console.dictionary import t, term

FONT = "anju-cjk"


@dataclass(frozen=True, slots=True)
class PdfImage:
    caption: str
    data: bytes
    sha256: str
    visit_id: int | None = None


@dataclass(frozen=True, slots=True)
class Names:
    """The case's places and people by name (resolved from the register by the caller)."""

    flat: str
    estate: str
    address: str | None
    grid: str | None
    gateways: Mapping[str, str]
    people: Mapping[str, str]


def local(value: datetime | None, hours: int) -> str:
    if value is None:
        return "—"
    return (value.astimezone(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def _day(value: date | str | None) -> str:
    return str(value)[:10] if value else "—"


# Day-level evidence shows its day, not the noon UTC it is stored at.
DAY_KINDS = {"stranger_day", "regular_stranger", "visitor", "last_sign", "last_seen"}


def who_name(who: str, names: Names) -> str:
    if who.startswith("pass:"):
        return t("evidence.pass", id=who[5:])
    if who.startswith("u-"):
        return t("evidence.stranger", id=who[2:8])
    return names.people.get(who, who)


def note_text(e: Mapping[str, Any], names: Names) -> str:
    """The evidence note in Chinese from its code and values (as the console does)."""
    code, params = e.get("code"), e.get("params") or {}
    key = f"evidenceNote.{code}"
    if not code or t(key) == key:
        return str(e.get("note") or "")
    out: dict[str, str] = {}
    for k, v in params.items():
        if k in ("who", "holder"):
            out[k] = who_name(str(v), names)
        elif k == "via":
            out[k] = "、".join(term("value", x) for x in str(v).replace("+", ",").split(","))
        elif k in ("gateway", "first_gateway"):
            out[k] = names.gateways.get(str(v), str(v))
        elif k == "opened":
            out[k] = term("opened", str(v).lower())
        elif k == "since":
            out[k] = _day(v) if v else t("evidence.sinceWatching")
        else:
            out[k] = str(v)
    return t(key, **out)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


CASE_FIELDS = (
    "case_id", "alert_id", "estate_id", "grid_id", "unit_id", "building_id", "type", "source",
    "score", "level", "reason_zh", "reason_en", "status", "assignee_id", "due_at",
    "created_at", "first_visit_at", "closed_at",
)  # fmt: skip


def content_digest(
    case: Mapping[str, Any],
    evidence: Sequence[Mapping[str, Any]],
    visits: Sequence[Mapping[str, Any]],
    photos: Sequence[PdfImage],
    snapshots: Sequence[PdfImage],
    deduction: Mapping[str, Any] | None,
    decision: Mapping[str, Any] | None,
    household: Mapping[str, Any] | None,
) -> str:
    """SHA-256 of the pack's content as canonical JSON (sorted keys, UTC times, the
    images by their own SHA-256). Not of the PDF bytes, which carry a creation time."""
    members = [
        {k: m.get(k) for k in ("person_id", "name", "role")}
        for m in (household or {}).get("members", [])
    ]
    content = {
        "case": {k: case.get(k) for k in CASE_FIELDS},
        "evidence": [
            {k: e.get(k) for k in ("at", "day", "kind", "event_id", "code", "params", "note")}
            for e in evidence
        ],
        "visits": list(visits),
        "photos": [p.sha256 for p in photos],
        "snapshots": [s.sha256 for s in snapshots],
        "deduction": deduction,
        "decision": decision,
        "household": {"household_id": (household or {}).get("household_id"), "members": members},
    }
    text = json.dumps(_plain(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Pdf(FPDF):
    def __init__(self, font: Path, title: str, digest: str) -> None:
        super().__init__(format="A4")
        # the same face for the plain and bold styles fpdf2's tables ask for
        for style in ("", "B"):
            self.add_font(FONT, style=style, fname=str(font), collection_font_number=0)
        self.pack_title, self.digest = title, digest
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()
        self.set_title(title)
        self.set_creator("Anju")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        text = t("pdf.footer", page=self.page_no(), pages="{nb}", digest=self.digest[:16])
        self.cell(0, 6, f"{self.pack_title} · {text}", align="C")
        self.set_text_color(0)


def _heading(pdf: _Pdf, text: str, room: float = 20) -> None:
    """A section title; a new page first when less than `room` mm is left under it."""
    if pdf.get_y() > pdf.h - pdf.b_margin - room:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", size=12)
    pdf.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(120)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.5)
    pdf.set_font(FONT, size=9.5)


def _facts(pdf: _Pdf, pairs: Sequence[tuple[str, Any]]) -> None:
    with pdf.table(col_widths=(32, 148), first_row_as_headings=False, line_height=6) as table:
        for k, v in pairs:
            row = table.row()
            row.cell(k)
            row.cell("—" if v is None or v == "" else str(v))


def _table(
    pdf: _Pdf, head: Sequence[str], rows: Sequence[Sequence[Any]], widths: tuple[int, ...]
) -> None:
    if not rows:
        pdf.cell(0, 6, t("pdf.none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    with pdf.table(col_widths=widths, line_height=5.5) as table:
        table.row(list(head))
        for r in rows:
            table.row(["—" if c is None or c == "" else str(c) for c in r])


def _images(pdf: _Pdf, images: Sequence[PdfImage]) -> None:
    """Two images a row, each with its caption under it."""
    w, gap = 85.0, 10.0
    for i, img in enumerate(images):
        if i % 2 == 0 and pdf.get_y() > pdf.h - 90:
            pdf.add_page()
        x = pdf.l_margin + (i % 2) * (w + gap)
        y = pdf.get_y()
        pdf.image(io.BytesIO(img.data), x=x, y=y, w=w, h=60, keep_aspect_ratio=True)
        pdf.set_xy(x, y + 61)
        pdf.set_font(FONT, size=7.5)
        pdf.multi_cell(w, 4, img.caption)
        pdf.set_font(FONT, size=9.5)
        if i % 2 == 1 or i == len(images) - 1:
            pdf.set_xy(pdf.l_margin, y + 61 + 10)
        else:
            pdf.set_xy(x, y)


def _signatures(pdf: _Pdf, digest: str) -> None:
    if pdf.get_y() > pdf.h - 85:
        pdf.add_page()
    _heading(pdf, t("pdf.signatures"))
    for label in (t("pdf.signInspector"), t("pdf.signTenant"), t("pdf.signReviewer")):
        pdf.cell(60, 12, label)
        pdf.cell(70, 12, "", border="B")
        pdf.cell(14, 12, t("pdf.date"), align="R")
        pdf.cell(0, 12, "", border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    pdf.ln(3)
    y = pdf.get_y()
    pdf.rect(pdf.w - pdf.r_margin - 50, y, 50, 42)
    pdf.set_xy(pdf.w - pdf.r_margin - 50, y + 17)
    pdf.cell(50, 8, t("pdf.stamp"), align="C")
    pdf.set_xy(pdf.l_margin, y)
    pdf.multi_cell(120, 5, t("pdf.checksumNote", digest=digest))


def render_pdf(
    case: Mapping[str, Any],
    names: Names,
    evidence: Sequence[Mapping[str, Any]],
    visits: Sequence[Mapping[str, Any]],
    photos: Sequence[PdfImage],
    snapshots: Sequence[PdfImage],
    deduction: Mapping[str, Any] | None,
    decision: Mapping[str, Any] | None,
    household: Mapping[str, Any] | None,
    generated_at: datetime,
    generated_by: str,
    tz_hours: int,
    font: Path,
) -> tuple[bytes, str]:
    """The PDF's bytes and the content checksum printed on it."""
    digest = content_digest(
        case, evidence, visits, photos, snapshots, deduction, decision, household
    )
    title = t("pdf.title", id=case["case_id"])
    pdf = _Pdf(font, title, digest)
    pdf.add_page()
    pdf.set_font(FONT, "B", size=16)
    pdf.cell(0, 10, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 6, t("pdf.generated", at=local(generated_at, tz_hours), by=generated_by,
                     tz=f"UTC{tz_hours:+d}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip

    _heading(pdf, t("pdf.case"))
    status = str(case["status"])
    _facts(
        pdf,
        [
            (t("alerts.unit"), f"{names.flat}（{case.get('unit_id') or case.get('building_id')}）"),
            (t("case.address"), " ".join(x for x in (names.estate, names.address) if x)),
            (t("alerts.grid"), names.grid),
            (t("alerts.type"), term("type", case["type"])),
            (t("case.source"), term("source", case.get("source"))),
            (t("alerts.score"), f"{float(case.get('score') or 0):.2f}"),
            (t("case.level"), case.get("level")),
            (t("pdf.caseStatus"), term("caseStatus", status)),
            (t("case.assignee"), case.get("assignee_name") or case.get("assignee_id")),
            (t("pdf.created"), local(case.get("created_at"), tz_hours)),
            (t("case.due"), local(case.get("due_at"), tz_hours)),
            (t("pdf.firstVisit"), local(case.get("first_visit_at"), tz_hours)),
            (t("pdf.closed"), local(case.get("closed_at"), tz_hours)),
            (t("pdf.ids"), t("pdf.idsValue", case=case["case_id"], alert=case["alert_id"])),
        ],
    )
    _heading(pdf, t("case.what"))
    pdf.multi_cell(0, 6, str(case.get("reason_zh") or ""), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    _heading(pdf, t("pdf.household"))
    if household:
        pdf.cell(0, 6, t("pdf.householdId", id=household["household_id"]),
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        _table(
            pdf,
            [t("register.name"), t("register.role"), t("register.person")],
            [
                [m["name"], term("memberRole", m["role"]), m["person_id"]]
                for m in household["members"]
            ],
            (60, 50, 70),
        )
    else:
        pdf.cell(0, 6, t("case.noHousehold"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    _heading(pdf, t("case.evidence"))
    _table(
        pdf,
        [t("audit.at"), t("pdf.kind"), t("pdf.note"), t("case.eventId")],
        [
            [
                _day(e["day"]) if e["kind"] in DAY_KINDS else local(e["at"], tz_hours),
                term("evidence", e["kind"]),
                note_text(e, names),
                (e.get("event_id") or "")[:8],
            ]
            for e in evidence
        ],
        (30, 28, 102, 20),
    )
    if snapshots:
        _heading(pdf, t("case.face"), room=80)
        _images(pdf, snapshots)

    _heading(pdf, t("case.visits"))
    _table(
        pdf,
        [t(k) for k in ("case.visitedAt", "case.inspector", "case.outcome", "case.detail",
                        "case.notes")],
        [
            [
                local(v["visited_at"], tz_hours),
                names.people.get(v["inspector_id"], v["inspector_id"]),
                term("outcome", v["outcome"]),
                term("type", v["violation_type"]) if v.get("violation_type")
                else term("reasonCode", v.get("reason")),
                v.get("notes"),
            ]
            for v in visits
        ],
        (30, 25, 22, 33, 70),
    )  # fmt: skip
    if photos:
        _heading(pdf, t("case.photos"), room=80)
        _images(pdf, photos)

    _heading(pdf, t("pdf.outcome"))
    pairs: list[tuple[str, Any]] = []
    if deduction:
        pairs += [
            (t("case.violationType"), term("type", deduction["violation_type"])),
            (t("case.points"), deduction["points"]),
            (t("pdf.deductionStatus"), term("deduction", deduction["status"])),
        ]
    if decision:
        pairs += [
            (t("case.decision"), term("decision", decision["decision"])),
            (t("case.note"), decision.get("note")),
            (t("case.decidedBy"), decision["decided_by"]),
            (t("case.decidedAt"), local(decision["decided_at"], tz_hours)),
        ]
    if pairs:
        _facts(pdf, pairs)
    else:
        pdf.cell(0, 6, t("pdf.noOutcome"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _signatures(pdf, digest)
    return bytes(pdf.output()), digest
