"""A seeded synthetic NHS trust with planted disparities (no real person anywhere).

``generate(config)`` returns contract-format ``workforce`` and ``cases`` frames; ``write_synthetic`` writes
them as CSV. The same config (seed included) always gives byte-identical files.

The workforce turns over every half-year (leavers and starters) and a snapshot is taken at each period
end. Each person in post has a chance of an ER concern each half-year; disciplinary cases then pass the
decision points of the ER process. Planted effects (BME relative to White, all else equal):

* ``concern_rr``: concerns raised; ``formal_rr``: going formal once a concern is raised (falling to
  ``formal_rr_after`` from ``intervention`` on, as when panel pre-checks start); ``suspension_rr``:
  suspension of a formal case; ``dismissal_rr``: dismissal among sanctioned cases.

So the planted WRES indicator 3 is about ``concern_rr × formal_rr`` before the intervention.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from faker import Faker

from erreview.periods import Period, period_of
from erreview.vocab import CASE_COLUMNS, WORKFORCE_COLUMNS

log = logging.getLogger(__name__)

# (code as ESR writes it, weight, is_bme or None for not stated). Formats vary on purpose: bare codes,
# codes with labels, ESR two-character sub-codes and lower case, as real extracts do.
ETHNICITY_CODES: list[tuple[str, float, bool | None]] = [
    ("A", 0.50, False),
    ("A White - British", 0.12, False),
    ("B", 0.015, False),
    ("C", 0.04, False),
    ("C3", 0.02, False),
    ("CA", 0.01, False),
    ("cp", 0.005, False),
    ("D", 0.005, True),
    ("E", 0.004, True),
    ("F", 0.004, True),
    ("GF", 0.003, True),
    ("H", 0.05, True),
    ("H Indian", 0.01, True),
    ("J", 0.015, True),
    ("K", 0.006, True),
    ("LH", 0.01, True),
    ("LK", 0.005, True),
    ("M", 0.012, True),
    ("N", 0.035, True),
    ("N Black African", 0.008, True),
    ("PD", 0.004, True),
    ("R", 0.006, True),
    ("S", 0.008, True),
    ("SE", 0.004, True),
    ("Z", 0.025, None),
    ("99", 0.01, None),
    ("", 0.01, None),
]

DIVISIONS = [
    "Medicine",
    "Surgery",
    "Women and Children",
    "Community Services",
    "Mental Health",
    "Clinical Support",
    "Estates and Facilities",
    "Corporate",
]

# staff group, share, bands (with weights), BME share multiplier
STAFF_GROUPS: list[tuple[str, float, list[tuple[str, float]], float]] = [
    (
        "Nursing and Midwifery Registered",
        0.26,
        [("Band 5", 0.45), ("Band 6", 0.33), ("Band 7", 0.17), ("Band 8a", 0.05)],
        1.4,
    ),
    ("Additional Clinical Services", 0.20, [("Band 2", 0.35), ("Band 3", 0.45), ("Band 4", 0.20)], 1.0),
    (
        "Allied Health Professionals",
        0.08,
        [("Band 5", 0.3), ("Band 6", 0.35), ("Band 7", 0.28), ("Band 8a", 0.07)],
        0.8,
    ),
    (
        "Additional Professional Scientific and Technical",
        0.05,
        [("Band 4", 0.2), ("Band 5", 0.3), ("Band 6", 0.3), ("Band 7", 0.2)],
        1.1,
    ),
    (
        "Healthcare Scientists",
        0.02,
        [("Band 5", 0.3), ("Band 6", 0.3), ("Band 7", 0.3), ("Band 8b", 0.1)],
        1.0,
    ),
    ("Medical and Dental", 0.11, [("Medical", 1.0)], 2.2),
    (
        "Admin and Clerical",
        0.20,
        [
            ("Band 2", 0.15),
            ("Band 3", 0.3),
            ("Band 4", 0.25),
            ("Band 5", 0.1),
            ("Band 6", 0.06),
            ("Band 7", 0.06),
            ("Band 8a", 0.04),
            ("Band 8c", 0.02),
            ("Band 9", 0.02),
        ],
        0.6,
    ),
    (
        "Estates and Ancillary",
        0.08,
        [("Band 1", 0.2), ("Band 2", 0.5), ("Band 3", 0.2), ("Band 4", 0.1)],
        0.9,
    ),
]

GENDERS = [("female", 0.76), ("male", 0.225), ("other", 0.005), ("not_stated", 0.01)]

# Case types: share of all concerns and chance that the route is formal (White, before any intervention).
CASE_TYPES = [
    ("disciplinary", 0.45),
    ("capability", 0.12),
    ("grievance", 0.18),
    ("bullying_harassment", 0.10),
    ("sickness", 0.15),
]
ALLEGATIONS = [
    "clinical_practice",
    "behaviour",
    "attendance",
    "fraud_theft",
    "information_governance",
    "patient_care",
    "other",
]
ALLEGATION_WEIGHTS = [0.22, 0.30, 0.12, 0.05, 0.08, 0.15, 0.08]
REFERRALS = ["manager", "colleague", "patient_complaint", "incident_report", "external"]
REFERRAL_WEIGHTS = [0.45, 0.2, 0.12, 0.18, 0.05]


def _last_complete_fy(today: date) -> int:
    """The first calendar year of the most recent financial year that has fully ended."""
    return period_of(today, "year").fy_start - 1


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. All rates are per person per half-year unless stated."""

    seed: int = 2024
    staff: int = 13_000
    years: int = 6
    end_fy: int = field(default_factory=lambda: _last_complete_fy(date.today()))
    turnover: float = 0.06  # leavers per half-year
    concern_rate: float = 0.03  # ER concerns of any type, White staff
    bme_share: float = 0.26  # of staff with a stated ethnicity
    concern_rr: float = 1.3
    formal_rr: float = 1.7
    formal_rr_after: float = 1.1
    intervention: date | None = None  # default: start of the final two financial years
    white_formal: float = 0.32
    suspension_rr: float = 2.2
    white_suspension: float = 0.12
    dismissal_rr: float = 1.0
    white_dismissal: float = 0.15
    #: Complaints (grievance, bullying/harassment) raised by BME staff upheld this much as often (contract v2).
    complaint_upheld_rr: float = 0.75
    white_complaint_upheld: float = 0.45

    @property
    def first_period(self) -> Period:
        return Period(self.end_fy - self.years + 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.end_fy + 1, 3, 31)

    @property
    def intervention_date(self) -> date:
        return self.intervention or date(max(self.end_fy - 1, self.end_fy - self.years + 1), 4, 1)


def _choice(rng: np.random.Generator, options: list[Any], weights: list[float], size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(np.asarray(options, dtype=object), size=size, p=p / p.sum())


class _Population:
    """Staff in post, as parallel arrays (fast enough for 1.5 million people)."""

    def __init__(self, config: SynthConfig, rng: np.random.Generator):
        self.config, self.rng = config, rng
        self.next_id = 1_000_000
        self.cols: dict[str, np.ndarray] = {}
        self.add(config.staff)

    def add(self, n: int) -> None:
        rng, cfg = self.rng, self.config
        group_idx = rng.choice(
            len(STAFF_GROUPS),
            size=n,
            p=np.array([g[1] for g in STAFF_GROUPS]) / sum(g[1] for g in STAFF_GROUPS),
        )
        bands = np.empty(n, dtype=object)
        ethnic = np.empty(n, dtype=object)
        codes = [c for c, _, _ in ETHNICITY_CODES]
        weights = np.array([w for _, w, _ in ETHNICITY_CODES])
        is_bme = np.array([b is True for _, _, b in ETHNICITY_CODES])
        is_white = np.array([b is False for _, _, b in ETHNICITY_CODES])
        for gi, (_, _, band_list, bme_mult) in enumerate(STAFF_GROUPS):
            mask = group_idx == gi
            k = int(mask.sum())
            if not k:
                continue
            bands[mask] = _choice(rng, [b for b, _ in band_list], [w for _, w in band_list], k)
            # Reweight so that this staff group's BME share is bme_share × its multiplier.
            bme_target = min(0.85, cfg.bme_share * bme_mult)
            w = weights.copy()
            stated = weights[is_bme | is_white].sum()
            w[is_bme] *= bme_target * stated / weights[is_bme].sum()
            w[is_white] *= (1 - bme_target) * stated / weights[is_white].sum()
            ethnic[mask] = _choice(rng, codes, list(w), k)
        new = {
            "person_id": np.array([f"E{self.next_id + i:07d}" for i in range(n)], dtype=object),
            "ethnic_category": ethnic,
            "gender": _choice(rng, [g for g, _ in GENDERS], [w for _, w in GENDERS], n),
            "band": bands,
            "staff_group": np.array([STAFF_GROUPS[i][0] for i in group_idx], dtype=object),
            "division": _choice(rng, DIVISIONS, [0.18, 0.16, 0.1, 0.16, 0.12, 0.12, 0.06, 0.1], n),
        }
        self.next_id += n
        for key, values in new.items():
            self.cols[key] = np.concatenate([self.cols[key], values]) if key in self.cols else values

    def remove(self, mask: np.ndarray) -> None:
        for key in self.cols:
            self.cols[key] = self.cols[key][~mask]

    def __len__(self) -> int:
        return len(self.cols["person_id"])

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.cols)


def _bme_mask(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lookup = {c: b for c, _, b in ETHNICITY_CODES}
    flags = [lookup.get(c) for c in codes]
    return np.array([f is True for f in flags]), np.array([f is False for f in flags])


def _days(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    return rng.integers(lo, hi + 1, size=n).astype("timedelta64[D]")


def generate(config: SynthConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contract-format (workforce, cases) frames for ``config``."""
    rng = np.random.default_rng(config.seed)
    fake = Faker("en_GB")
    fake.seed_instance(config.seed)
    pop = _Population(config, rng)
    snapshots: list[pd.DataFrame] = []
    case_parts: list[pd.DataFrame] = []
    periods = [config.first_period.shift(k) for k in range(config.years * 2)]
    for period in periods:
        staff = pop.frame()
        case_parts.append(_cases_for_period(config, rng, staff, period))
        # A few people declare their ethnicity later (not stated → stated), as ESR self-service allows.
        not_stated = np.isin(pop.cols["ethnic_category"], ["Z", "99", ""])
        declare = not_stated & (rng.random(len(pop)) < 0.04)
        pop.cols["ethnic_category"][declare] = _choice(
            rng, ["A", "C", "H", "N"], [0.6, 0.1, 0.15, 0.15], int(declare.sum())
        )
        leavers = rng.random(len(pop)) < config.turnover
        pop.remove(leavers)
        pop.add(round(config.staff * (1 + 0.005 * len(snapshots))) - len(pop))
        snapshot = pop.frame()
        snapshot.insert(0, "snapshot_date", period.end.isoformat())
        snapshots.append(snapshot)
    workforce = pd.concat(snapshots, ignore_index=True)[list(WORKFORCE_COLUMNS)]
    cases = pd.concat(case_parts, ignore_index=True)
    cases = cases.sort_values(["opened_date", "person_id"], kind="stable").reset_index(drop=True)
    prefix = fake.lexify("??").upper()
    cases.insert(0, "case_id", [f"ER-{prefix}{i + 1:06d}" for i in range(len(cases))])
    return workforce, cases[list(CASE_COLUMNS)]


def _cases_for_period(
    config: SynthConfig, rng: np.random.Generator, staff: pd.DataFrame, period: Period
) -> pd.DataFrame:
    bme, _white = _bme_mask(staff["ethnic_category"].to_numpy())
    p_concern = np.where(bme, config.concern_rate * config.concern_rr, config.concern_rate)
    subjects = staff[rng.random(len(staff)) < p_concern].reset_index(drop=True)
    n = len(subjects)
    if n == 0:
        return pd.DataFrame(columns=list(CASE_COLUMNS[1:]))
    s_bme = _bme_mask(subjects["ethnic_category"].to_numpy())[0]
    span = (period.end - period.start).days
    opened = np.datetime64(period.start) + _days(rng, 0, span, n)
    case_type = _choice(rng, [t for t, _ in CASE_TYPES], [w for _, w in CASE_TYPES], n)
    disciplinary = case_type == "disciplinary"
    allegation = _choice(rng, ALLEGATIONS, ALLEGATION_WEIGHTS, n)
    allegation[case_type == "sickness"] = "attendance"
    allegation[case_type == "capability"] = _choice(
        rng,
        ["clinical_practice", "patient_care", "other"],
        [0.5, 0.3, 0.2],
        int((case_type == "capability").sum()),
    )
    referral = _choice(rng, REFERRALS, REFERRAL_WEIGHTS, n)

    # Route: informal / formal / no further action.
    after = opened >= np.datetime64(config.intervention_date)
    rr = np.where(after, config.formal_rr_after, config.formal_rr)
    base_formal = np.where(disciplinary, config.white_formal, 0.2)
    p_formal = np.clip(base_formal * np.where(s_bme & disciplinary, rr, 1.0), 0, 0.95)
    u = rng.random(n)
    route = np.where(
        u < p_formal,
        "formal",
        np.where(u < p_formal + (1 - p_formal) * 0.75, "informal", "no_further_action"),
    ).astype(object)
    route_date = opened + _days(rng, 2, 28, n)
    formal = route == "formal"
    formal_date = np.where(formal, route_date + _days(rng, 1, 14, n), np.datetime64("NaT"))

    # Restriction (formal only): suspension planted; other restrictions at parity.
    p_susp = np.where(s_bme, config.white_suspension * config.suspension_rr, config.white_suspension)
    u = rng.random(n)
    restriction = np.where(
        u < p_susp,
        "suspended",
        np.where(u < p_susp + 0.08, "restricted_duties", np.where(u < p_susp + 0.12, "redeployed", "none")),
    ).astype(object)
    # Investigation outcome, sanction, appeal and referral, each conditional on the step before.
    outcome = _choice(rng, ["no_case_to_answer", "fast_track", "hearing"], [0.45, 0.15, 0.40], n)
    decided = np.isin(outcome, ["fast_track", "hearing"])
    p_dismiss = np.where(s_bme, config.white_dismissal * config.dismissal_rr, config.white_dismissal)
    u = rng.random(n)
    rest = 1 - p_dismiss
    sanction = np.where(
        u < p_dismiss,
        "dismissal",
        np.where(
            u < p_dismiss + rest * 0.3,
            "no_action",
            np.where(u < p_dismiss + rest * 0.7, "first_written_warning", "final_written_warning"),
        ),
    ).astype(object)
    appeal = np.where(
        rng.random(n) < 0.3,
        _choice(rng, ["upheld", "partially_upheld", "not_upheld"], [0.15, 0.15, 0.7], n),
        "",
    ).astype(object)
    # The same referral chance for every staff group: a chance tied to registered professions would
    # plant a gap through staff-group mix, and the generator promises none at this step.
    referral_reg = np.where(rng.random(n) < 0.06, "yes", np.where(rng.random(n) < 0.5, "no", "")).astype(object)
    investigation_end = np.where(formal, formal_date + _days(rng, 30, 120, n), np.datetime64("NaT"))
    closed = np.where(formal, investigation_end + _days(rng, 10, 90, n), route_date + _days(rng, 5, 60, n))

    as_of = np.datetime64(config.last_day)
    undecided = route_date > as_of
    open_case = closed > as_of
    finished_investigation = formal & (investigation_end <= as_of)
    frame = subjects.copy()
    frame["case_type"] = case_type
    frame["allegation_category"] = allegation
    frame["referral_source"] = referral
    frame["opened_date"] = opened
    frame["initial_route"] = np.where(undecided, "", route)
    frame["route_date"] = np.where(undecided, np.datetime64("NaT"), route_date)
    frame["formal_investigation_date"] = np.where(
        undecided | ~formal | (formal_date > as_of), np.datetime64("NaT"), formal_date
    )
    # A formal route whose investigation start would fall after the data end is still to come: undecided.
    pending = formal & ~undecided & (formal_date > as_of)
    frame.loc[pending, "initial_route"] = ""
    frame.loc[pending, "route_date"] = np.datetime64("NaT")
    is_formal = (frame["initial_route"] == "formal").to_numpy()
    frame["restriction"] = np.where(is_formal, restriction, "")
    frame["investigation_outcome"] = np.where(is_formal & finished_investigation, outcome, "")
    has_sanction = is_formal & finished_investigation & decided & ~open_case
    frame["sanction"] = np.where(has_sanction, sanction, "")
    frame["appeal_outcome"] = np.where(has_sanction & (sanction != "no_action"), appeal, "")
    frame["regulator_referral"] = np.where(is_formal & ~open_case, referral_reg, "")
    frame["closed_date"] = np.where(open_case | (frame["initial_route"] == "").to_numpy(), np.datetime64("NaT"), closed)
    _v2_columns(config, period, frame, s_bme, as_of)
    for column in (
        "opened_date",
        "route_date",
        "formal_investigation_date",
        "closed_date",
        "suspension_start_date",
        "suspension_end_date",
    ):
        values = pd.to_datetime(frame[column])
        frame[column] = values.dt.strftime("%Y-%m-%d").fillna("")
    return frame


def _v2_columns(
    config: SynthConfig, period: Period, frame: pd.DataFrame, bme: np.ndarray, as_of: np.datetime64
) -> None:
    """Contract v2 columns: suspension dates, complaint outcomes and the two newer sanctions.

    Drawn from their own generator (seeded by the run's seed and the period), so adding them left every
    v1 column of a seeded run exactly as it was.
    """
    rng = np.random.default_rng([config.seed, period.start.toordinal()])
    n = len(frame)
    # Milder sanctions split: some first written warnings are formal verbal warnings, some final written
    # warnings action short of dismissal. Neither changes whether a sanction was formal or a dismissal.
    sanction = frame["sanction"].to_numpy(dtype=object).copy()
    u = rng.random(n)
    sanction[(sanction == "first_written_warning") & (u < 0.25)] = "formal_verbal_warning"
    sanction[(sanction == "final_written_warning") & (u < 0.15)] = "action_short_of_dismissal"
    frame["sanction"] = sanction

    suspended = (frame["restriction"] == "suspended").to_numpy()
    formal_date = pd.to_datetime(frame["formal_investigation_date"]).to_numpy()
    closed = pd.to_datetime(frame["closed_date"]).to_numpy()
    start = formal_date + _days(rng, 0, 7, n)
    end = start + _days(rng, 14, 150, n)
    end = np.where(~np.isnat(closed) & (end > closed), closed, end)
    has_start = suspended & ~np.isnat(start) & (start <= as_of)
    # An end after the data's last day is not known yet: still suspended.
    has_end = has_start & (end <= as_of)
    frame["suspension_start_date"] = np.where(has_start, start, np.datetime64("NaT"))
    frame["suspension_end_date"] = np.where(has_end, end, np.datetime64("NaT"))

    complaint = frame["case_type"].isin(["grievance", "bullying_harassment"]).to_numpy()
    decided = complaint & ~np.isnat(closed)
    p_upheld = np.where(bme, config.white_complaint_upheld * config.complaint_upheld_rr, config.white_complaint_upheld)
    u = rng.random(n)
    withdrawn = rng.random(n) < 0.08
    outcome = np.where(
        withdrawn,
        "withdrawn",
        np.where(u < p_upheld * 0.7, "upheld", np.where(u < p_upheld, "partially_upheld", "not_upheld")),
    )
    frame["complaint_outcome"] = np.where(decided, outcome, "")


def write_synthetic(config: SynthConfig, out: Path) -> list[Path]:
    """Write ``workforce.csv`` and ``cases.csv`` for ``config`` into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    workforce, cases = generate(config)
    paths = [out / "workforce.csv", out / "cases.csv"]
    workforce.to_csv(paths[0], index=False, lineterminator="\n")
    cases.to_csv(paths[1], index=False, lineterminator="\n")
    log.info("wrote %d workforce rows and %d cases to %s", len(workforce), len(cases), out)
    return paths


def planted_wres_ratio(config: SynthConfig, *, after_intervention: bool = False) -> float:
    """The indicator 3 ratio the generator plants (concerns × formal route)."""
    return config.concern_rr * (config.formal_rr_after if after_intervention else config.formal_rr)


__all__ = ["SynthConfig", "generate", "planted_wres_ratio", "write_synthetic"]
