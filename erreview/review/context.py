"""What the panel sees beside the checklist: comparable past cases, the current disparity picture, and
(for the six-monthly post-action audit) how panels decided, by ethnic group."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from erreview import store
from erreview.metrics.comparators import DEFAULT_K, Comparison, comparable_cases
from erreview.metrics.decisions import DECISION_POINTS, DecisionResult, decision_rows, results_from_rows
from erreview.metrics.groups import group_rates_counted
from erreview.metrics.ratio import RatioEstimate, relative_likelihood
from erreview.review.roles import Actor, Role, requires
from erreview.review.workflow import _check_see, _load
from erreview.store import workflow as ws
from erreview.vocab import CaseType, WresGroup


@requires(Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN)
def comparables_for(engine: store.Engine, case_id: str, *, actor: Actor, k: int = DEFAULT_K) -> Comparison:
    """The ``k`` most similar closed disciplinary cases (never matched on ethnicity)."""
    with store.session_scope(engine) as session:
        case, work = _load(session, case_id)
        _check_see(actor, work)
        target = pd.Series(case.model_dump())
        history = store.cases_frame(session, case_type=CaseType(case.case_type))
    return comparable_cases(target, history, k=k)


@dataclass(frozen=True)
class DisparityContext:
    trust: DecisionResult
    division: DecisionResult
    division_name: str


@requires(Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN)
def disparity_context(
    engine: store.Engine, case_id: str, *, actor: Actor, point: str = "formal_investigation"
) -> DisparityContext:
    """A decision point (the formal route unless named: the panel's check before a suspension sees the
    suspension point) for the whole trust and for the case's division."""
    with store.session_scope(engine) as session:
        case, work = _load(session, case_id)
        _check_see(actor, work)
        cases = store.cases_frame(session, case_type=CaseType.DISCIPLINARY)
    # Counted directly rather than through MetricFrame: this runs on every save of a panel check, and the
    # numbers are the same (tests hold the two equal); the Decision points screen keeps fairlearn. Each
    # case's row of a step depends on that case alone, so the division's rows are the trust's rows of the
    # division: made once, not twice.
    rows = decision_rows(cases)
    names = [p.name for p in DECISION_POINTS]
    if point not in names:
        raise ValueError(f"no decision point {point!r}")
    at = names.index(point)  # every point is computed: q adjusts over all of them, as on Decision points
    trust = results_from_rows(DECISION_POINTS, rows, group_rates_counted)[at]
    ours = rows[(rows["division"] == case.division).to_numpy()] if not rows.empty else rows
    division = results_from_rows(DECISION_POINTS, ours, group_rates_counted)[at]
    return DisparityContext(trust, division, case.division)


@dataclass(frozen=True)
class PanelAudit:
    """The post-action audit of panel decisions over a period."""

    reviews: int
    cases: int
    decisions: pd.DataFrame  # decision × WRES group counts
    diversion: dict[str, tuple[int, int]]  # group → (diverted or stopped, reviewed)
    diversion_ratio: RatioEstimate
    days_to_decision: pd.DataFrame  # group → n, median, p90
    #: (recommended outcome, decision) × WRES group counts, for reviews made with a routed template.
    by_recommendation: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: group → reviews with a recommendation, decided against it, rate.
    overrides: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: group → n, median, p90 days from the (latest) referral to the panel to its decision.
    days_referral_to_decision: pd.DataFrame = field(default_factory=pd.DataFrame)

    def sentence(self) -> str:
        bme, white = self.diversion.get("BME", (0, 0)), self.diversion.get("White", (0, 0))
        if not bme[1] or not white[1]:
            return f"{self.reviews} panel review(s) of {self.cases} case(s); too few to compare groups."
        return (
            f"{self.reviews} panel review(s) of {self.cases} case(s). Panels diverted or stopped "
            f"{bme[0]} of {bme[1]} BME cases ({bme[0] / bme[1]:.0%}) and {white[0]} of {white[1]} "
            f"White cases ({white[0] / white[1]:.0%})."
        )


@requires(Role.INCLUSION_ANALYST, Role.BOARD_VIEWER, Role.ADMIN)
def panel_audit(
    engine: store.Engine, *, actor: Actor, start: date | None = None, end: date | None = None
) -> PanelAudit:
    """How panels decided between ``start`` and ``end`` (submission dates), by WRES group: aggregates only."""
    with store.session_scope(engine) as session:
        reviews = ws.all_reviews(session)
        referrals = ws.referral_dates(session)
    return panel_audit_of(reviews, start=start, end=end, referrals=referrals)


def panel_audit_of(
    reviews: pd.DataFrame,
    *,
    start: date | None = None,
    end: date | None = None,
    referrals: pd.DataFrame | None = None,
) -> PanelAudit:
    """:func:`panel_audit` on a frame of reviews (pure). ``referrals`` (case_id, referred_at): when each
    case was sent to the panel; each review is timed from the latest referral of its case before it."""
    if not reviews.empty:
        superseded = set(reviews["supersedes_id"].dropna().astype(int))
        reviews = reviews[~reviews["id"].isin(superseded)]
        when = pd.to_datetime(reviews["submitted_at"], utc=True).dt.tz_localize(None)
        if start is not None:
            reviews = reviews[when >= pd.Timestamp(start)]
        if end is not None:
            reviews = reviews[when < pd.Timestamp(end) + pd.Timedelta(days=1)]
    if reviews.empty:
        empty = pd.DataFrame()
        return PanelAudit(0, 0, empty, {}, relative_likelihood(0, 0, 0, 0), empty)
    decisions = reviews.pivot_table(index="decision", columns="wres_group", values="id", aggfunc="count", fill_value=0)
    diverted = reviews["decision"].isin(["divert_informal", "no_further_action"])
    diversion = {}
    for group in (WresGroup.BME.value, WresGroup.WHITE.value):
        mask = reviews["wres_group"] == group
        diversion[group] = (int((diverted & mask).sum()), int(mask.sum()))
    bme, white = diversion[WresGroup.BME.value], diversion[WresGroup.WHITE.value]
    days = (
        pd.to_datetime(reviews["submitted_at"], utc=True).dt.tz_localize(None) - pd.to_datetime(reviews["opened_date"])
    ).dt.days
    grouped = pd.DataFrame({"wres_group": reviews["wres_group"], "days": days}).groupby("wres_group")["days"]
    timing = pd.DataFrame({"n": grouped.size(), "median": grouped.median(), "p90": grouped.quantile(0.9)})
    by_recommendation, overrides = _against_recommendation(reviews)
    return PanelAudit(
        len(reviews),
        reviews["case_id"].nunique(),
        decisions,
        diversion,
        relative_likelihood(bme[0], bme[1], white[0], white[1]),
        timing,
        by_recommendation,
        overrides,
        _referral_to_decision(reviews, referrals),
    )


def _against_recommendation(reviews: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    if "recommended_outcome" not in reviews:
        return pd.DataFrame(), pd.DataFrame()
    routed = reviews[reviews["recommended_outcome"].notna()]
    if routed.empty:
        return pd.DataFrame(), pd.DataFrame()
    table = routed.pivot_table(
        index=["recommended_outcome", "decision"], columns="wres_group", values="id", aggfunc="count", fill_value=0
    )
    against = routed["against_recommendation"].astype(bool)
    grouped = against.groupby(routed["wres_group"])
    overrides = pd.DataFrame({"reviews": grouped.size(), "against": grouped.sum().astype(int)})
    overrides["rate"] = overrides["against"] / overrides["reviews"]
    return table, overrides


def _referral_to_decision(reviews: pd.DataFrame, referrals: pd.DataFrame | None) -> pd.DataFrame:
    if referrals is None or referrals.empty:
        return pd.DataFrame()
    submitted = pd.to_datetime(reviews["submitted_at"], utc=True).dt.tz_localize(None)
    referred = pd.to_datetime(referrals["referred_at"], utc=True).dt.tz_localize(None)
    refs = pd.DataFrame({"case_id": referrals["case_id"], "referred_at": referred})
    days = []
    for case_id, at in zip(reviews["case_id"], submitted, strict=True):
        before = refs[(refs["case_id"] == case_id) & (refs["referred_at"] <= at)]["referred_at"]
        days.append((at - before.max()).total_seconds() / 86400 if len(before) else None)
    frame = pd.DataFrame({"wres_group": reviews["wres_group"].to_numpy(), "days": days}).dropna()
    grouped = frame.groupby("wres_group")["days"]
    return pd.DataFrame({"n": grouped.size(), "median": grouped.median(), "p90": grouped.quantile(0.9)})
