"""The inspection cases' request and response models (api/cases.py, the evidence pack
in api/case_exports.py); the use cases are in anju_platform.services.cases."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, Field

from anju_common.vocabulary import CaseStatus, Decision
from anju_platform.api.alerts import EvidenceOut
from anju_platform.workflow import cases as rules

Outcome = rules.Outcome
Reason = rules.Reason


class CaseOut(BaseModel):
    case_id: int
    alert_id: int
    estate_id: str
    grid_id: str | None
    unit_id: str | None = Field(description="The flat; null for a report about a building")
    building_id: str | None
    type: str = Field(description="Alert type, see docs/alerts.md")
    source: str = Field(description="detection or resident_report")
    alert_status: str = Field(description="The alert's status: open, acknowledged, closed...")
    score: float
    level: int
    reason_zh: str
    reason_en: str
    status: CaseStatus = Field(
        description="open (awaiting a visit), confirmed (awaiting the authority's decision), "
        "not_confirmed, decided, cancelled (the alert closed before anyone went)"
    )
    assignee_id: str | None = Field(description="The inspector; null: unassigned")
    assignee_name: str | None
    due_at: datetime = Field(description="When the first visit is due (per alert type)")
    overdue: bool = Field(description="Still open after its due time")
    created_at: datetime
    first_visit_at: datetime | None
    closed_at: datetime | None
    visit_count: int = Field(default=0, description="Visits recorded (a no-access try counts)")
    last_outcome: Outcome | None = Field(default=None, description="The latest visit's outcome")
    last_visit_at: datetime | None = Field(default=None, description="The latest visit")


class VisitOut(BaseModel):
    visit_id: int
    inspector_id: str = Field(description="Who recorded the visit")
    visited_at: datetime
    outcome: Outcome
    violation_type: str | None = Field(description="Confirmed: the violation found")
    reason: str | None = Field(description="Not confirmed: why")
    notes: str | None


class PhotoOut(BaseModel):
    photo_id: str
    visit_id: int | None
    content_type: str = Field(description="image/jpeg or image/png (checked by magic bytes)")
    uploaded_by: str
    uploaded_at: datetime
    sha256: str | None = Field(default=None, description="SHA-256 of the stored file")


class DeductionOut(BaseModel):
    deduction_id: int
    household_id: str | None
    violation_type: str
    points: int
    status: str = Field(description="proposed, upheld or rejected")


class DecisionOut(BaseModel):
    decision: str
    note: str | None
    decided_by: str
    decided_at: datetime


class MemberOut(BaseModel):
    person_id: str
    name: str
    role: str
    phone: str | None = Field(
        default=None, description="Only for the inspector assigned to the case (audited)"
    )


class HouseholdOut(BaseModel):
    household_id: str
    members: list[MemberOut]


class SuppressionOut(BaseModel):
    suppression_id: int
    unit_id: str
    type: str | None = Field(description="Alert type held off; null: every type")
    valid_from: date
    valid_to: date | None
    reason: str = Field(description="The visit's reason; register_change:<reason> when staff "
                        "must register the person")  # fmt: skip


class RegisterChangeOut(BaseModel):
    reason: str
    note_zh: str
    note_en: str


class CaseDetail(CaseOut):
    evidence: list[EvidenceOut] = Field(description="The alert's evidence, oldest first")
    visits: list[VisitOut]
    photos: list[PhotoOut]
    deduction: DeductionOut | None
    decision: DecisionOut | None
    household: HouseholdOut | None = Field(description="The household holding the unit now")
    suppressions: list[SuppressionOut] = Field(description="Patterns held off by this case")
    register_change: RegisterChangeOut | None = Field(
        description="A not-confirmed visit named an unregistered caregiver or family member"
    )


class AssignIn(BaseModel):
    assignee_id: str = Field(description="An inspector whose grids include the case's grid")


class VisitIn(BaseModel):
    outcome: Outcome
    violation_type: str | None = Field(
        default=None, max_length=64, description="Confirmed: the violation (default: alert type)"
    )
    reason: Reason | None = Field(default=None, description="Not confirmed: why (required)")
    notes: str | None = Field(default=None, max_length=4000)
    visited_at: AwareDatetime | None = Field(default=None, description="Default: now")
    points: int | None = Field(
        default=None, ge=0, le=1000, description="Confirmed: points proposed (default per type)"
    )


class DecisionIn(BaseModel):
    decision: Decision
    note: str | None = Field(default=None, max_length=4000)
