"""Scoring of `anju bench detect`: the alerts against the simulator's labels, per type
(precision, recall, days to alert), false alerts on clean flats and of the wrong type,
and welfare as care checks."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from typing import Any

from anju_common.localtime import local_day

# label type -> the alert type that should flag it ('lend' is flagged as sublet: same
# article of the rules, same rule here)
SCORED = {
    "sublet": "sublet",
    "lend": "sublet",
    "vacancy": "vacancy",
    "overcrowding": "overcrowding",
    "change_of_use": "change_of_use",
    "card_clone": "card_clone",
    "card_after_moveout": "card_after_moveout",
    "card_face_mismatch": "card_face_mismatch",
    "evicted_reentry": "evicted_reentry",
    "elderly_not_seen": "elderly_not_seen",
}


def _unexcused(pf: Any, lab: Any, lo: date, hi: date) -> list[date]:
    """The days lo..hi a vacancy label covers that no approved absence excuses (the law
    counts months empty *without good reason*; the rule leaves approved absences out)."""
    away = [
        (a.starts_on, a.ends_on) for a in pf.register.absences if a.household_id == lab.household_id
    ]
    end = hi if lab.end is None else min(hi, local_day(lab.end) - timedelta(days=1))
    lo = max(lo, local_day(lab.start))
    days = [lo + timedelta(days=i) for i in range((end - lo).days + 1)]
    return [d for d in days if not any(a <= d <= b for a, b in away)]


def score(conn: Any, pf: Any, vacancy_days: int = 180) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT coalesce(unit_id, building_id), type, opened_day, close_reason FROM alerts"
        " WHERE opened_day IS NOT NULL"
    ).fetchall()
    return score_alerts(rows, pf, vacancy_days)  # building-level alerts: by building


CARE = "elderly_not_seen"  # a care task (issue 16 item 8): scored apart from violations


def care_checks(pf: Any, truth: dict[str, date], opened: dict[str, list[date]]) -> dict[str, Any]:
    """Welfare as a care task: every labelled case within 3 days, and false care checks
    per 100 elderly people living alone per month. A case is found by the first check on
    its flat opened on or after the day the silence began (an earlier check on the same
    flat, e.g. over a trip before, is a false one and finds nothing); every check that
    found no case counts, so two false checks on one flat are two phone calls."""
    p = pf.params
    born = {x.person_id: x.birth_year for x in pf.register.persons}
    members: dict[str, list[str]] = {}
    for m in pf.register.household_members:
        members.setdefault(m.household_id, []).append(m.person_id)
    alone = sum(1 for ms in members.values() if len(ms) == 1 and p.start.year - born[ms[0]] >= 60)
    hits = {
        u: min(d for d in opened[u] if d >= truth[u])
        for u in truth
        if any(d >= truth[u] for d in opened.get(u, ()))
    }
    late = sorted((hits[u] - truth[u]).days for u in hits)
    false = sum(len(days) for days in opened.values()) - len(hits)
    return {
        "labelled": len(truth),
        "within_3_days": sum(1 for d in late if d <= 3),
        "missed": len(set(truth) - set(hits)),
        "false_checks": false,
        "elderly_alone": alone,
        "false_per_100_elderly_alone_month": (
            round(false / (alone / 100) / (p.days / 30), 2) if alone else None
        ),
    }


def vacancies(
    pf: Any, first_day: date, last_day: date, vacancy_days: int
) -> tuple[dict[str, date], set[str]]:
    """The labelled vacancies that are violations of the window (unit -> the day they
    become one), and those detection could see inside it ('detectable').

    A vacancy is a violation from the day its unexcused empty days reach the legal length
    (6 months = 180 days), counted from the label's first day; one that has not reached
    it by the window's end is not (yet) a violation (the rule gives it a vacancy_warning).
    Detection has no history from before the window, and counts the days after the last
    sign of anyone: the simulator's household leaves on the label's first day
    (anju_sim.routines), seen doing so when its exit is logged. So it is detectable when
    its unexcused days inside the window, without that first day, reach the length."""
    vacant: dict[str, date] = {}
    whole: set[str] = set()
    for lab in pf.labels:
        if lab.type != "vacancy" or not lab.violation:
            continue
        days = _unexcused(pf, lab, local_day(lab.start), last_day)
        if len(days) >= vacancy_days and days[vacancy_days - 1] <= last_day:
            vacant[lab.unit_id] = max(first_day, days[vacancy_days - 1])
            after = max(first_day, local_day(lab.start) + timedelta(days=1))
            if len(_unexcused(pf, lab, after, last_day)) >= vacancy_days:
                whole.add(lab.unit_id)
    return vacant, whole


def score_alerts(rows: list[tuple[Any, ...]], pf: Any, vacancy_days: int = 180) -> dict[str, Any]:
    """`rows`: (unit, type, opened day, close reason) of the alerts that opened."""
    p = pf.params
    first_day, last_day = p.start, p.start + timedelta(days=p.days - 1)
    truth: dict[str, dict[str, date]] = {}
    vacant, whole = vacancies(pf, first_day, last_day, vacancy_days)
    for lab in pf.labels:
        if lab.violation and lab.type in SCORED and lab.type != "vacancy":
            begin = max(local_day(lab.start), first_day)
            if begin <= last_day:
                truth.setdefault(SCORED[lab.type], {})[lab.unit_id] = begin
    truth["vacancy"] = vacant
    alerts: dict[str, dict[str, date]] = {}
    care_opened: dict[str, list[date]] = {}
    superseded = 0
    for unit, typ, opened, reason in rows:
        if reason and reason.startswith("superseded"):
            superseded += 1
            continue
        if typ == CARE:
            care_opened.setdefault(unit, []).append(opened)
        got = alerts.setdefault(typ, {})
        got[unit] = min(opened, got.get(unit, opened))
    out: dict[str, Any] = {}
    false_alerts = clean_false = wrong_type = 0
    # flats with any violation in the window: a false alert there is of the wrong type
    violating = {lab.unit_id for lab in pf.labels if lab.violation}
    for typ in sorted(set(SCORED.values()) | set(alerts)):
        want, got = truth.get(typ, {}), alerts.get(typ, {})
        tp = set(want) & set(got)
        wrong = set(got) - set(want)
        fp = len(wrong)
        if typ in set(SCORED.values()) and typ != CARE:
            false_alerts += fp
            wrong_type += len(wrong & violating)
            clean_false += len(wrong - violating)
        delays = [(got[u] - want[u]).days for u in tp]
        out[typ] = {
            "labelled": len(want),
            "alerted": len(got),
            "precision": round(len(tp) / len(got), 3) if got else None,
            "recall": round(len(tp) / len(want), 3) if want else None,
            "median_days_to_alert": statistics.median(delays) if delays else None,
        }
    got_v = set(alerts.get("vacancy", {}))
    out["vacancy"]["detectable_in_window"] = len(whole)
    out["vacancy"]["recall_of_detectable"] = (
        round(len(whole & got_v) / len(whole), 3) if whole else None
    )
    if "vacancy_warning" in out:  # early warnings: not a violation type, not scored
        out["vacancy_warning"] = {"alerted": out["vacancy_warning"]["alerted"]}
    flats = len(pf.register.units)
    months = p.days / 30
    return {
        "per_type": out,
        "false_alerts": false_alerts,
        "false_alerts_per_1000_flats_month": round(false_alerts / (flats / 1000) / months, 2),
        # on flats with no violation at all, and of another type on violating flats
        "false_alerts_clean": clean_false,
        "false_alerts_clean_per_1000_flats_month": round(clean_false / (flats / 1000) / months, 2),
        "wrong_type_alerts": wrong_type,
        # not violations: counted apart, not in the false-alert figures above
        "care_checks": care_checks(pf, truth.get(CARE, {}), care_opened),
        "superseded_alerts": superseded,
    }
