"""Trend: NHS "Making Data Count" statistical process control (an XmR chart) and change over time.

XmR: centre = mean; limits = mean ± 2.66 × mean moving range. Special cause:

1. a point outside the limits;
2. a run of 7 points in a row on one side of the mean;
3. a trend of 7 points in a row all rising or all falling;
4. 2 of 3 points in a row beyond two thirds of the way to a limit, on the same side.

With fewer than 12 points the limits are *trial limits* and must say so. The rules and constants are
those of NHS England's *Making Data Count* and the NHS-R Community's R package ``NHSRplotthedots``
(``ptd_spc``); rule 4 counts only points on the *same* side of the mean, as that package does since its
fix for opposite-side "2 in 3" flags (issue #143).
Ratios are charted on the log scale, so 2× and ½× are equally far from parity; the limits are computed on
``ln(ratio)`` and turned back.

:func:`period_log_ratios` gives the chart every period that has data, including periods whose counts are
too small to publish (they are marked, not dropped: dropping them biases the centre line) and periods with
no BME or no White entrants (a 0.5 continuity correction in every cell, Haldane's, gives them a finite
log ratio).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from erreview.metrics.likelihood import WresResult
from erreview.metrics.ratio import Z95, RatioEstimate
from erreview.vocab import WresGroup

XMR_CONSTANT = 2.66
RUN_LENGTH = 7
TREND_LENGTH = 7
MIN_POINTS_FOR_LIMITS = 12
TRIAL_LIMITS_NOTE = "Fewer than 12 points: these are trial limits and may change as more data arrive."
RULES_SOURCE = "NHS England Making Data Count; rules as implemented in the NHS-R Community package NHSRplotthedots"


@dataclass(frozen=True)
class Signal:
    rule: str
    indices: tuple[int, ...]
    description: str


@dataclass(frozen=True)
class XmR:
    values: tuple[float, ...]
    centre: float
    lower: float
    upper: float
    signals: tuple[Signal, ...]

    @property
    def trial_limits(self) -> bool:
        return len(self.values) < MIN_POINTS_FOR_LIMITS

    def flagged(self) -> set[int]:
        return {i for s in self.signals for i in s.indices}


def xmr(values: Sequence[float]) -> XmR:
    """The XmR chart and its special-cause signals for a series (at least 2 points)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        raise ValueError("an XmR chart needs at least 2 points")
    centre = float(x.mean())
    mr = float(np.abs(np.diff(x)).mean())
    lower, upper = centre - XMR_CONSTANT * mr, centre + XMR_CONSTANT * mr
    return XmR(tuple(float(v) for v in x), centre, lower, upper, tuple(special_causes(x, centre, lower, upper)))


def special_causes(x: np.ndarray, centre: float, lower: float, upper: float) -> list[Signal]:
    signals = []
    outside = [i for i, v in enumerate(x) if v > upper or v < lower]
    if outside:
        signals.append(Signal("outside_limits", tuple(outside), "point(s) outside the process limits"))
    side = np.sign(x - centre)
    for start, length, value in _runs(side):
        if value != 0 and length >= RUN_LENGTH:
            where = "above" if value > 0 else "below"
            signals.append(
                Signal("run", tuple(range(start, start + length)), f"{length} points in a row {where} the mean")
            )
    direction = np.sign(np.diff(x))
    for start, length, value in _runs(direction):
        # length differences in one direction span length + 1 points
        if value != 0 and length + 1 >= TREND_LENGTH:
            word = "rising" if value > 0 else "falling"
            signals.append(
                Signal("trend", tuple(range(start, start + length + 1)), f"{length + 1} points in a row all {word}")
            )
    near_upper = centre + (upper - centre) * 2 / 3
    near_lower = centre - (centre - lower) * 2 / 3
    for label, beyond in (("upper", x > near_upper), ("lower", x < near_lower)):
        hits: set[int] = set()
        for i in range(len(x) - 2):
            window = [j for j in range(i, i + 3) if beyond[j]]
            if len(window) >= 2:
                hits.update(window)
        if hits:
            signals.append(
                Signal(
                    "two_of_three",
                    tuple(sorted(hits)),
                    f"2 of 3 points beyond two thirds of the way to the {label} limit",
                )
            )
    return signals


def _runs(values: np.ndarray) -> list[tuple[int, int, float]]:
    """(start, length, value) of each maximal run of equal values."""
    runs = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i - start, float(values[start])))
            start = i
    return runs


def log_ratio_xmr(ratios: Sequence[float]) -> XmR:
    """XmR on ``ln(ratio)`` (ratios must be positive); the returned values and limits are ratios again."""
    chart = xmr([math.log(r) for r in ratios])
    return XmR(
        tuple(math.exp(v) for v in chart.values),
        math.exp(chart.centre),
        math.exp(chart.lower),
        math.exp(chart.upper),
        chart.signals,
    )


@dataclass(frozen=True)
class RatioChange:
    """Ratio of two relative likelihoods (later / earlier) with its 95% interval."""

    earlier: RatioEstimate
    later: RatioEstimate
    ratio: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def significant(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None and (self.ci_low > 1 or self.ci_high < 1)


def ratio_of_ratios(earlier: tuple[int, int, int, int], later: tuple[int, int, int, int]) -> RatioChange:
    """Did the relative likelihood change? ``(a, n1, c, n2)`` for each period; the log variance of each
    Katz ratio adds (independent periods)."""
    from erreview.metrics.ratio import relative_likelihood

    e, l_ = relative_likelihood(*earlier), relative_likelihood(*later)
    if not e.ratio or not l_.ratio or 0 in (earlier[0], earlier[2], later[0], later[2]):
        return RatioChange(e, l_, None, None, None)

    def var(a: int, n1: int, c: int, n2: int) -> float:
        return 1 / a - 1 / n1 + 1 / c - 1 / n2

    value = l_.ratio / e.ratio
    se = math.sqrt(var(*earlier) + var(*later))
    return RatioChange(e, l_, value, math.exp(math.log(value) - Z95 * se), math.exp(math.log(value) + Z95 * se))


def charted_ratio(a: int, n1: int, c: int, n2: int) -> float | None:
    """The ratio the SPC chart uses: the plain ratio, or with 0.5 added to every cell when ``a`` or ``c`` is
    0 (Haldane), so a period with no BME or no White entrants still counts. ``None`` without a headcount."""
    if n1 <= 0 or n2 <= 0:
        return None
    if a == 0 or c == 0:
        return ((a + 0.5) / (n1 + 1)) / ((c + 0.5) / (n2 + 1))
    return (a / n1) / (c / n2)


def period_log_ratios(series: Sequence[WresResult]) -> list[tuple[int, float]]:
    """(index into ``series``, charted ratio) for every period with counts, whatever their size."""
    out = []
    for i, r in enumerate(series):
        if not r.groups or r.unavailable_reason is not None:
            continue
        bme, white = r.groups[WresGroup.BME], r.groups[WresGroup.WHITE]
        value = charted_ratio(bme.entrants, bme.headcount, white.entrants, white.headcount)
        if value is not None:
            out.append((i, value))
    return out


def series_xmr(series: Sequence[WresResult]) -> tuple[XmR, list[int]] | None:
    """The log-ratio XmR chart over every period with counts, and which periods of ``series`` it holds
    (signals' indices refer to that list). ``None`` with fewer than 2 such periods."""
    points = period_log_ratios(series)
    if len(points) < 2:
        return None
    return log_ratio_xmr([v for _, v in points]), [i for i, _ in points]
