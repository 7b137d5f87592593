"""Alert lifecycle: findings merge into one live alert per unit and type. No storms:
repeats update the same alert (dedupe), a dismissal holds the type off for a cooldown,
stronger evidence raises score and level (escalation), and an alert whose pattern has
not been seen for a while closes by itself."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from anju_common.vocabulary import AlertType as T
from anju_platform.detect.model import Finding

OPEN_SCORE = 0.6  # below: kept as 'watch' (not shown to inspectors by default)
# score per further day of a type whose single occurrence is weak (0.5): it opens on the
# Policy's mismatch_min_days-th day (the score only orders it among the others)
ACCUMULATE: dict[str, float] = {T.CARD_FACE_MISMATCH: 0.05}
REALTIME: set[str] = {T.CARD_CLONE, T.CARD_AFTER_MOVEOUT, T.CARD_FACE_MISMATCH, T.EVICTED_REENTRY}
CLOSE_AFTER = {"default": 7, "realtime": 30}  # days without the pattern
SUPERSEDES: dict[str, tuple[str, ...]] = {
    T.SUBLET: (T.CARD_FACE_MISMATCH, T.OVERCROWDING),
    T.CHANGE_OF_USE: (T.OVERCROWDING,),
    T.OVERCROWDING: (T.CARD_FACE_MISMATCH,),
    T.CARD_CLONE: (T.CARD_FACE_MISMATCH,),
    T.VACANCY: (T.VACANCY_WARNING,),
}
# a live alert of the stronger type explains the weaker finding: no new alert for it
SUPPRESSED_BY = {
    weak: tuple(k for k, v in SUPERSEDES.items() if weak in v)
    for v in SUPERSEDES.values()
    for weak in v
}


@dataclass(frozen=True, slots=True)
class Policy:
    """The merge's settings (DetectSettings' mismatch_*): a card/face mismatch opens on
    its min_days-th day and closes after window_days without one."""

    mismatch_min_days: int = 3
    mismatch_window_days: int = CLOSE_AFTER["realtime"]


DEFAULT_POLICY = Policy()


@dataclass(frozen=True, slots=True)
class Live:
    """A live alert (watch, open or acknowledged) as the merge sees it."""

    alert_id: int
    unit_id: str
    type: str
    status: str
    score: float
    level: int
    first_day: date
    last_day: date
    days: frozenset[date] = frozenset()


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # create | update | none
    status: str
    score: float
    level: int
    first_day: date
    last_day: date


def decide(
    live: Live | None, f: Finding, cooling: bool, policy: Policy = DEFAULT_POLICY
) -> Decision:
    if live is None:
        if cooling:
            return Decision("none", "", 0, 0, f.day, f.day)
        status = "open" if _opens(f, f.score, 1, policy) else "watch"
        return Decision("create", status, f.score, f.level, f.first_day or f.day, f.day)
    days = live.days | {f.day}
    score = max(live.score, f.score)
    if f.type in ACCUMULATE:
        score = min(1.0, f.score + ACCUMULATE[f.type] * (len(days) - 1))
    level = max(live.level, f.level)
    status = live.status
    if status == "watch" and _opens(f, score, len(days), policy):
        status = "open"
    first = min(live.first_day, f.first_day or f.day)
    last = max(live.last_day, f.day)
    same = (status, round(score, 3), level, first, last) == (
        live.status,
        round(live.score, 3),
        live.level,
        live.first_day,
        live.last_day,
    )
    return Decision("none" if same else "update", status, score, level, first, last)


def _opens(f: Finding, score: float, days: int, policy: Policy) -> bool:
    if f.type in ACCUMULATE:
        return days >= policy.mismatch_min_days
    return score >= OPEN_SCORE


def stale(live: Live, today: date, policy: Policy = DEFAULT_POLICY) -> bool:
    """The pattern has not been seen for long enough to close the alert."""
    wait = CLOSE_AFTER["realtime" if live.type in REALTIME else "default"]
    if live.type in ACCUMULATE:
        wait = policy.mismatch_window_days
    return live.status in ("watch", "open") and live.last_day < today - timedelta(days=wait)


def with_day(live: Live, d: Decision, day: date) -> Live:
    return replace(
        live,
        status=d.status,
        score=d.score,
        level=d.level,
        first_day=d.first_day,
        last_day=d.last_day,
        days=live.days | {day},
    )
