"""Parameters of a synthetic portfolio. Everything that changes the output is here and
is written to manifest.json, so a run can be repeated byte for byte."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from anju_sim.worlds import World, draw_world

# Xiangyang: 5,803 flats in four housing offices (DOMAIN.md).
XIANGYANG_OFFICES: tuple[int, ...] = (1158, 2375, 404, 1866)
XIANGYANG_ESTATES: tuple[int, ...] = (3, 5, 1, 4)  # estates per office, 13 in all

# Spring Festival (lunar new year's day); absences cluster around it.
SPRING_FESTIVAL: dict[int, date] = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}


SYNTHETIC_SECRET = "anju-sim-master-secret"


def default_master_secret() -> str:
    """The platform's card-key secret when the environment has one, so hashes of
    simulated cards match the platform's; otherwise a fixed synthetic secret."""
    from anju_sim.settings import get_sim_settings

    secret = get_sim_settings().card_key_secret
    if secret is not None and secret.get_secret_value():
        return secret.get_secret_value()
    return SYNTHETIC_SECRET


class ViolationCounts(BaseModel):
    """How many cases of each violation per 1,000 flats (at least one each when
    `at_least_one` is set, so a small estate still shows every type)."""

    model_config = ConfigDict(extra="forbid")

    sublet: float = Field(default=4.0, ge=0, title="Sublet")
    lend: float = Field(default=2.0, ge=0, title="Lend to a relative or friend")
    vacancy: float = Field(default=2.0, ge=0, title="Vacancy crossing the threshold")
    vacancy_short: float = Field(
        default=1.5, ge=0, title="Vacancy stopping short of the threshold (near miss)"
    )
    overcrowding: float = Field(default=3.0, ge=0, title="Overcrowding / unregistered occupant")
    change_of_use: float = Field(default=1.0, ge=0, title="Change of use (shop, hostel)")
    card_clone: float = Field(default=1.0, ge=0, title="Cloned card at two places")
    card_after_moveout: float = Field(default=1.0, ge=0, title="Card used after move-out")
    card_face_mismatch: float = Field(default=1.5, ge=0, title="Card used by a non-matching face")
    evicted_reentry: float = Field(default=0.7, ge=0, title="Evicted tenant re-entering")
    elderly_not_seen: float = Field(default=1.0, ge=0, title="Elderly tenant not seen")
    at_least_one: bool = Field(default=True, title="At least one of each type per portfolio")


class SimParams(BaseModel):
    """Size, period, seed and behaviour rates of one synthetic portfolio."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(default=20260101, title="Seed", description="Same seed, same bytes.")
    start: date = Field(
        default=date(2026, 1, 5),
        title="First simulated day",
        description="Local (UTC+8) calendar day; the default window holds Spring Festival 2026.",
    )
    days: int = Field(default=180, ge=1, le=3660, title="Days to simulate")
    offices: list[int] = Field(
        default_factory=lambda: list(XIANGYANG_OFFICES),
        title="Flats per housing office",
    )
    estates_per_office: list[int] = Field(
        default_factory=lambda: list(XIANGYANG_ESTATES), title="Estates per housing office"
    )
    city: str = Field(default="Xiangyang", title="City")
    grid_size: int = Field(default=200, ge=10, title="Households per grid")
    occupancy: float = Field(default=0.97, ge=0, le=1, title="Share of flats let")
    face_consent: float = Field(
        default=0.6, ge=0, le=1, title="Share of people aged 14+ who consent to face enrollment"
    )
    card_share: float = Field(default=0.95, ge=0, le=1, title="Share of people 10+ with a card")
    tenant_qr_share: float = Field(
        default=0.25, ge=0, le=1, title="Share of people 14+ with a tenant QR identity"
    )
    exit_logged: float = Field(
        default=0.5, ge=0, le=1, title="Share of exits recorded (many doors open by a button)"
    )
    camera_capture: float = Field(
        default=0.85, ge=0, le=1, title="Share of entries where the camera tracks the face"
    )
    recognition_miss: float = Field(
        default=0.03, ge=0, le=1, title="Share of enrolled faces not recognized (sent as unknown)"
    )
    face_spread: float = Field(
        default=1.0,
        gt=0,
        le=2,
        title="How far apart different people's faces are",
        description="Scales the spread of face centres, the same-person spread unchanged: "
        "1 = Western-like (different people about 0.92 apart under dlib's model), 0.71 = "
        "the 'crowded' preset (about 0.72: East Asian faces under dlib's model).",
    )
    face_threshold: float | None = Field(
        default=None,
        gt=0,
        le=2,
        title="Gateway face match threshold",
        description="None: calibrated per estate on its gallery as the platform does "
        "(anju faces calibrate); a number: that fixed threshold (0.6 before issue 18).",
    )
    face_margin: float = Field(
        default=0.05,
        ge=0,
        le=1,
        title="Gateway face match margin to the second-nearest person",
    )
    # Traps of normal life (DOMAIN.md "Signals and their traps").
    spring_festival_away: float = Field(
        default=0.35, ge=0, le=1, title="Households away for Spring Festival"
    )
    travel: float = Field(default=0.15, ge=0, le=1, title="Households taking a trip")
    hospital: float = Field(default=0.08, ge=0, le=1, title="Elderly with a hospital stay")
    night_shift: float = Field(default=0.08, ge=0, le=1, title="Workers on night shifts")
    caregiver: float = Field(
        default=0.5, ge=0, le=1, title="Elderly living alone with a daily caregiver"
    )
    absence_reported: float = Field(
        default=0.4, ge=0, le=1, title="Absences the household reports to the office"
    )
    carer_registered: float = Field(
        default=0.6, ge=0, le=1, title="Carers registered for the flat (with a card)"
    )
    weekend_family: float = Field(
        default=0.3, ge=0, le=1, title="Households with family visiting at weekends"
    )
    delivery_per_day: float = Field(
        default=0.25, ge=0, title="Deliveries per household and day (courier with a PIN)"
    )
    visitor_pass_per_day: float = Field(
        default=0.05, ge=0, title="Other visitor passes per household and day"
    )
    baby: float = Field(default=0.01, ge=0, le=1, title="Young households with a baby born")
    turnover: float = Field(
        default=0.01, ge=0, le=1, title="Households moving out, a new one moving in weeks later"
    )
    card_misread: float = Field(
        default=0.01, ge=0, le=1, title="Card reads that fail once (denied 'invalid') then work"
    )
    grandparent: float = Field(
        default=0.01, ge=0, le=1, title="Households where a grandparent moves in"
    )
    violations: ViolationCounts = Field(default_factory=ViolationCounts, title="Violations")
    world: World = Field(default_factory=World, title="World (anju_sim.worlds)")
    master_secret: str = Field(
        default_factory=lambda: default_master_secret(),
        title="Card-key master secret",
        description="Estate card keys are HMAC(master, estate_id). Default: "
        "ANJU_CARD_KEY_SECRET when set (as the platform), else a fixed synthetic secret.",
        repr=False,
    )

    @property
    def flats(self) -> int:
        return sum(self.offices)


def with_world(p: SimParams, family: str) -> SimParams:
    """`p` in a world of `family` drawn from p.seed (UnknownWorld for a bad name)."""
    world, base = draw_world(family, p.seed)
    return p.model_copy(update={"world": world, **base})


def small_params(seed: int = 7, days: int = 30, flats: int = 60) -> SimParams:
    """One small estate: quick tests and demos."""
    return SimParams(seed=seed, days=days, offices=[flats], estates_per_office=[1])


def scaled_params(flats: int, seed: int, days: int) -> SimParams:
    """The Xiangyang shape scaled to about `flats` flats (keeps 4 offices while possible)."""
    if flats >= 4 * 150:
        total = sum(XIANGYANG_OFFICES)
        offices = [max(1, round(n * flats / total)) for n in XIANGYANG_OFFICES]
        estates = [max(1, round(k * flats / total)) for k in XIANGYANG_ESTATES]
        return SimParams(seed=seed, days=days, offices=offices, estates_per_office=estates)
    return small_params(seed=seed, days=days, flats=flats)
