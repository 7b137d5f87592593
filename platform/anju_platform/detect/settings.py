"""Detection thresholds (env prefix ANJU_DETECT_), overridable per estate from the
detect_settings table (JSON of these field names)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DetectSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANJU_DETECT_", extra="ignore")

    tz_offset_hours: int = Field(8, title="Local time offset", description="Days are local days.")
    cluster_distance: float = Field(
        0.6, title="Same-face distance", description="Unknown faces closer than this are one."
    )
    pair_window_s: int = Field(
        3, title="Passage window", description="Face, QR and door events this close are one."
    )
    window_days: int = Field(28, title="Rule window (days)")
    sublet_max_member_days: int = Field(4, title="Sublet: at most this many days members seen")
    sublet_min_stranger_days: int = Field(10, title="Sublet: strangers seen on this many days")
    sublet_gone_days: int = Field(
        14,
        title="Sublet: the household's regular presence ended this long ago at least",
        description="Seen on two days close together until lately: a trip, with a relative "
        "minding the flat or moving in meanwhile (a grandparent before registration).",
    )
    sublet_card_other_hands: bool = Field(
        True,
        title="Sublet: a day the card came with someone else's face does not show the holder "
        "home by the same card with an unrecognised face",
        description="One card is in one pair of hands: on a day a member's card came with a "
        "face that is not the holder's, its uses with a face the gateways did not recognise "
        "(near the enrolment, as a relative's may come with crowded faces) are not a member "
        "day. A face the gateways recognise, or the face learned for the card, still is.",
    )
    sublet_cover_cohabit_days: int = Field(
        5,
        ge=1,
        title="Sublet: a stranger who stayed with the household on this many days before an "
        "approved absence is its occupant",
        description="The household's unregistered occupants staying on while it is away on "
        "an approved absence are overcrowding, not subtenants; someone who moves in when it "
        "leaves is a sublet (issue 16 item 2).",
    )
    regular_days: int = Field(8, title="A regular: a stranger seen on this many days of the window")
    overcrowd_min_member_days: int = Field(10, title="Overcrowding: household still there")
    overcrowd_min_regulars: int = Field(2, title="Overcrowding: regular strangers at least")
    use_days: int = Field(14, title="Change of use: window (days)")
    use_visitors_per_day: float = Field(5.0, title="Change of use: mean distinct visitors a day")
    vacancy_days: int = Field(180, title="Vacancy threshold (days)")
    vacancy_warn_days: list[int] = Field([60, 120], title="Vacancy early warnings (days)")
    welfare_days: int = Field(3, title="Welfare: elderly alone not seen (days)")
    welfare_age: int = Field(60, title="Welfare: elderly from this age")
    welfare_carer_days: int = Field(
        14,
        title="Welfare: an unregistered carer's visits counted over (days)",
        description="A stranger who came, in this many days before the tenant was last seen, "
        "at least once per welfare_days (5 of 14 at 3) would notice in time: no check. A "
        "weekly family visitor would not.",
    )
    welfare_own_face_home: bool = Field(
        True,
        title="Welfare: the face learned for a lone tenant's card coming in after their "
        "last logged exit is them coming home",
        description="A tenant without an enrolled face who came back behind someone left "
        "an exit as the last record, and the check waited. Their card's learned face "
        "entering their entrance after it reads as coming home once per exit (a "
        "look-alike costs a care call, never a missed check); it is never shown as their "
        "identity and never opens a door.",
    )
    welfare_own_face_distance: float = Field(
        0.5,
        title="... or a stranger cluster whose leader lies this close to their enrolment",
        description="An enrolled tenant the gateways did not recognise coming in (crowded "
        "faces leave many sightings unmatched) is clustered as a stranger: a cluster this "
        "close to the lone tenant's enrolment is their own face (0: off).",
    )
    holidays: list[tuple[date, date]] = Field(
        [(date(2026, 2, 7), date(2026, 3, 14)), (date(2027, 1, 27), date(2027, 3, 3))],
        title="Holiday seasons",
        description="Spring Festival travel seasons: many elderly visit family unannounced; "
        "the welfare rule waits welfare_holiday_days then.",
    )
    holiday_lead_days: int = Field(
        1,
        ge=0,
        title="A household last seen this many days before a holiday season began, and "
        "silent into it, went for the festival",
        description="The departure morning is rarely logged (exits are not filmed): a "
        "family that leaves on the season's first day was last seen the evening before. "
        "Only when the people staying came after that day (someone minding the flat), "
        "where the sublet rule and the building level wait for a festival trip.",
    )
    holiday_lead_cohabitants: bool = Field(
        True,
        title="... or when the people staying are the household's own occupants",
        description="Strangers who stayed the night on sublet_cover_cohabit_days of the "
        "household's home days in the window before its last sighting lived with it: they "
        "stay on while it is away for the festival (overcrowding, as during an approved "
        "absence), they do not move in as it leaves (sublet rule only).",
    )
    # A welfare check is a care task (a phone call first), and a missed one costs more than
    # a call: by default the festival season does not hold it back (issue 16 item 8; it
    # was 36 days, which put every silence that began near the festival weeks late).
    welfare_holiday_days: int = Field(
        3,
        title="Welfare threshold in a holiday season (days)",
        description="Equal to welfare_days: no wait. A city that prefers fewer calls over "
        "the festival may set it longer (36 covers a whole season).",
    )
    clone_window_s: int = Field(300, title="Card clone: two entrances within (s)")
    mismatch_min_days: int = Field(
        3,
        ge=1,
        title="Card/face mismatch: on this many days",
        description="A tailgater's face next to a card happens by chance now and then: "
        "the alert is kept as 'watch' until it has happened on this many days.",
    )
    mismatch_window_days: int = Field(
        30,
        ge=1,
        title="Card/face mismatch: within (days)",
        description="Its days count while they come less than this many days apart; after "
        "this many days without one the alert closes.",
    )
    mismatch_occupant_days: int = Field(
        3,
        title="Card/face mismatch: an occupant stays on this many days",
        description="A foreign face on a member's card that lives in the flat is evidence "
        "of sublet or overcrowding, not a card/face mismatch of its own.",
    )
    mismatch_occupant_share: float = Field(
        0.6, title="Card/face mismatch: an occupant is seen on this share of days since first"
    )
    evicted_watch_days: int = Field(
        365,
        ge=0,
        title="Evicted watch list: days",
        description="Evicted members' face enrolments are compared with unknown faces for "
        "this long after the eviction (0: off; docs/privacy.md).",
    )
    evicted_match_distance: float = Field(
        0.55, title="Evicted watch list: a face this close to an enrolment is that person"
    )
    face_strong_confidence: float = Field(
        0.75,
        ge=0,
        le=1,
        title="A face match that contradicts the person's history stands from this confidence",
        description="Confidence from the calibration: 0.5 at the threshold or at the margin "
        "to the second-nearest person, 1 at face_confidence_band inside both (issue 18).",
    )
    card_face_own_share: float = Field(
        0.5,
        ge=0,
        le=1,
        title="A card's face is learned from a cluster that came for the flat on this share "
        "of the days it came for any flat",
        description="Crowded faces: a stairwell's early cluster takes in look-alikes of many "
        "flats and is nobody's own face (issue 18).",
    )
    card_face_pass_share: float = Field(
        0.2,
        ge=0,
        le=1,
        title="A card's face is someone else's when it comes on visitor passes on this share "
        "of its card days (and 2+ days)",
        description="Crowded faces: the holder's own cluster takes in a look-alike visitor "
        "now and then; someone else on the card needs a pass often (issue 18).",
    )
    card_face_taken_links: bool = Field(
        True,
        title="A face that took a member's card over is linked to the card's flat",
        description="Its entries behind others count for the flat, as a face on the flat's "
        "visitor passes does (a relative the card was lent to who mostly tailgates in).",
    )
    card_face_still_share: float = Field(
        0.3,
        title="A card's learned face still seen tied to no flat on this share of the days "
        "since a new face came with the card was a look-alike's, not the holder's",
        description="Crowded faces (issue 18): a holder who lent the card is gone.",
    )
    cluster_link_share: float = Field(
        0.8,
        gt=0.5,
        le=1,
        title="A stranger face is linked to the flat it came for on this share of the days "
        "it came for any flat (and 2+ days)",
        description="Its entries behind others then count for that flat. Below 1: with "
        "crowded faces a cluster takes in a look-alike visitor of another flat now and then "
        "(issue 18); 1: one flat only.",
    )
    cluster_link_stay_days: int = Field(
        1,
        ge=0,
        title="... and it stayed (the day's last passage at the flat an entry) on this many "
        "of those days",
        description="A face that came on the flat's visitor passes and left again each time "
        "is a visitor (a weekend family): with crowded faces its cluster may hold a "
        "neighbour's child who follows others in daily, counted for the flat as an occupant. "
        "0: off.",
    )
    card_face_known_share: float = Field(
        0.5,
        ge=0,
        le=1,
        title="A new face on a card is the card's own when it came with the card on this "
        "share of the card's own-face days before it was a cluster",
        description="Crowded faces (issue 18): the holder's first sightings went to a "
        "look-alike's cluster (learned as the card's face) until one started a cluster of "
        "their own, which read as a takeover. A subtenant was not there before.",
    )
    card_face_known_days: int = Field(3, ge=1, title="... on this many days at least")
    card_face_known_skip_absences: bool = Field(
        True,
        title="... days of the window, the household's approved absences not counted",
        description="The card was away with its holder: a face new after a festival trip is "
        "weighed against the weeks the holder used the card before (crowded faces, issue 18).",
    )
    card_face_known_distance: float = Field(
        0.5, title="... a face within this distance of the new cluster's leader"
    )
    day_visitor_pass_days: int = Field(
        5,
        title="A face on visitor passes on this many days of the window, leaving again on "
        "them, is a day visitor",
        description="Its face-only entries not seen leaving are not stays (a day carer; "
        "crowded faces: a look-alike's entries in its cluster, issue 18).",
    )
    day_visitor_stay_share: float = Field(
        0.2, title="... staying on less than this share of those pass days"
    )
    face_confidence_band: float = Field(0.1, gt=0, title="Face match confidence band (distance)")
    building_enabled: bool = Field(
        True,
        title="Building level: reason about occupants no credential ties to a flat",
        description="Issue 16 item 1 (docs/detection.md, Building level).",
    )
    building_stay_days: int = Field(
        10,
        title="Building: a stranger tied to no flat lives there if staying on this many days",
        description="Issue 16 item 1: the day's last passage at the building an entry.",
    )
    building_evening_share: float = Field(
        0.5, title="Building: share of those days coming home outside the day hours"
    )
    building_day_start_hour: int = Field(9, title="Building: day hours start (local)")
    building_day_end_hour: int = Field(
        17,
        title="Building: day hours end (local)",
        description="Delivery riders and day carers come in between these hours.",
    )
    building_follow_days: int = Field(
        3, title="Building: follows one flat's members in on this many days"
    )
    building_follow_s: float = Field(10.0, title="Building: entering this close behind (s)")
    building_follow_share: float = Field(
        0.5, title="Building: ... and on this share of the days it was seen"
    )
    building_settled_days: int = Field(
        14,
        title="Building: a newcomer is first seen this many days after watching began",
        description="Others lived there before (children without a card of their own).",
    )
    building_new_days: int = Field(
        56, title="Building: a newcomer was first seen within this many days"
    )
    building_handover_days: int = Field(
        14, title="Building: a newcomer arrived at most this long after a household's leaving"
    )
    building_handover_before_days: int = Field(
        3, title="Building: ... or at most this long before it"
    )
    building_arrived_with_days: int = Field(
        7,
        ge=0,
        title="Building: a newcomer first seen this close to a household of its entrance "
        "moving in or coming back, with members never seen on their own, is one of them",
        description="Coming back: after building_gone_days or more unseen. A child or a "
        "spouse without a card or an enrolled face follows others in.",
    )
    building_occupant_stay_days: int = Field(
        20,
        title="Building: an occupant tied to no flat is opened for staff from this many stays",
        description="Of the window, with households of its entrance that stopped appearing "
        "as it came; fewer: a watch item.",
    )
    building_gone_days: int = Field(
        7,
        title="Building: a household stopped appearing this long ago at least",
        description="One back from a trip is regular again within this.",
    )
    building_known_days: int = Field(
        10,
        title="Building: a new cluster's face passed its entrance on this many days before",
        description="Of the window before its first sighting: a resident whose sightings "
        "went to a look-alike's cluster, not a newcomer (crowded faces, issue 18).",
    )
    building_known_distance: float = Field(
        0.5, title="Building: ... within this distance of the new cluster's leader"
    )
    cooldown_days: int = Field(14, title="No new alert of a type for a unit after a dismissal")
    realtime_poll_s: float = Field(1.0, title="Real-time loop poll interval (s)")
    realtime_enabled: bool = Field(False, title="Run the real-time loop inside the platform")
    daily_enabled: bool = Field(False, title="Run the daily pass inside the platform")
    daily_interval_s: float = Field(3600.0, title="Daily pass: check for new days every (s)")

    def with_overrides(self, overrides: dict[str, Any] | None) -> DetectSettings:
        if not overrides:
            return self
        return self.model_validate({**self.model_dump(), **overrides})


@lru_cache
def get_detect_settings() -> DetectSettings:
    return DetectSettings()


def local_offset_hours() -> int:
    """The one local-time offset of the platform: detection's days, suppressions, patrol
    coverage and the performance report all count local days with it. Read by entry points
    only (`create_app`, jobs); routes take it as `deps.TzOffset`."""
    return get_detect_settings().tz_offset_hours
