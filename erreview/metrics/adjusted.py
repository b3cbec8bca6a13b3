"""Case-mix-adjusted view of the formal-route decision.

Is the gap at the decision to go formal explained by *what* the cases were (allegation, referral source,
band, staff group) rather than *who* they were about? A logistic model of going formal on the WRES group
(BME vs White) plus those case-mix variables gives an adjusted odds ratio with its 95% interval, shown
next to the unadjusted odds ratio from the same cases. statsmodels does the inference.

Odds ratios are not relative likelihoods: when the event is common they sit further from 1. Compare the
adjusted with the unadjusted odds ratio, not with the indicator 3 ratio.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from erreview.vocab import Route, WresGroup

COVARIATES = ("allegation_category", "referral_source", "band", "staff_group")
#: Levels with fewer cases than this are pooled into one "other" level, so the model can be estimated.
MIN_LEVEL_CASES = 20
MIN_CASES = 50
MIN_EVENTS_PER_GROUP = 5


@dataclass(frozen=True)
class OddsRatio:
    value: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class AdjustedResult:
    n: int
    unadjusted: OddsRatio | None
    adjusted: OddsRatio | None
    covariates: tuple[str, ...]
    status: str = "ok"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def sentence(self) -> str:
        """What the comparison means, in plain English, from the odds ratios' direction and intervals.

        Labelled as odds (not the relative likelihood). "Case mix explains much of the gap" needs a
        significant gap before adjustment *and* none after, shrunk by at least half on the log scale; a
        significant odds ratio below 1 is said to be reversed, never "the gap remains".
        """
        if not self.ok or self.adjusted is None or self.unadjusted is None:
            return f"No case-mix-adjusted estimate: {self.status}."
        adj, raw = self.adjusted, self.unadjusted
        text = (
            f"Odds, not likelihoods: before adjustment, the odds of a concern about a BME colleague going to "
            f"formal investigation were {raw.value:.2f} times the odds for a White colleague (odds ratio, 95% CI "
            f"{raw.ci_low:.2f} to {raw.ci_high:.2f}). Comparing cases with the same allegation type, referral "
            f"source, band and staff group, the odds ratio was {adj.value:.2f} (95% CI {adj.ci_low:.2f} to "
            f"{adj.ci_high:.2f}). "
        )
        raw_sig = raw.ci_low > 1 or raw.ci_high < 1
        if adj.ci_low > 1:
            return text + (
                "Case mix does not explain the gap: BME colleagues' concerns still went formal more often "
                "among comparable cases, so the decision to go formal itself deserves scrutiny."
            )
        if adj.ci_high < 1:
            return text + (
                "Among comparable cases the difference is reversed: BME colleagues' concerns went formal less "
                "often than comparable White colleagues'."
            )
        shrink = raw.value != 1 and abs(math.log(adj.value)) < abs(math.log(raw.value)) * 0.5
        if raw_sig and shrink:
            return text + (
                "Much of the gap goes away among comparable cases: it may lie earlier, in which concerns are "
                "raised and how they are categorised."
            )
        if raw_sig:
            return text + (
                "Among comparable cases the remaining difference could be chance, but the interval is wide: "
                "case mix may explain only part of the gap."
            )
        return text + "Neither before nor after adjustment is the difference clear of chance."


def _pool_rare(series: pd.Series) -> pd.Series:
    counts = series.value_counts()
    rare = counts[counts < MIN_LEVEL_CASES].index
    return series.where(~series.isin(rare), "(other, pooled)")


def _odds_ratio(result: Any, column: str) -> OddsRatio:
    low, high = result.conf_int().loc[column]
    return OddsRatio(
        float(np.exp(result.params[column])),
        float(np.exp(low)),
        float(np.exp(high)),
        float(result.pvalues[column]),
    )


def _fit(y: np.ndarray, x: pd.DataFrame) -> Any:
    import statsmodels.api as sm  # imported when a model is fitted: the command line never needs it

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # separation or non-convergence must surface as a status
        return sm.GLM(y, sm.add_constant(x, has_constant="add"), family=sm.families.Binomial()).fit()


def adjusted_formal_route(cases: pd.DataFrame, *, covariates: tuple[str, ...] = COVARIATES) -> AdjustedResult:
    """Adjusted and unadjusted odds ratios (BME vs White) of a decided disciplinary concern going formal."""
    data = cases[
        cases["initial_route"].notna() & cases["wres_group"].isin([WresGroup.BME.value, WresGroup.WHITE.value])
    ]
    n = len(data)
    y = (data["initial_route"] == Route.FORMAL).to_numpy(dtype=float)
    bme = (data["wres_group"] == WresGroup.BME.value).to_numpy()
    events = (int(y[bme].sum()), int(y[~bme].sum()))
    if n < MIN_CASES or min(events) < MIN_EVENTS_PER_GROUP:
        return AdjustedResult(
            n,
            None,
            None,
            covariates,
            f"too few decided cases ({n}) or formal routes per group {events} to model",
        )
    x_eth = pd.DataFrame({"bme": bme.astype(float)}, index=data.index)
    dummies = pd.get_dummies(data[list(covariates)].apply(_pool_rare), drop_first=True, dtype=float)
    try:
        raw = _fit(y, x_eth)
        full = _fit(y, pd.concat([x_eth, dummies], axis=1))
    except (Warning, np.linalg.LinAlgError, ValueError) as exc:
        return AdjustedResult(n, None, None, covariates, f"the model could not be estimated ({exc})")
    return AdjustedResult(n, _odds_ratio(raw, "bme"), _odds_ratio(full, "bme"), covariates)
