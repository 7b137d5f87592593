"""Resident reports (举报), pure decisions: building codes on the posters, the signed
form token, the keyed client hash, rate limits, body checks, and how repeated reports
raise the alert's score. No I/O: the route and anju_platform.repo.reports do that."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from anju_platform.workflow import signing

CATEGORIES: dict[str, tuple[str, str]] = {
    # category: (English, 中文)
    "sublet": ("sublet", "转租转借"),
    "vacant": ("flat left empty", "长期空置"),
    "overcrowding": ("too many people living there", "居住人数过多"),
    "change_of_use": ("used as shop, office or dormitory", "改变用途（经营、办公、群租）"),
    "noise_or_safety": ("noise or safety", "噪音或安全隐患"),
    "other": ("other", "其他"),
    "away": ("away from home (to confirm)", "外出报备（待确认）"),
}


# --- building codes -------------------------------------------------------------------


def building_code(key: bytes, estate_id: str, building_id: str) -> str:
    return signing.sign(key, "report-building", f"{estate_id}/{building_id}")


def read_building_code(key: bytes, code: str) -> tuple[str, str] | None:
    """(estate_id, building_id) of a genuine code, else None."""
    text = signing.verify(key, "report-building", code)
    if text is None or text.count("/") != 1:
        return None
    estate_id, building_id = text.split("/")
    return estate_id, building_id


# --- form token ---------------------------------------------------------------------


def issue_form_token(key: bytes, code: str, now: float, min_fill_s: float, max_age_s: int) -> str:
    """Signed: the code it is for, when it was issued, and how soon/late it may be sent."""
    claims = {
        "c": hashlib.sha256(code.encode()).hexdigest()[:16],
        "t": round(now, 3),
        "min": min_fill_s,
        "max": max_age_s,
        "n": secrets.token_urlsafe(6),
    }
    return signing.sign(key, "report-form", json.dumps(claims, separators=(",", ":")))


@dataclass(frozen=True, slots=True)
class FormCheck:
    ok: bool
    reason: str  # ok, invalid_token, too_fast, expired
    wait_s: float = 0.0  # too_fast: how much longer to wait
    nonce: str = ""  # ok: the token's one-time number, kept with the report it carries


def check_form_token(key: bytes, token: str, code: str, now: float) -> FormCheck:
    text = signing.verify(key, "report-form", token)
    if text is None:
        return FormCheck(False, "invalid_token")
    try:
        claims = json.loads(text)
        issued, min_fill, max_age = float(claims["t"]), float(claims["min"]), float(claims["max"])
        for_code, nonce = str(claims["c"]), str(claims["n"])
    except (ValueError, KeyError, TypeError):
        return FormCheck(False, "invalid_token")
    if for_code != hashlib.sha256(code.encode()).hexdigest()[:16]:
        return FormCheck(False, "invalid_token")
    age = now - issued
    if age < min_fill:
        return FormCheck(False, "too_fast", round(min_fill - age, 3))
    if age > max_age:
        return FormCheck(False, "expired")
    return FormCheck(True, "ok", nonce=nonce)


# --- client key, body checks, duplicates --------------------------------------------


def client_key(key: bytes, address: str) -> str:
    """Keyed hash of the client address: good for counting, useless to identify anyone."""
    return hmac.new(key, f"anju:report-client:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def normalize_body(body: str) -> str:
    """What counts as "the same text" for duplicate rejection."""
    text = unicodedata.normalize("NFKC", body).lower()
    return re.sub(r"\s+", " ", text).strip()


def normalize_unit_number(number: str) -> str:
    """'３０２室 ' -> '302': full-width digits and the usual suffixes are forgiven."""
    text = unicodedata.normalize("NFKC", number).strip().lower()
    return re.sub(r"(室|号|房|room|flat|#)", "", text).strip()


def body_problems(body: str, min_chars: int, max_chars: int) -> list[str]:
    n = len(normalize_body(body))
    if n < min_chars:
        return ["body_too_short"]
    if n > max_chars:
        return ["body_too_long"]
    return []


# --- rate limits --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateVerdict:
    ok: bool
    reason: str  # ok, client_limit, building_limit
    retry_after_s: int = 0


def rate_verdict(
    client_times: Sequence[float],
    building_times: Sequence[float],
    now: float,
    client_limit: int,
    building_limit: int,
    window_s: int,
) -> RateVerdict:
    """At most `limit` accepted reports per window from one client / about one building.
    Retry-After: when the oldest report in the window leaves it."""
    for times, limit, reason in (
        (client_times, client_limit, "client_limit"),
        (building_times, building_limit, "building_limit"),
    ):
        recent = sorted(t for t in times if now - t < window_s)
        if len(recent) >= limit:
            # the (len - limit + 1)-th oldest must leave the window to make room for one
            frees_at = recent[len(recent) - limit] + window_s
            return RateVerdict(False, reason, max(1, int(frees_at - now + 0.999)))
    return RateVerdict(True, "ok")


# --- alert score and reason ---------------------------------------------------------


def report_score(n_reports: int) -> float:
    """One report is worth a look; each further report makes it likelier (max 0.95)."""
    return round(min(0.95, 0.5 + 0.15 * (n_reports - 1)), 4)


def report_level(n_reports: int) -> int:
    return 1 if n_reports < 3 else 2 if n_reports < 5 else 3


def report_reason(categories: Sequence[str], flat: str | None) -> tuple[str, str]:
    """(reason_en, reason_zh) naming the categories, most frequent first."""
    counts = Counter(categories)
    order = [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    en = ", ".join(CATEGORIES.get(c, (c, c))[0] for c in order)
    zh = "、".join(CATEGORIES.get(c, (c, c))[1] for c in order)
    n = len(categories)
    where_en = f"flat {flat}" if flat else "this building"
    where_zh = f"{flat} 室" if flat else "本楼"
    return (
        f"{n} resident report{'s' if n != 1 else ''} about {where_en}: {en}",
        f"居民举报{where_zh}（{n} 条）：{zh}",
    )
