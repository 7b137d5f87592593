"""Daily rules over a unit's window of presence: sublet/lend, unregistered occupants
(overcrowding), change of use, vacancy (with early warnings) and welfare."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from anju_platform.detect.model import Evidence, Finding, Presence, UnitClock, UnitFacts
from anju_platform.detect.rules import common
from anju_platform.detect.rules.building import festival_trip, stopped
from anju_platform.detect.rules.common import Window, age, day_evidence, holder_days, summarise
from anju_platform.detect.settings import DetectSettings


def sublet(
    rows: list[Presence],
    facts: UnitFacts,
    day: date,
    s: DetectSettings,
    w: Window | None = None,
    clock: UnitClock | None = None,
    before: Callable[[date], list[Presence]] | None = None,
    same_face: Callable[[str, str], bool] | None = None,
) -> Finding | None:
    """Registered members (nearly) never seen while others live in the flat: they come
    in and stay on many days (a day carer or visitors leave again on their pass).
    `before(d)`: the unit's rows of the window_days before day d (who lived with the
    household before an approved absence began); `same_face` as for overcrowding."""
    if facts.household_id is None or not facts.members:
        return None
    w = w or summarised(rows, facts, s)
    strangers = w.any_stay_days()
    seen, home = holder_days(rows, w, s.sublet_card_other_hands)
    if len(seen) > s.sublet_max_member_days or len(strangers) < s.sublet_min_stranger_days:
        return None
    if day in seen or sum(day - timedelta(days=i) in seen for i in (1, 2)) == 2:
        # seen today: maybe back from a trip, wait a day to tell; seen the two days before:
        # home again (the holder dropping by for the rent is seen on one day)
        return None
    last = max(seen, default=None)
    if last is None and clock is not None:  # not seen in the window: when were they?
        last = clock.last_member_day
    if last is not None:
        # gone for the festival: a relative may mind the flat, its occupants stay on
        after = min(strangers) > last
        if festival_trip(
            last, day, s, after or _occupants_stayed(w, last, facts, s, before, same_face)
        ):
            return None
    end = stopped(sorted(home))
    if end is not None and (day - end).days < s.sublet_gone_days:
        # the household lived here until lately (seen on two days close together, not
        # the holder dropping by): a trip, and someone minding the flat or a relative
        # moving in meanwhile (a grandparent before registration, issue 18). Only days a
        # member was surely there (`home_days`): with crowded faces a subtenant on the
        # holder's card comes with clusters not yet told apart from the holder's
        return None
    # An approved absence explains why the members are not seen, not who stays in the
    # flat meanwhile: strangers staying the night then are more suspicious, not less
    # (issue 16 item 2: 'working elsewhere' was cover for sublets). A carer or a relative
    # who looks in and leaves again has no stay days and is not counted.
    covered = any(a <= d <= b for a, b in facts.absences for d in strangers)
    if covered and before is not None:
        # ...unless those staying are the household's own unregistered occupants, who
        # lived with it before it left and stayed on: overcrowding, found when it is back
        left = min(a for a, b in facts.absences if any(a <= d <= b for d in strangers))
        if stayed_on(w, cohabitants(before(left), facts, s), same_face):
            return None
    regs = set(w.occupants(3))
    others = sum(len(v - regs) for v in w.visitors_per_day.values())
    if others / s.window_days >= s.use_visitors_per_day / 2:
        return None  # a stream of visitors as well: a change of use, not a sublet
    who = w.occupants(3) or sorted(w.stay_days)
    ev_rows = [r for k in who for r in w.rows[k]]
    carded = len(set(who) & w.card_strangers)
    score = min(
        1.0,
        0.5
        + 0.5 * len(strangers) / s.window_days
        + (0.1 if covered else 0.0)
        + 0.05 * bool(carded),
    )
    n_m, n_s = len(seen), len(strangers)
    cover_en = " They stayed during the household's approved absence." if covered else ""
    cover_zh = "其中有人在住户报备外出期间入住。" if covered else ""
    cover_en += _carded_en(carded)
    cover_zh += _carded_zh(carded)
    return Finding(
        "sublet",
        facts.unit_id,
        day,
        round(score, 3),
        f"Registered members seen on {n_m} of the last {s.window_days} days while "
        f"{len(who)} unregistered person(s) used the flat on {n_s} days "
        f"(the holder's card or visitor passes): possible subletting or lending.{cover_en}",
        f"近{s.window_days}天登记成员仅{n_m}天出现，{len(who)}名未登记人员在{n_s}天内使用该房屋"
        f"（使用承租人门卡或访客码），疑似转租或转借。{cover_zh}",
        first_day=min(strangers),
        persons=tuple(who),
        evidence=day_evidence(ev_rows, "stranger_day", "unregistered person seen"),
    )


def _occupants_stayed(
    w: Window,
    last: date,
    facts: UnitFacts,
    s: DetectSettings,
    before: Callable[[date], list[Presence]] | None,
    same_face: Callable[[str, str], bool] | None,
) -> bool:
    """Those staying in the flat after the household's last sighting (`last`, the eve of a
    holiday season) lived with it before: its own unregistered occupants staying on while
    it is away for the festival (overcrowding, as during an approved absence), not
    subtenants (`holiday_lead_cohabitants`). Asked only of a household last seen on the
    eve with strangers staying from before (a few flats): read from the stored rows."""
    if not s.holiday_lead_cohabitants or before is None:
        return False
    if not festival_trip(last, last, s, True) or festival_trip(last, last, s, False):
        return False  # the lead does not decide: no rows to read
    return stayed_on(w, cohabitants(before(last + timedelta(days=1)), facts, s), same_face)


def cohabitants(rows: list[Presence], facts: UnitFacts, s: DetectSettings) -> set[str]:
    """Strangers who stayed the night in the flat on sublet_cover_cohabit_days days the
    household was home too: its unregistered occupants of that time."""
    w = summarised(rows, facts, s)
    home = w.member_days
    return {k for k, v in w.stay_days.items() if len(v & home) >= s.sublet_cover_cohabit_days}


def stayed_on(w: Window, earlier: set[str], same_face: Callable[[str, str], bool] | None) -> bool:
    """Every stranger who stays in the window (on 3+ days) lived there with the household
    before (the same cluster, or one that may be the same face)."""
    who = w.occupants(3)
    return bool(who) and all(
        k in earlier or (same_face is not None and any(same_face(k, e) for e in earlier))
        for k in who
    )


def overcrowding(
    rows: list[Presence],
    facts: UnitFacts,
    day: date,
    s: DetectSettings,
    w: Window | None = None,
    same_face: Callable[[str, str], bool] | None = None,
) -> Finding | None:
    """The household lives there and several unregistered people live with it: each
    seen on many days and staying (the day ends with them coming in, not going out).
    A day carer or family visiting leave again on their pass: visitors, not occupants.
    `same_face`: whether two stranger clusters may be one face (one person split into
    two clusters counts once)."""
    if facts.household_id is None:
        return None
    w = w or summarised(rows, facts, s)
    half = day - timedelta(days=s.window_days // 2)
    recent = [d for d in w.member_days if d > half]
    if len(w.member_days) < s.overcrowd_min_member_days or len(recent) < s.window_days // 4:
        return None  # the household must still live there (else: sublet)
    regs = w.occupants(s.regular_days)
    n_people = len(people(regs, same_face))
    if n_people < s.overcrowd_min_regulars:
        return None
    others = sum(len(v - set(regs)) for v in w.visitors_per_day.values()) / s.window_days
    if others >= s.use_visitors_per_day / 2:
        return None  # a stream of other visitors too: change of use, not occupants
    ev_rows = [r for k in regs for r in w.rows[k]]
    n = len(facts.members)
    carded = len(set(regs) & w.card_strangers)
    return Finding(
        "overcrowding",
        facts.unit_id,
        day,
        round(min(1.0, 0.4 + 0.2 * n_people + 0.05 * bool(carded)), 3),
        f"{n_people} unregistered people come home to the flat regularly (each stayed on at "
        f"least {s.regular_days} of the last {s.window_days} days, not seen leaving again) "
        f"besides the {n} registered member(s): unregistered occupants or overcrowding."
        + _carded_en(carded),
        f"除{n}名登记成员外，{n_people}名未登记人员近{s.window_days}天内均至少{s.regular_days}天"
        "进入该房屋后未见离开（在此过夜），疑似未登记入住或超员居住。" + _carded_zh(carded),
        first_day=min(min(w.stranger_days[k]) for k in regs),
        persons=tuple(regs),
        evidence=day_evidence(ev_rows, "regular_stranger", "unregistered regular"),
    )


def people(clusters: list[str], same_face: Callable[[str, str], bool] | None) -> list[list[str]]:
    """Clusters grouped into people: one joins the first group with a face it may share.
    With crowded faces (issue 18) clusters are cut tighter than one person's spread, so
    one occupant may come as two clusters."""
    groups: list[list[str]] = []
    for c in clusters:
        group = next((g for g in groups if same_face and any(same_face(c, o) for o in g)), None)
        if group is None:
            groups.append([c])
        else:
            group.append(c)
    return groups


def summarised(rows: list[Presence], facts: UnitFacts, s: DetectSettings) -> Window:
    """A unit's rows summarised with the settings' shares (rules.common.summarise)."""
    return summarise(
        rows,
        facts,
        pass_share=s.card_face_pass_share,
        visit_days=s.day_visitor_pass_days,
        visit_share=s.day_visitor_stay_share,
    )


def _carded_en(k: int) -> str:
    if not k:
        return ""
    return f" {k} of them came in on a member's card with a face that is not the holder's."


def _carded_zh(k: int) -> str:
    return f"其中{k}人使用成员门卡，但人脸与持卡人不符。" if k else ""


def mismatch_explained(face: str | None, w: Window, day: date, s: DetectSettings) -> str | None:
    """Why a card/face mismatch on this flat is better explained by the household's
    pattern (issue 16 item 6): 'sublet' when the members are (nearly) never seen, so the
    card is in other hands for good (the sublet rule decides); 'occupant' when the foreign
    face lives there: seen on most days since it first came and staying the night (the
    overcrowding or sublet rule decides, with the card use in its evidence). None: the
    mismatch is the best explanation (a card lent now and then) and may open alone."""
    if len(w.member_days) <= s.sublet_max_member_days:
        return "sublet"
    seen = w.stranger_days.get(face or "")
    if not seen or len(w.stay_days.get(face or "", ())) < s.mismatch_occupant_days:
        return None
    span = (day - min(seen)).days + 1
    return "occupant" if len(seen) >= s.mismatch_occupant_share * span else None


def change_of_use(
    rows: list[Presence], facts: UnitFacts, day: date, s: DetectSettings, w: Window | None = None
) -> Finding | None:
    """Many distinct visitors a day over weeks: a shop, hostel or workshop. `w`: the
    whole window summarised (its visitors per day are per row: the recent days' are what
    summarising the recent rows alone gives)."""
    since = day - timedelta(days=s.use_days - 1)
    if w is None:
        w = summarised([r for r in rows if r.day >= since], facts, s)
    per_day = {d: v for d, v in w.visitors_per_day.items() if d >= since}
    total = sum(len(v) for v in per_day.values())
    mean = total / s.use_days
    if mean < s.use_visitors_per_day:
        return None
    busy = [d for d, v in per_day.items() if len(v) >= s.use_visitors_per_day]
    ev_rows = [r for r in rows if r.day >= since and "visitor" in r.via]
    return Finding(
        "change_of_use",
        facts.unit_id,
        day,
        round(min(1.0, mean / (3 * s.use_visitors_per_day)), 3),
        f"On average {mean:.1f} distinct visitors a day came to the flat over the last "
        f"{s.use_days} days ({len(busy)} days with {s.use_visitors_per_day:g} or more): "
        "possible change of use (shop, hostel, workshop).",
        f"近{s.use_days}天平均每天{mean:.1f}名不同访客到访（{len(busy)}天达到"
        f"{s.use_visitors_per_day:g}名以上），疑似改变房屋用途（经营、群租、作坊）。",
        first_day=min(per_day) if per_day else day,
        evidence=day_evidence(ev_rows, "visitor", "visitor", limit=20),
    )


def _mark(d: date, kind: str, note: str, code: str, **params: str | None) -> Evidence:
    at = datetime.combine(d, time(12), tzinfo=UTC)
    return Evidence(f"{kind}:{d}", at, d, kind, note, code=code, params=tuple(params.items()))


def _absent_days(facts: UnitFacts, start: date, end: date) -> int:
    n = 0
    for a, b in facts.absences:
        lo, hi = max(a, start), min(b, end)
        n += max(0, (hi - lo).days + 1)
    return n


def vacancy_after(s: DetectSettings) -> timedelta:
    """Days since a unit's last sign below which vacancy() finds nothing: its `quiet`
    (days since the latest of the last sign, the move-in and watching, less absences) is
    below its lowest level then."""
    warn = sorted(s.vacancy_warn_days)
    return timedelta(days=min(s.vacancy_days, warn[0]) if warn else s.vacancy_days)


def vacancy(facts: UnitFacts, clock: UnitClock, day: date, s: DetectSettings) -> Finding | None:
    """No sign of anyone for N days (approved absences do not count)."""
    if facts.household_id is None:
        return None
    starts = [clock.watched_from - timedelta(days=1)]
    if clock.last_any_day is not None:
        starts.append(clock.last_any_day)
    if facts.move_in is not None:
        starts.append(facts.move_in)
    since = max(starts)
    quiet = (day - since).days - _absent_days(facts, since + timedelta(days=1), day)
    warn = sorted(s.vacancy_warn_days)
    if quiet >= s.vacancy_days:
        kind, level, score = "vacancy", 3, 1.0
    elif warn and quiet >= warn[0]:
        level = sum(1 for w in warn if quiet >= w)
        kind, score = "vacancy_warning", round(quiet / s.vacancy_days, 3)
    else:
        return None
    seen = "since the system began watching" if since < clock.watched_from else f"since {since}"
    return Finding(
        kind,
        facts.unit_id,
        day,
        score,
        f"No sign of anyone at the flat for {quiet} days ({seen}); the threshold is "
        f"{s.vacancy_days} days.",
        f"该房屋已连续{quiet}天无人出入记录（阈值{s.vacancy_days}天），疑似闲置。",
        level=level,
        first_day=since + timedelta(days=1),
        persons=tuple(m.person_id for m in facts.members),
        evidence=(
            _mark(
                since,
                "last_sign",
                f"last sign of anyone ({seen})",
                "last_sign",
                since=None if since < clock.watched_from else since.isoformat(),
            ),
        ),
    )


def welfare(
    facts: UnitFacts,
    clock: UnitClock,
    rows: list[Presence],
    day: date,
    s: DetectSettings,
    w: Window | None = None,
) -> Finding | None:
    """An elderly person living alone, no carer (registered, or a regular visitor who
    would notice), not seen for N days, and the last passage was coming home."""
    if not welfare_due(facts, clock, day, s):
        return None
    last = clock.last_member_day
    assert last is not None  # welfare_due
    m = facts.members[0]
    years = age(m.birth_year, day)
    quiet = (day - last).days
    w = w or summarised(rows, facts, s)
    start = day - timedelta(days=s.window_days - 1)
    if _carer_would_notice(w, last, start, s):
        return None
    # the silence reaches into the festival season before the alert would be due: they
    # may have left for it (the departure itself is often not logged)
    early = [last + timedelta(days=i) for i in range(1, s.welfare_days + 1)]
    holiday = any(a <= d <= b for a, b in s.holidays for d in early)
    if quiet < (s.welfare_holiday_days if holiday else s.welfare_days) or not clock.last_member_in:
        return None
    return Finding(
        "elderly_not_seen",
        facts.unit_id,
        day,
        round(min(1.0, quiet / (2 * s.welfare_days)), 3),
        f"{m.person_id} ({years}) lives alone and has not been seen for {quiet} days; the "
        f"last record was coming home on {last}. Please check on them.",
        f"独居老人{m.person_id}（{years}岁）已{quiet}天未出现，最后记录为{last}回家，"
        "请尽快上门查看。",
        first_day=last + timedelta(days=1),
        persons=(m.person_id,),
        evidence=(_mark(last, "last_seen", "last seen coming home", "last_seen_home"),),
    )


def welfare_due(facts: UnitFacts, clock: UnitClock, day: date, s: DetectSettings) -> bool:
    """The welfare rule's cheap refusals (most flats are not due): False, no finding; True,
    the window's summary decides."""
    last = clock.last_member_day
    if last is None or not common.welfare_tenant(facts, day, s) or facts.absent_on(day):
        return False
    quiet = (day - last).days
    return quiet >= min(s.welfare_days, s.welfare_holiday_days) and bool(clock.last_member_in)


def _carer_would_notice(w: Window, last: date, start: date, s: DetectSettings) -> bool:
    """A stranger who came often enough, while the tenant was still seen, to notice within
    welfare_days: once per welfare_days over the welfare_carer_days before the silence (2
    days at least). A carer stops coming when the tenant is away, and knows why; a weekly
    family visitor would not notice in time. The bar stays the same as the window leaves
    the fortnight behind, so the count can only fall: the exception ends once in a silence
    and never comes back (a falling bar closed the check and opened it again later)."""
    first = max(start, last - timedelta(days=s.welfare_carer_days - 1))
    need = max(2, -(-s.welfare_carer_days // s.welfare_days))  # rounded up
    return any(sum(first <= d <= last for d in v) >= need for v in w.stranger_days.values())
