"""Evidence pack: one inspection case as a single self-contained HTML file (证据包) that
can be archived, mailed or printed without the platform: inline CSS, photos and face
snapshots as data: URIs, no scripts, no external references. Every value from the
database or a user is escaped. Pure: the caller reads the files and passes the bytes."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

from anju_common.vocabulary import labels

CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;
color:#111;line-height:1.45;max-width:60em}
h1{font-size:1.5em;border-bottom:2px solid #333;padding-bottom:.3em}
h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #aaa}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0;width:14em}
.en{color:#555;font-size:.9em}
figure{display:inline-block;margin:.5em;max-width:45%}
figure img{max-width:100%;border:1px solid #999}
figcaption{font-size:.8em;color:#444;word-break:break-all}
footer{margin-top:2em;font-size:.8em;color:#555}
@media print{body{margin:1cm}figure{page-break-inside:avoid}}
"""

OUTCOME_ZH = labels("outcome")
STATUS_ZH = labels("caseStatus")
DECISION_ZH = labels("decision")
REASON_ZH = labels("reasonCode")


@dataclass(frozen=True, slots=True)
class Image:
    caption: str
    content_type: str  # image/jpeg or image/png
    data: bytes


def data_uri(img: Image) -> str:
    return f"data:{img.content_type};base64,{base64.b64encode(img.data).decode('ascii')}"


def _v(value: Any) -> str:
    """Escaped text of one value; dates without microseconds; empty as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        value = value.replace(microsecond=0).isoformat()
    elif isinstance(value, date):
        value = value.isoformat()
    return escape(str(value))


def _label(zh: str, en: str) -> str:
    return f'{escape(zh)} <span class="en">{escape(en)}</span>'


def _rows(pairs: Iterable[tuple[str, str, Any]]) -> str:
    return "".join(f"<tr><th>{_label(zh, en)}</th><td>{_v(v)}</td></tr>" for zh, en, v in pairs)


def _table(head: list[tuple[str, str]], rows: Iterable[list[Any]]) -> str:
    ths = "".join(f"<th>{_label(zh, en)}</th>" for zh, en in head)
    body = "".join("<tr>" + "".join(f"<td>{_v(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


def _figures(images: Iterable[Image]) -> str:
    return "".join(
        f'<figure><img src="{escape(data_uri(i))}" alt="{escape(i.caption)}">'
        f"<figcaption>{escape(i.caption)}</figcaption></figure>"
        for i in images
    )


def render(
    case: Mapping[str, Any],
    evidence: list[Mapping[str, Any]],
    visits: list[Mapping[str, Any]],
    photos: list[Image],
    snapshots: list[Image],
    deduction: Mapping[str, Any] | None,
    decision: Mapping[str, Any] | None,
    household: Mapping[str, Any] | None,
    suppressions: list[Mapping[str, Any]],
    generated_at: datetime,
    generated_by: str,
) -> str:
    cid = _v(case["case_id"])
    status = str(case["status"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>证据包 Evidence pack — 案件 case {cid}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>核查案件证据包 <span class='en'>Inspection case evidence pack</span> #{cid}</h1>",
        "<h2>" + _label("案件", "Case") + "</h2><table>",
        _rows(
            [
                ("案件编号", "Case", case["case_id"]),
                ("预警编号", "Alert", case["alert_id"]),
                ("预警类型", "Alert type", case["type"]),
                ("来源", "Source", case.get("source")),
                ("小区", "Estate", case["estate_id"]),
                ("网格", "Grid", case.get("grid_id")),
                ("楼栋", "Building", case.get("building_id")),
                ("房屋", "Unit", case.get("unit_id")),
                ("评分", "Score", case.get("score")),
                ("级别", "Level", case.get("level")),
                ("案件状态", "Case status", f"{STATUS_ZH.get(status, status)} ({status})"),
                ("预警状态", "Alert status", case.get("alert_status")),
                ("核查人员", "Assignee", case.get("assignee_name") or case.get("assignee_id")),
                ("创建时间", "Created", case.get("created_at")),
                ("核查期限", "Due", case.get("due_at")),
                ("首次核查", "First visit", case.get("first_visit_at")),
                ("结案时间", "Closed", case.get("closed_at")),
            ]
        ),
        "</table>",
        "<h2>" + _label("预警理由", "Reason") + "</h2>",
        f"<p>{_v(case.get('reason_zh'))}</p>",
        f'<p class="en">{_v(case.get("reason_en"))}</p>',
    ]
    if household is not None:
        parts.append("<h2>" + _label("在册家庭", "Registered household") + "</h2>")
        parts.append(f"<p>{_v(household['household_id'])}</p>")
        parts.append(
            _table(
                [("人员", "Person"), ("姓名", "Name"), ("身份", "Role")],
                ([m["person_id"], m["name"], m["role"]] for m in household["members"]),
            )
        )
    parts.append("<h2>" + _label("证据时间线", "Evidence timeline") + "</h2>")
    parts.append(
        _table(
            [
                ("时间", "At"),
                ("日期", "Day"),
                ("类别", "Kind"),
                ("事件", "Event"),
                ("说明", "Note"),
            ],
            ([e["at"], e["day"], e["kind"], e.get("event_id"), e["note"]] for e in evidence),
        )
    )
    if snapshots:
        parts.append("<h2>" + _label("人脸抓拍", "Face snapshots") + "</h2>")
        parts.append(_figures(snapshots))
    parts.append("<h2>" + _label("入户核查", "Visits") + "</h2>")
    parts.append(
        _table(
            [
                ("时间", "Visited at"),
                ("核查人员", "Inspector"),
                ("结果", "Outcome"),
                ("违规类型", "Violation"),
                ("原因", "Reason"),
                ("备注", "Notes"),
            ],
            (
                [
                    v["visited_at"],
                    v["inspector_id"],
                    f"{OUTCOME_ZH.get(v['outcome'], v['outcome'])} ({v['outcome']})",
                    v.get("violation_type"),
                    f"{REASON_ZH.get(v['reason'], v['reason'])} ({v['reason']})"
                    if v.get("reason")
                    else None,
                    v.get("notes"),
                ]
                for v in visits
            ),
        )
    )
    if photos:
        parts.append("<h2>" + _label("现场照片", "Photos") + "</h2>")
        parts.append(_figures(photos))
    parts.append("<h2>" + _label("处理结果", "Outcome") + "</h2>")
    if deduction is not None:
        parts.append("<table>")
        parts.append(
            _rows(
                [
                    ("扣分编号", "Deduction", deduction["deduction_id"]),
                    ("家庭", "Household", deduction.get("household_id")),
                    ("违规类型", "Violation", deduction["violation_type"]),
                    ("扣分", "Points", deduction["points"]),
                    ("状态", "Status", deduction["status"]),
                ]
            )
        )
        parts.append("</table>")
    for s in suppressions:
        parts.append(
            "<p>"
            + _label("暂停预警", "Suppressed")
            + f": {_v(s['unit_id'])} / {_v(s.get('type'))}, {_v(s['valid_from'])} — "
            f"{_v(s.get('valid_to'))} ({_v(s['reason'])})</p>"
        )
    if decision is not None:
        d = str(decision["decision"])
        parts.append("<table>")
        parts.append(
            _rows(
                [
                    ("决定", "Decision", f"{DECISION_ZH.get(d, d)} ({d})"),
                    ("说明", "Note", decision.get("note")),
                    ("决定人", "Decided by", decision["decided_by"]),
                    ("决定时间", "Decided at", decision["decided_at"]),
                ]
            )
        )
        parts.append("</table>")
    elif deduction is None and not suppressions:
        parts.append("<p>" + _label("尚无处理结果", "No outcome yet") + "</p>")
    parts.append(
        f"<footer>{_label('生成时间', 'Generated')} {_v(generated_at)} · "
        f"{_label('生成人', 'by')} {_v(generated_by)}</footer></body></html>"
    )
    return "\n".join(parts)
