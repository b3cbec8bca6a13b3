"""What the panel sees beside the checklist: comparable past cases, the current disparity picture, and
(for the six-monthly post-action audit) how panels decided, by ethnic group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from erreview import store
from erreview.metrics.comparators import DEFAULT_K, Comparison, comparable_cases
from erreview.metrics.decisions import DecisionResult, decision_table
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
def disparity_context(engine: store.Engine, case_id: str, *, actor: Actor) -> DisparityContext:
    """The formal-route decision point for the whole trust and for the case's division."""
    with store.session_scope(engine) as session:
        case, work = _load(session, case_id)
        _check_see(actor, work)
        cases = store.cases_frame(session, case_type=CaseType.DISCIPLINARY)
    # Counted directly rather than through MetricFrame: this runs on every save of a panel check, and the
    # numbers are the same (tests hold the two equal); the Decision points screen keeps fairlearn.
    trust = decision_table(cases, rates_fn=group_rates_counted)[0]
    division = decision_table(cases[cases["division"] == case.division], rates_fn=group_rates_counted)[0]
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
    return panel_audit_of(reviews, start=start, end=end)


def panel_audit_of(reviews: pd.DataFrame, *, start: date | None = None, end: date | None = None) -> PanelAudit:
    """:func:`panel_audit` on a frame of reviews (pure)."""
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
    return PanelAudit(
        len(reviews),
        reviews["case_id"].nunique(),
        decisions,
        diversion,
        relative_likelihood(bme[0], bme[1], white[0], white[1]),
        timing,
    )
