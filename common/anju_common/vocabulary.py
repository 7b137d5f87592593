"""The workflow's words: alert types and statuses, case statuses, visit outcomes and
reasons, the authority's decisions, as StrEnums, and one zh/en label table that the
evidence pack, the webhooks and the console all say (tests/contract/test_vocabulary.py
holds the console's dictionaries to it). Chinese as an estate office writes it."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class AlertType(StrEnum):
    SUBLET = "sublet"
    OVERCROWDING = "overcrowding"
    CHANGE_OF_USE = "change_of_use"
    VACANCY = "vacancy"
    VACANCY_WARNING = "vacancy_warning"
    ELDERLY_NOT_SEEN = "elderly_not_seen"
    CARD_CLONE = "card_clone"
    CARD_AFTER_MOVEOUT = "card_after_moveout"
    CARD_FACE_MISMATCH = "card_face_mismatch"
    EVICTED_REENTRY = "evicted_reentry"
    RESIDENT_REPORT = "resident_report"
    BUILDING_OCCUPANT = "building_occupant"  # a building-level alert (unit_id NULL)


class AlertStatus(StrEnum):
    WATCH = "watch"  # below the opening score: not shown to inspectors by default
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"
    DISMISSED = "dismissed"


class CaseStatus(StrEnum):
    OPEN = "open"  # awaiting a visit
    CONFIRMED = "confirmed"  # awaiting the authority's decision
    NOT_CONFIRMED = "not_confirmed"
    DECIDED = "decided"
    CANCELLED = "cancelled"  # the alert closed before anyone went


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    NO_ACCESS = "no_access"


class VisitReason(StrEnum):
    """Why a visit did not confirm the pattern."""

    REGISTERED_CAREGIVER = "registered_caregiver"
    FAMILY_MEMBER_UNREGISTERED = "family_member_unregistered"
    APPROVED_ABSENCE = "approved_absence"
    NIGHT_SHIFT = "night_shift"
    PATTERN_EXPLAINED = "pattern_explained"
    OTHER = "other"


class Decision(StrEnum):
    WARNING = "warning"
    DEDUCTION_UPHELD = "deduction_upheld"
    DEDUCTION_REJECTED = "deduction_rejected"
    LEASE_REVIEW = "lease_review"
    NO_ACTION = "no_action"


class CareStatus(StrEnum):
    """A care task (issue 16 item 8): a welfare check, not a violation."""

    CALL = "call"  # phone first
    VISIT = "visit"  # nobody answered: someone goes to the door
    DONE = "done"  # a person recorded how the tenant is
    SEEN = "seen"  # closed by itself: the tenant was seen again (or an absence approved)


class ContactKind(StrEnum):
    PHONE = "phone"
    VISIT = "visit"


class CareResult(StrEnum):
    """What a phone call or a visit found."""

    FINE = "fine"
    NEEDED_HELP = "needed_help"
    AWAY = "away"
    REPORTED = "reported"  # handed on: family, community, police, hospital
    NO_ANSWER = "no_answer"  # nobody answered the phone / opened the door


class AbsenceStatus(StrEnum):
    """A reported absence becomes an approved absence only when staff confirm it."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Label(NamedTuple):
    zh: str
    en: str


# Group name (the console's dictionary prefix, as in 'outcome.confirmed') -> its values.
# Keyed by group, not by member: Outcome.CONFIRMED == CaseStatus.CONFIRMED as strings.
GROUPS: dict[str, type[StrEnum]] = {
    "type": AlertType,
    "status": AlertStatus,
    "caseStatus": CaseStatus,
    "outcome": Outcome,
    "reasonCode": VisitReason,
    "decision": Decision,
    "careStatus": CareStatus,
    "contactKind": ContactKind,
    "careResult": CareResult,
    "absenceStatus": AbsenceStatus,
}

LABELS: dict[str, dict[str, Label]] = {
    "type": {
        AlertType.SUBLET: Label("转租转借", "Sublet or lent"),
        AlertType.OVERCROWDING: Label("超员居住", "Overcrowding"),
        AlertType.CHANGE_OF_USE: Label("改变用途", "Change of use"),
        AlertType.VACANCY: Label("长期空置", "Vacant"),
        AlertType.VACANCY_WARNING: Label("空置预警", "Vacancy warning"),
        AlertType.ELDERLY_NOT_SEEN: Label("独居老人未出现", "Elderly resident not seen"),
        AlertType.CARD_CLONE: Label("门禁卡复制", "Cloned card"),
        AlertType.CARD_AFTER_MOVEOUT: Label("迁出后用卡", "Card used after move-out"),
        AlertType.CARD_FACE_MISMATCH: Label("人卡不符", "Card and face do not match"),
        AlertType.EVICTED_REENTRY: Label("清退人员进入", "Evicted person entering"),
        AlertType.RESIDENT_REPORT: Label("居民举报", "Resident report"),
        AlertType.BUILDING_OCCUPANT: Label("楼内不明居住人员", "Unregistered occupant in building"),
    },
    "status": {
        AlertStatus.WATCH: Label("观察中", "Watching"),
        AlertStatus.OPEN: Label("待处理", "Open"),
        AlertStatus.ACKNOWLEDGED: Label("处理中", "In progress"),
        AlertStatus.CLOSED: Label("已关闭", "Closed"),
        AlertStatus.DISMISSED: Label("已排除", "Dismissed"),
    },
    "caseStatus": {
        CaseStatus.OPEN: Label("待核查", "To inspect"),
        CaseStatus.CONFIRMED: Label("核查属实，待决定", "Confirmed, awaiting decision"),
        CaseStatus.NOT_CONFIRMED: Label("核查不属实", "Not confirmed"),
        CaseStatus.DECIDED: Label("已决定", "Decided"),
        CaseStatus.CANCELLED: Label("已取消", "Cancelled"),
    },
    "outcome": {
        Outcome.CONFIRMED: Label("属实", "Confirmed"),
        Outcome.NOT_CONFIRMED: Label("不属实", "Not confirmed"),
        Outcome.NO_ACCESS: Label("未能入户", "No access"),
    },
    "reasonCode": {
        VisitReason.REGISTERED_CAREGIVER: Label("已登记的护理人员", "Registered caregiver"),
        VisitReason.FAMILY_MEMBER_UNREGISTERED: Label(
            "未登记的家庭成员", "Unregistered family member"
        ),
        VisitReason.APPROVED_ABSENCE: Label("已批准的外出", "Approved absence"),
        VisitReason.NIGHT_SHIFT: Label("上夜班", "Night shift"),
        VisitReason.PATTERN_EXPLAINED: Label("情况已说明", "Pattern explained"),
        VisitReason.OTHER: Label("其他", "Other"),
    },
    "decision": {
        Decision.WARNING: Label("警告", "Warning"),
        Decision.DEDUCTION_UPHELD: Label("维持扣分", "Deduction upheld"),
        Decision.DEDUCTION_REJECTED: Label("不予扣分", "Deduction rejected"),
        Decision.LEASE_REVIEW: Label("移交租赁资格复核", "Referred for lease review"),
        Decision.NO_ACTION: Label("不予处理", "No action"),
    },
    "careStatus": {
        CareStatus.CALL: Label("待电话联系", "To phone"),
        CareStatus.VISIT: Label("电话未接通，待上门", "No answer, to visit"),
        CareStatus.DONE: Label("已联系", "Checked"),
        CareStatus.SEEN: Label("已再次出现", "Seen again"),
    },
    "contactKind": {
        ContactKind.PHONE: Label("电话", "Phone call"),
        ContactKind.VISIT: Label("上门", "Visit"),
    },
    "careResult": {
        CareResult.FINE: Label("平安", "Fine"),
        CareResult.NEEDED_HELP: Label("需要帮助", "Needed help"),
        CareResult.AWAY: Label("外出", "Away"),
        CareResult.REPORTED: Label("已转告家属或社区", "Reported to family or community"),
        CareResult.NO_ANSWER: Label("无人应答", "No answer"),
    },
    "absenceStatus": {
        AbsenceStatus.PENDING: Label("待确认", "To confirm"),
        AbsenceStatus.CONFIRMED: Label("已确认", "Confirmed"),
        AbsenceStatus.REJECTED: Label("未采纳", "Rejected"),
    },
}


def labels(group: str, lang: str = "zh") -> dict[str, str]:
    """One group's labels in one language ('zh' or 'en'), by plain string value."""
    return {str(value): getattr(label, lang) for value, label in LABELS[group].items()}


def label(group: str, value: object, lang: str = "zh") -> str:
    """The label of one value; a value the table does not know is shown as it is."""
    found = LABELS[group].get(str(value))
    return getattr(found, lang) if found else str(value)
