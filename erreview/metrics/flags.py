"""The flag rule of contract §4.2 (v2), shared by the decision-point table, breakdowns and intersections.

A step is flagged only when the gap is both large (outside the non-adverse range 0.80–1.25) and unlikely
to be chance *after allowing for every comparison shown at once*:

- ``fisher_p``: two-sided Fisher exact test on the 2×2 table (exact at small counts, where the Katz
  interval is far too narrow);
- ``q``: Benjamini–Hochberg adjusted p-value over the table's points (or a breakdown's cells);
- ``significant`` = q < 0.05; ``side`` = which side of the band the ratio falls (``above`` also when no
  White case had the event but some BME cases did); ``flag`` = ``disparity`` (side and significant),
  ``watch`` (side, not significant) or ``none``; ``adverse`` = the side is the one that harms BME staff.

:func:`detectable_ratio` says how large a gap the counts could have detected (80% power), so an
unflagged step is not read as "no gap".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from erreview.metrics.exact import bh_adjust, fisher_two_sided
from erreview.metrics.ratio import NON_ADVERSE_HIGH, NON_ADVERSE_LOW, RatioEstimate
from erreview.vocab import Flag

Side = Literal["above", "below"]
ABOVE: Side = "above"
BELOW: Side = "below"
#: q below this is significant (contract §4.2).
ALPHA = 0.05
#: Power asked of :func:`detectable_ratio`.
POWER = 0.80


# Cached: breakdowns and simulations test the same small tables over and over, and scipy's exact test
# costs about a millisecond a call.
@lru_cache(maxsize=65_536)
def fisher_p(a: int, n1: int, c: int, n2: int) -> float | None:
    """Two-sided Fisher exact p for BME ``a`` of ``n1`` against White ``c`` of ``n2``; ``None`` if a group is empty."""
    if n1 == 0 or n2 == 0:
        return None
    return fisher_two_sided(a, n1 - a, c, n2 - c)  # = scipy.stats.fisher_exact(..., "two-sided").pvalue


def bh_q(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg q-values over the p-values that exist (``None`` stays ``None``)."""
    tested = [(i, p) for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    if not tested:
        return out
    q = bh_adjust([p for _, p in tested])  # = statsmodels multipletests(..., method="fdr_bh")
    for (i, _), value in zip(tested, q, strict=True):
        out[i] = float(value)
    return out


def side_of(estimate: RatioEstimate, a: int, c: int, n2: int) -> Side | None:
    """Which side of the non-adverse range the ratio falls; ``above`` when the ratio is undefined because
    White events are 0 while BME events are not (contract §4.2), so the worst case is not hidden by an
    undefined ratio. That includes a step no White case reached at all (0 events of 0): BME staff had the
    event and no White colleague did, which is worth watching, never reassurance."""
    del n2  # kept in the signature: the rule is on events alone, whatever the White population
    ratio = estimate.ratio
    if ratio is None:
        return ABOVE if c == 0 and a > 0 else None
    if ratio > NON_ADVERSE_HIGH:
        return ABOVE
    if ratio < NON_ADVERSE_LOW:
        return BELOW
    return None


@dataclass(frozen=True)
class Assessment:
    """The v2 fields of one comparison."""

    fisher_p: float | None
    q: float | None
    harm_direction: Side
    side: Side | None

    @property
    def significant(self) -> bool | None:
        return None if self.q is None else self.q < ALPHA

    @property
    def flag(self) -> Flag:
        if self.side is None:
            return Flag.NONE
        return Flag.DISPARITY if self.significant else Flag.WATCH

    @property
    def adverse(self) -> bool:
        return self.side is not None and self.side == self.harm_direction

    def as_json(self) -> dict[str, object]:
        return {
            "fisher_p": self.fisher_p,
            "q": self.q,
            "significant": self.significant,
            "harm_direction": self.harm_direction,
            "side": self.side,
            "flag": self.flag.value,
            "adverse": self.adverse,
        }


def assess_all(
    cells: Sequence[tuple[RatioEstimate, int, int, int, int]], harm_directions: Sequence[Side]
) -> list[Assessment]:
    """One :class:`Assessment` per ``(estimate, a, n1, c, n2)``, with q over all of them (one table)."""
    ps = [fisher_p(int(a), int(n1), int(c), int(n2)) for _, a, n1, c, n2 in cells]
    qs = bh_q(ps)
    return [
        Assessment(p, q, harm, side_of(est, a, c, n2))
        for (est, a, _, c, n2), p, q, harm in zip(cells, ps, qs, harm_directions, strict=True)
    ]


def detectable_ratio(n1: int, n2: int, white_rate: float | None, direction: Side) -> float | None:
    """The smallest gap (as a BME : White ratio, in ``direction``) these counts detect with 80% power.

    Two-sided test at the 5% level with the normal approximation on Cohen's arcsine effect size h
    (statsmodels ``NormalIndPower``): solve for h at ``n1`` BME and ``n2`` White cases, then turn h back
    into a BME rate, ``sin²(asin(√p_white) ± h/2)``, and the ratio to the White rate. One test, not
    adjusted for the other steps, so the flag (Fisher, then Benjamini–Hochberg) needs a little more.
    ``None`` when there is no White rate to compare with, no cases, or no attainable ratio would do
    (the ratio needed above parity would take the BME rate past 100%).
    """
    if n1 <= 0 or n2 <= 0 or white_rate is None or white_rate <= 0 or white_rate >= 1:
        return None
    from statsmodels.stats.power import NormalIndPower  # only the screens ask; not worth every start-up

    try:
        h = float(NormalIndPower().solve_power(effect_size=None, nobs1=n1, ratio=n2 / n1, alpha=ALPHA, power=POWER))
    except (ValueError, RuntimeError):  # the root finder gives up at tiny counts: nothing is detectable
        return None
    if not math.isfinite(h):
        return None
    base = math.asin(math.sqrt(white_rate))
    angle = base + h / 2 if direction == ABOVE else base - h / 2
    if angle >= math.pi / 2:
        return None
    if angle <= 0:
        return None
    return math.sin(angle) ** 2 / white_rate
