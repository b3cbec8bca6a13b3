"""Column names and category values of the import contract (spec §2), in one place.

Every enumerated column of ``cases.csv`` and ``workforce.csv`` is a :class:`enum.StrEnum` here, so code
refers to ``Route.FORMAL`` rather than the string ``"formal"`` and the accepted values are data.
"""

from __future__ import annotations

from enum import StrEnum

#: How a hidden count (and anything resting on it) is printed, in packs and on screens (contract §5).
SUPPRESSED = "*"


class WresGroup(StrEnum):
    BME = "BME"
    WHITE = "White"
    UNKNOWN = "Unknown"


class BroadGroup(StrEnum):
    WHITE = "White"
    MIXED = "Mixed"
    ASIAN = "Asian"
    BLACK = "Black"
    OTHER = "Other"
    NOT_STATED = "Not stated"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_STATED = "not_stated"


#: Short forms accepted on input (contract §2: ``F``/``M``).
GENDER_ALIASES: dict[str, Gender] = {"f": Gender.FEMALE, "m": Gender.MALE}


class CaseType(StrEnum):
    DISCIPLINARY = "disciplinary"
    CAPABILITY = "capability"
    GRIEVANCE = "grievance"
    BULLYING_HARASSMENT = "bullying_harassment"
    SICKNESS = "sickness"


class AllegationCategory(StrEnum):
    CLINICAL_PRACTICE = "clinical_practice"
    BEHAVIOUR = "behaviour"
    ATTENDANCE = "attendance"
    FRAUD_THEFT = "fraud_theft"
    INFORMATION_GOVERNANCE = "information_governance"
    PATIENT_CARE = "patient_care"
    OTHER = "other"


class ReferralSource(StrEnum):
    MANAGER = "manager"
    COLLEAGUE = "colleague"
    PATIENT_COMPLAINT = "patient_complaint"
    INCIDENT_REPORT = "incident_report"
    EXTERNAL = "external"


class Route(StrEnum):
    INFORMAL = "informal"
    FORMAL = "formal"
    NO_FURTHER_ACTION = "no_further_action"


class Restriction(StrEnum):
    NONE = "none"
    RESTRICTED_DUTIES = "restricted_duties"
    REDEPLOYED = "redeployed"
    SUSPENDED = "suspended"


class InvestigationOutcome(StrEnum):
    NO_CASE_TO_ANSWER = "no_case_to_answer"
    FAST_TRACK = "fast_track"
    HEARING = "hearing"


class Sanction(StrEnum):
    """Outcomes of a hearing, mildest to most severe (contract §2, v2 adds two)."""

    NO_ACTION = "no_action"
    FORMAL_VERBAL_WARNING = "formal_verbal_warning"
    FIRST_WRITTEN_WARNING = "first_written_warning"
    FINAL_WRITTEN_WARNING = "final_written_warning"
    ACTION_SHORT_OF_DISMISSAL = "action_short_of_dismissal"
    DISMISSAL = "dismissal"


class AppealOutcome(StrEnum):
    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially_upheld"
    NOT_UPHELD = "not_upheld"


class ComplaintOutcome(StrEnum):
    """Outcome of a grievance or bullying/harassment complaint raised by a member of staff (contract v2)."""

    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially_upheld"
    NOT_UPHELD = "not_upheld"
    WITHDRAWN = "withdrawn"


#: Case types where the person is the member of staff who raised the complaint (contract §2).
COMPLAINT_CASE_TYPES: frozenset[CaseType] = frozenset({CaseType.GRIEVANCE, CaseType.BULLYING_HARASSMENT})


class YesNo(StrEnum):
    YES = "yes"
    NO = "no"


class Band(StrEnum):
    """Where a ratio sits against the non-adverse range 0.80–1.25 (*A fair experience for all*, 2019)."""

    BELOW = "below"
    NON_ADVERSE = "non_adverse"
    ABOVE = "above"


class Flag(StrEnum):
    DISPARITY = "disparity"
    WATCH = "watch"
    NONE = "none"


# Column names of the import files, in contract order.
WORKFORCE_COLUMNS: tuple[str, ...] = (
    "snapshot_date",
    "person_id",
    "ethnic_category",
    "gender",
    "band",
    "staff_group",
    "division",
)
CASE_COLUMNS: tuple[str, ...] = (
    "case_id",
    "person_id",
    "ethnic_category",
    "gender",
    "band",
    "staff_group",
    "division",
    "case_type",
    "allegation_category",
    "referral_source",
    "opened_date",
    "initial_route",
    "route_date",
    "formal_investigation_date",
    "restriction",
    "investigation_outcome",
    "sanction",
    "appeal_outcome",
    "regulator_referral",
    "closed_date",
    # Contract v2: optional, a file without them imports as before.
    "suspension_start_date",
    "suspension_end_date",
    "complaint_outcome",
)
CASE_REQUIRED: frozenset[str] = frozenset(CASE_COLUMNS[:11])
#: Case columns holding a date, in the order the contract requires them to be ordered.
CASE_DATE_ORDER: tuple[str, ...] = ("opened_date", "route_date", "formal_investigation_date", "closed_date")
#: Suspension dates (contract v2): ``route_date <= start <= end <= closed_date`` where present.
SUSPENSION_DATES: tuple[str, ...] = ("suspension_start_date", "suspension_end_date")
#: Every date column of cases.csv.
CASE_DATE_COLUMNS: tuple[str, ...] = (*CASE_DATE_ORDER, *SUSPENSION_DATES)
#: Enumerated case columns and their vocabularies.
CASE_ENUMS: dict[str, type[StrEnum]] = {
    "case_type": CaseType,
    "allegation_category": AllegationCategory,
    "referral_source": ReferralSource,
    "initial_route": Route,
    "restriction": Restriction,
    "investigation_outcome": InvestigationOutcome,
    "sanction": Sanction,
    "appeal_outcome": AppealOutcome,
    "regulator_referral": YesNo,
    "complaint_outcome": ComplaintOutcome,
}
FREE_TEXT_COLUMNS: tuple[str, ...] = ("band", "staff_group", "division")
