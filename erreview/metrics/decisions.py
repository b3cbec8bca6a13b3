"""Decision points: where in the ER process the gap opens (contract §4.2).

Each decision point is a population (the disciplinary cases that reached the step) and an event (what
happened to them there). For each, the rate per WRES group and per broad ethnic group, the ratio
``rate(BME) / rate(White)`` with its Katz interval, band, significance and flag, as for indicator 3.
Beyond the contract: Fisher's exact p-value, the absolute rate difference, a Benjamini–Hochberg q-value
across the table, and each broad group's ratio to White.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests

from erreview.metrics.groups import EVENT, RatesFn, group_rates
from erreview.metrics.ratio import RatioEstimate, rate, relative_likelihood
from erreview.vocab import (
    AppealOutcome,
    BroadGroup,
    InvestigationOutcome,
    Restriction,
    Route,
    Sanction,
    WresGroup,
    YesNo,
)

Mask = Callable[[pd.DataFrame], pd.Series]


def _set(column: str) -> Mask:
    return lambda c: c[column].notna()


def _formal(c: pd.DataFrame) -> pd.Series:
    return c["initial_route"] == Route.FORMAL


@dataclass(frozen=True)
class DecisionPoint:
    """A step of the ER process: who reaches it (population) and what counts as the event."""

    name: str
    label: str
    question: str
    population: Mask
    event: Mask


DECISION_POINTS: tuple[DecisionPoint, ...] = (
    DecisionPoint(
        "formal_investigation",
        "Formal investigation",
        "Once a concern is raised, does it go to formal investigation?",
        _set("initial_route"),
        _formal,
    ),
    DecisionPoint(
        "suspension",
        "Suspension",
        "Is a formal case suspended?",
        _formal,
        lambda c: c["restriction"] == Restriction.SUSPENDED,
    ),
    DecisionPoint(
        "case_to_answer",
        "Case to answer",
        "Does the investigation find a case to answer (hearing or fast track)?",
        lambda c: _formal(c) & c["investigation_outcome"].notna(),
        lambda c: c["investigation_outcome"].isin([InvestigationOutcome.HEARING, InvestigationOutcome.FAST_TRACK]),
    ),
    DecisionPoint(
        "formal_sanction",
        "Formal sanction",
        "Does a decided case end in a formal sanction?",
        _set("sanction"),
        lambda c: c["sanction"] != Sanction.NO_ACTION,
    ),
    DecisionPoint(
        "dismissal",
        "Dismissal",
        "Does a decided case end in dismissal?",
        _set("sanction"),
        lambda c: c["sanction"] == Sanction.DISMISSAL,
    ),
    DecisionPoint(
        "appeal_upheld",
        "Appeal upheld",
        "Is an appeal upheld in whole or in part?",
        _set("appeal_outcome"),
        lambda c: c["appeal_outcome"].isin([AppealOutcome.UPHELD, AppealOutcome.PARTIALLY_UPHELD]),
    ),
    DecisionPoint(
        "regulator_referral",
        "Regulator referral",
        "Is a formal case referred to a regulator?",
        _formal,
        lambda c: c["regulator_referral"] == YesNo.YES,
    ),
)
POINTS_BY_NAME = {p.name: p for p in DECISION_POINTS}
#: Columns a case frame needs for decision-point analysis.
SUBJECT_COLUMNS = ("wres_group", "broad_group", "gender", "band", "staff_group", "division")


def decision_rows(cases: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (decision point, case that reached it) with the subject and ``event``.

    ``cases`` are disciplinary cases with missing values as ``None``/NaN.
    """
    parts = []
    for point in DECISION_POINTS:
        reached = point.population(cases).fillna(False).astype(bool)
        sub = cases.loc[reached, list(SUBJECT_COLUMNS)].copy()
        sub[EVENT] = point.event(cases.loc[reached]).fillna(False).astype(bool).to_numpy()
        sub.insert(0, "point", point.name)
        parts.append(sub)
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    rows["point"] = pd.Categorical(rows["point"], categories=[p.name for p in DECISION_POINTS])
    return rows


@dataclass(frozen=True)
class Count:
    n: int
    events: int

    @property
    def rate(self) -> float | None:
        return rate(self.events, self.n)

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "events": self.events, "rate": self.rate}


@dataclass(frozen=True)
class DecisionResult:
    """One decision point: counts by group, the BME/White ratio and the extras."""

    point: DecisionPoint
    bme: Count
    white: Count
    unknown: Count
    groups: dict[str, Count]
    estimate: RatioEstimate
    fisher_p: float | None
    group_ratios: dict[str, RatioEstimate] = field(default_factory=dict)
    q_value: float | None = None

    @property
    def difference(self) -> float | None:
        """Absolute rate difference, BME minus White (percentage points / 100)."""
        if self.bme.rate is None or self.white.rate is None:
            return None
        return self.bme.rate - self.white.rate

    def as_json(self) -> dict[str, Any]:
        """The element of ``decisions --json`` (contract §6)."""
        out: dict[str, Any] = {
            "name": self.point.name,
            "bme": self.bme.as_json(),
            "white": self.white.as_json(),
            "groups": {g: c.as_json() for g, c in self.groups.items()},
        }
        out.update(self.estimate.as_json())
        out["flag"] = self.estimate.flag.value
        return out


def _fisher(bme: Count, white: Count) -> float | None:
    if bme.n == 0 or white.n == 0:
        return None
    table = [[bme.events, bme.n - bme.events], [white.events, white.n - white.events]]
    return float(fisher_exact(table).pvalue)


def _counts(rates: pd.DataFrame, column: str) -> dict[str, dict[str, Count]]:
    """{point: {group: Count}} from a :func:`group_rates` table."""
    out: dict[str, dict[str, Count]] = {}
    for rec in rates.to_dict("records"):
        out.setdefault(str(rec["point"]), {})[str(rec[column])] = Count(int(rec["n"]), int(rec["events"]))
    return out


def decision_table(cases: pd.DataFrame, *, rates_fn: RatesFn = group_rates) -> list[DecisionResult]:
    """Every decision point of contract §4.2 for these disciplinary cases, in process order."""
    rows = decision_rows(cases)
    by_wres = rates_fn(rows, ["point", "wres_group"])
    by_broad = rates_fn(rows, ["point", "broad_group"])
    results = []
    wres_counts = _counts(by_wres, "wres_group")
    broad_counts = _counts(by_broad, "broad_group")
    for point in DECISION_POINTS:
        w = wres_counts.get(point.name, {})

        def count(by_group: dict[str, Count], key: str) -> Count:
            return by_group.get(key, Count(0, 0))

        bme, white = count(w, WresGroup.BME), count(w, WresGroup.WHITE)
        groups = broad_counts.get(point.name, {})
        ratios = {
            g: relative_likelihood(c.events, c.n, white.events, white.n)
            for g, c in groups.items()
            if g not in (BroadGroup.WHITE, BroadGroup.NOT_STATED)
        }
        results.append(
            DecisionResult(
                point=point,
                bme=bme,
                white=white,
                unknown=count(w, WresGroup.UNKNOWN),
                groups=groups,
                estimate=relative_likelihood(bme.events, bme.n, white.events, white.n),
                fisher_p=_fisher(bme, white),
                group_ratios=ratios,
            )
        )
    return _with_q_values(results)


def _with_q_values(results: list[DecisionResult]) -> list[DecisionResult]:
    """Benjamini–Hochberg q-values across the table's Fisher p-values (seven tests at once)."""
    tested = [(i, r.fisher_p) for i, r in enumerate(results) if r.fisher_p is not None]
    if not tested:
        return results
    _, q, _, _ = multipletests([p for _, p in tested], method="fdr_bh")
    q_by_index = {i: float(v) for (i, _), v in zip(tested, q, strict=True)}
    return [
        DecisionResult(
            r.point,
            r.bme,
            r.white,
            r.unknown,
            r.groups,
            r.estimate,
            r.fisher_p,
            r.group_ratios,
            q_by_index.get(i),
        )
        for i, r in enumerate(results)
    ]


def decision_table_frame(results: list[DecisionResult]) -> pd.DataFrame:
    """The table as a DataFrame for screens and exports: counts with rates, ratio with interval."""
    return pd.DataFrame(
        [
            {
                "decision_point": r.point.name,
                "label": r.point.label,
                "bme_n": r.bme.n,
                "bme_events": r.bme.events,
                "bme_rate": r.bme.rate,
                "white_n": r.white.n,
                "white_events": r.white.events,
                "white_rate": r.white.rate,
                "difference": r.difference,
                "ratio": r.estimate.ratio,
                "ci_low": r.estimate.ci_low,
                "ci_high": r.estimate.ci_high,
                "band": r.estimate.band.value if r.estimate.band else None,
                "significant": r.estimate.significant,
                "fisher_p": r.fisher_p,
                "q_value": r.q_value,
                "flag": r.estimate.flag.value,
            }
            for r in results
        ]
    )
