"""Webhook formats and retry policy: pure functions, no I/O.

A notification (row of the outbox) becomes one HTTP POST in the webhook's format:
- wecom: WeCom (企业微信) group robot, {"msgtype": "markdown", "markdown": {"content"}};
- dingtalk: DingTalk (钉钉) custom robot, {"msgtype": "markdown", "markdown": {"title",
  "text"}}; with a secret, `timestamp` (ms) and `sign` query parameters are appended as
  DingTalk documents: urlencode(base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")));
- json: the notification itself; with a secret, header X-Anju-Signature: sha256=<hex HMAC
  of the exact body>.
The robots answer HTTP 200 with {"errcode": non-zero} when they refuse a message, so
`judge` looks into the body for those formats."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any, Literal
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from anju_common.vocabulary import labels

Format = Literal["json", "wecom", "dingtalk"]
FORMATS: tuple[str, ...] = ("json", "wecom", "dingtalk")
SIGNATURE_HEADER = "X-Anju-Signature"

KIND_ZH = {
    "alert.opened": "新预警",
    "alert.escalated": "预警升级",
    "alert.closed": "预警已关闭",
    "case.assigned": "核查任务已派发",
    "case.visited": "已上门核查",
    "case.confirmed": "核查属实",
    "case.decided": "已作出处理决定",
    "report.received": "收到居民举报",
    "care.assigned": "关怀任务已派发",
    "care.contacted": "关怀任务已联系",
    "care.closed": "关怀任务已结束：老人已再次出现",
    "absence.reported": "收到外出报备，待确认",
    "webhook.test": "测试消息",
}
TYPE_ZH = labels("type")
OUTCOME_ZH = labels("outcome")
DECISION_ZH = labels("decision")
CARE_RESULT_ZH = labels("careResult")
CARE_STATUS_ZH = labels("careStatus")
# only a closing says its status: an open alert's is in its title already
STATUS_ZH = {s: text for s, text in labels("status").items() if s in ("closed", "dismissed")}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One HTTP POST, ready to send."""

    url: str
    headers: dict[str, str]
    body: bytes


def _local(at: Any, tz_hours: int) -> str:
    if isinstance(at, datetime):
        return at.astimezone(timezone(timedelta(hours=tz_hours))).strftime("%Y-%m-%d %H:%M")
    return str(at)


def _type_zh(t: object) -> str:
    return TYPE_ZH.get(str(t), str(t))


# What may leave the platform in a webhook: ids, codes and figures. No free text (reasons,
# dismissal notes, report bodies) and no personal data (names, households, staff): a
# chat group is no place for them, and text could carry markdown or a phishing link.
OUTBOUND_KEYS = (
    "alert_id",
    "case_id",
    "report_id",
    "task_id",
    "absence_report_id",
    "visit_id",
    "unit_id",
    "building_id",
    "type",
    "level",
    "score",
    "status",
    "outcome",
    "violation_type",
    "decision",
    "points",
    "message",
)
# Markdown and link syntax as look-alike full-width characters; line breaks as spaces.
_PLAIN = str.maketrans(
    {
        "#": "＃", "*": "＊", "_": "＿", "`": "｀", "[": "［", "]": "］", "(": "（",
        ")": "）", "<": "＜", ">": "＞", "|": "｜", "~": "～", "!": "！", "\\": "＼",
        "\n": " ", "\r": " ", "\t": " ", ":": "：", "@": "＠",
    }
)  # fmt: skip


def plain(value: object, limit: int = 64) -> str:
    """A value from the database as inert text in a chat message: no markdown, no link,
    one line, at most `limit` characters."""
    text = " ".join(str(value).translate(_PLAIN).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def outbound_body(body: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (body or {}).items() if k in OUTBOUND_KEYS and v is not None}


def console_link(base: str | None, body: dict[str, Any]) -> str | None:
    """Where staff read the whole story (behind their login): the case, else the alert."""
    if not base:
        return None
    root = base.rstrip("/")
    if body.get("case_id") is not None:
        return f"{root}/#/case/{int(body['case_id'])}"
    if body.get("task_id") is not None:
        return f"{root}/#/care/{int(body['task_id'])}"
    if body.get("alert_id") is not None:
        return f"{root}/#/alert/{int(body['alert_id'])}"
    return f"{root}/#/overview"


def message_zh(n: dict[str, Any], base: str | None, tz_hours: int) -> tuple[str, list[str]]:
    """(title, lines) in Chinese for a notification {kind, at, estate_id, grid_id, body,
    estate_name?}: type, flat, level, references and a console link; every value plain;
    the time on the estates' clock (UTC+`tz_hours`)."""
    kind, b = str(n["kind"]), outbound_body(n.get("body"))
    title = plain(KIND_ZH.get(kind, kind))
    if "type" in b:
        title = f"{title}：{plain(_type_zh(b['type']))}"
    lines = [f"小区：{plain(n.get('estate_name') or n.get('estate_id') or '全部')}"]
    if n.get("grid_id"):
        lines.append(f"网格：{plain(n['grid_id'])}")
    if b.get("unit_id"):
        lines.append(f"房屋：{plain(b['unit_id'])}")
    elif b.get("building_id"):
        lines.append(f"楼栋：{plain(b['building_id'])}")
    if b.get("score") is not None:
        lines.append(f"评分：{float(b['score']):.2f}")
    if b.get("level") is not None and kind.startswith("alert."):
        lines.append(f"等级：{int(b['level'])} 级")
    care = kind.startswith("care.")
    if care and b.get("status") in CARE_STATUS_ZH:
        lines.append(f"状态：{CARE_STATUS_ZH[b['status']]}")
    elif b.get("status") in STATUS_ZH:
        lines.append(f"状态：{STATUS_ZH[b['status']]}")
    if care and b.get("outcome"):
        lines.append(f"联系结果：{plain(CARE_RESULT_ZH.get(b['outcome'], b['outcome']))}")
    elif b.get("outcome"):
        lines.append(f"核查结果：{plain(OUTCOME_ZH.get(b['outcome'], b['outcome']))}")
    if b.get("violation_type"):
        lines.append(f"违规类型：{plain(_type_zh(b['violation_type']))}")
    if b.get("decision"):
        lines.append(f"处理决定：{plain(DECISION_ZH.get(b['decision'], b['decision']))}")
    if b.get("message"):
        lines.append(plain(b["message"], 200))
    refs = [f"{label} #{int(b[k])}" for k, label in
            (("alert_id", "预警"), ("case_id", "案件"), ("report_id", "举报"),
             ("task_id", "关怀任务"), ("absence_report_id", "外出报备"))
            if b.get(k) is not None]  # fmt: skip
    if refs:
        lines.append("编号：" + "，".join(refs))
    lines.append(f"时间：{_local(n.get('at'), tz_hours)}")
    if link := console_link(base, b):
        lines.append(f"详情（需登录）：{link}")
    return title, lines


def markdown_zh(n: dict[str, Any], base: str | None, tz_hours: int) -> tuple[str, str]:
    title, lines = message_zh(n, base, tz_hours)
    text = f"### 【安居】{title}\n" + "\n".join(f"> {line}" for line in lines)
    return title, text


def wecom_payload(n: dict[str, Any], base: str | None, tz_hours: int) -> dict[str, Any]:
    _, text = markdown_zh(n, base, tz_hours)
    return {"msgtype": "markdown", "markdown": {"content": text}}


def dingtalk_payload(n: dict[str, Any], base: str | None, tz_hours: int) -> dict[str, Any]:
    title, text = markdown_zh(n, base, tz_hours)
    return {"msgtype": "markdown", "markdown": {"title": f"【安居】{title}", "text": text}}


def json_payload(n: dict[str, Any], base: str | None, tz_hours: int) -> dict[str, Any]:
    at = n.get("at")
    body = outbound_body(n.get("body"))
    return {
        "notification_id": n["notification_id"],
        "at": at.isoformat() if isinstance(at, datetime) else at,
        "kind": n["kind"],
        "estate_id": n.get("estate_id"),
        "grid_id": n.get("grid_id"),
        "body": body,
        "title_zh": message_zh(n, None, tz_hours)[0],
        "console_url": console_link(base, body),
    }


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature, already URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    sep = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def body_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _dump(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def build_request(
    fmt: str,
    url: str,
    secret: str | None,
    n: dict[str, Any],
    now_ms: int,
    base: str | None,
    tz_hours: int,
) -> Outgoing:
    """`base`: the console's public address (ANJU_PLATFORM_PUBLIC_BASE_URL) for the link;
    `tz_hours`: the estates' clock for the message's time (ANJU_DETECT_TZ_OFFSET_HOURS)."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if fmt == "wecom":
        return Outgoing(url, headers, _dump(wecom_payload(n, base, tz_hours)))
    if fmt == "dingtalk":
        target = dingtalk_url(url, secret, now_ms) if secret else url
        return Outgoing(target, headers, _dump(dingtalk_payload(n, base, tz_hours)))
    if fmt == "json":
        body = _dump(json_payload(n, base, tz_hours))
        headers["X-Anju-Event"] = str(n["kind"])
        if secret:
            headers[SIGNATURE_HEADER] = body_signature(secret, body)
        return Outgoing(url, headers, body)
    raise ValueError(f"unknown webhook format {fmt!r}")


def judge(fmt: str, status_code: int, text: str) -> tuple[bool, str | None]:
    """(delivered, error). 2xx only; the robots also need errcode 0 in the body."""
    if not 200 <= status_code < 300:
        return False, f"HTTP {status_code}: {text[:200]}"
    if fmt in ("wecom", "dingtalk"):
        try:
            answer = json.loads(text)
        except ValueError:
            return False, f"not a robot answer: {text[:200]}"
        code = answer.get("errcode") if isinstance(answer, dict) else None
        if code != 0:
            msg = answer.get("errmsg") if isinstance(answer, dict) else None
            return False, f"errcode {code}: {msg}"
    return True, None


def backoff_s(attempts: int, base_s: float, cap_s: float) -> float:
    """Wait before the next try after `attempts` failed ones: base, 2 base, 4 base..."""
    return float(min(cap_s, base_s * 2 ** max(0, attempts - 1)))


def after_attempt(
    attempts: int, ok: bool, max_attempts: int, base_s: float, cap_s: float
) -> tuple[str, float | None]:
    """(new status, seconds until the next try or None). `attempts` counts this one."""
    if ok:
        return "delivered", None
    if attempts >= max_attempts:
        return "failed", None
    return "pending", backoff_s(attempts, base_s, cap_s)


Network = IPv4Network | IPv6Network


def destination_problem(addresses: Iterable[str], allow: Sequence[Network]) -> str | None:
    """Why a receiver may not be called: one of its addresses is not public (loopback,
    private, link-local, multicast...) and not in the operator's allowed networks.
    Every resolved address is checked, so a name cannot smuggle in an internal one."""
    for a in addresses:
        ip = ip_address(a.split("%", 1)[0])  # drop an IPv6 zone
        if (ip.is_global and not ip.is_multicast) or any(ip in n for n in allow):
            continue
        return (
            f"{a} is not a public address; add its network to "
            "ANJU_PLATFORM_WEBHOOK_ALLOW_NETWORKS to allow it"
        )
    return None


def literal_host_problem(url: str, allow: Sequence[Network]) -> str | None:
    """The same check for a URL whose host is an IP literal (no lookup needed)."""
    host = urlsplit(url).hostname or ""
    try:
        ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return destination_problem([host], allow)


def valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


def mask_url(url: str) -> str:
    """The URL without its query values or password: robot URLs carry their access key
    in the query."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username}:***@" + netloc.rpartition("@")[2]
    query = urlencode([(k, "***") for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query.replace("%2A", "*"), ""))


def matches(kinds: list[str], kind: str) -> bool:
    return not kinds or kind in kinds
