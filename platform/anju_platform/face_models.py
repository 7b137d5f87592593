"""Response models of the gateways' and face enrollment routes: a gateway's token and
face gallery, an enrollment, a face calibration. The register's models are in schemas.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from anju_platform.schemas import RowOut


class GatewayToken(BaseModel):
    gateway_id: str
    token: str = Field(description="Shown once; send as `Authorization: Bearer <token>`")


class GalleryEntry(BaseModel):
    person_id: str
    enrollment_id: str
    embedding: list[float]


class Gallery(BaseModel):
    estate_id: str
    model: str = Field(description="Face model id of every embedding here")
    version: str | None = Field(description="The calibration the thresholds come from")
    threshold: float | None = Field(
        description="Calibrated match threshold; null: not calibrated, the gateway's own "
        "tolerance applies"
    )
    person_thresholds: dict[str, float] = Field(
        description="Tighter thresholds of people whose nearest other enrolment is close"
    )
    people: list[GalleryEntry]


class FaceCalibrationOut(RowOut):
    calibration_id: int
    estate_id: str
    model: str = Field(description="Face model id the thresholds hold for")
    computed_at: datetime
    threshold: float = Field(description="Match threshold for every enrolled person")
    person_thresholds: dict[str, float] = Field(
        description="Tighter thresholds of people whose nearest other enrolment is close"
    )
    far_target: float = Field(description="Target share of strangers accepted, per probe")
    calibrated: bool = Field(description="false: gallery too small, the fallback applies")
    report: dict[str, Any] = Field(
        description="people, impostor_pairs, genuine_pairs, expected_far, expected_miss, "
        "impostor_mean, impostor_sd, histogram {edges, impostor, genuine}"
    )


class EnrollmentOut(RowOut):
    enrollment_id: str
    person_id: str
    estate_id: str
    consent_at: datetime
    consent_ref: str
    photo_kept: bool
    created_at: datetime
