"""The one primitive behind every disparity figure: a ratio of two proportions with its Katz interval.

Both WRES indicator 3 (contract §4.1) and the decision points (§4.2) are ``rate(BME) / rate(White)``
with the same interval, band and significance; they differ only in what counts as an event and a
population.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from erreview.errors import ErreviewError
from erreview.vocab import Band, Flag

#: The contract's z for a 95% interval (exactly this constant, not scipy's 1.959963984…).
Z95 = 1.959964
#: The non-adverse range of *A fair experience for all* (2019): the four-fifths rule both ways.
NON_ADVERSE_LOW = 0.80
NON_ADVERSE_HIGH = 1.25


class CountsError(ErreviewError, ValueError):
    """Counts that cannot be right (more events than people, a negative count): a data error to report,
    naming the counts, never a crash."""


@dataclass(frozen=True)
class RatioEstimate:
    """``ratio = (a/n1) / (c/n2)`` with the Katz log 95% interval.

    ``ratio`` is ``None`` when the White count ``c`` or either population is 0 (no reference rate), and
    0 when ``a`` is 0. The interval is ``None`` when ``a`` or ``c`` is 0. ``significant`` says the
    interval excludes 1; with no interval it is ``False``.
    """

    ratio: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def band(self) -> Band | None:
        if self.ratio is None:
            return None
        if self.ratio < NON_ADVERSE_LOW:
            return Band.BELOW
        if self.ratio > NON_ADVERSE_HIGH:
            return Band.ABOVE
        return Band.NON_ADVERSE

    @property
    def significant(self) -> bool:
        if self.ci_low is None or self.ci_high is None:
            return False
        return self.ci_low > 1.0 or self.ci_high < 1.0

    @property
    def flag(self) -> Flag:
        """``disparity``: outside the band and significant; ``watch``: outside but not; else ``none``."""
        band = self.band
        if band is None or band is Band.NON_ADVERSE:
            return Flag.NONE
        return Flag.DISPARITY if self.significant else Flag.WATCH

    def as_json(self) -> dict[str, object]:
        band = self.band
        return {
            "ratio": self.ratio,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "band": band.value if band else None,
            "significant": self.significant,
        }


def relative_likelihood(a: int, n1: int, c: int, n2: int) -> RatioEstimate:
    """Relative likelihood of an event for BME (``a`` of ``n1``) against White (``c`` of ``n2``) staff.

    ``1.0`` means parity; above 1, BME staff are more likely to experience the event. Interval (Katz log):
    ``exp(ln(ratio) ± 1.959964 · sqrt(1/a − 1/n1 + 1/c − 1/n2))``.
    """
    for name, value in (("a", a), ("n1", n1), ("c", c), ("n2", n2)):
        if value < 0:
            raise CountsError(f"{name} must not be negative, got {value}")
    if a > n1:
        raise CountsError(f"{a:,} BME events but only {n1:,} BME people in the population: events cannot exceed it")
    if c > n2:
        raise CountsError(f"{c:,} White events but only {n2:,} White people in the population: events cannot exceed it")
    if c == 0 or n1 == 0 or n2 == 0:
        return RatioEstimate(None, None, None)
    # One correctly rounded division of exact integer products, so that a ratio of exactly 4/5 or 5/4
    # lands on the band edge instead of a hair below or above it.
    ratio = (a * n2) / (c * n1)
    if a == 0:
        return RatioEstimate(0.0, None, None)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    log_ratio = math.log(ratio)
    return RatioEstimate(ratio, math.exp(log_ratio - Z95 * se), math.exp(log_ratio + Z95 * se))


def rate(events: int, n: int) -> float | None:
    """``events / n``, or ``None`` for an empty population."""
    return events / n if n else None
