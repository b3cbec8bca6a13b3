"""Divisions on a funnel plot: is any division's ratio further from the trust's than chance allows?

The same funnel serves every measure of the library: for indicator 3 the counts are entrants and headcount
(below); for a decision point, the complaints measure or a trust measure they are the cases that had the
event and the cases in the population, by group (``erreview.service.measure_funnel_view``).

NHS analysts compare units of different sizes with a funnel plot (Spiegelhalter 2005): each unit's
figure against its size, with control limits around the whole organisation's figure that narrow as
size grows. Here the figure is the relative likelihood ``ratio = (a/n1) / (c/n2)`` (BME entrants over
BME headcount, against White), and the limits are on the log-ratio scale:

* Under the null hypothesis a division is like the trust: BME and White staff enter the formal process at
  the trust's rates ``p1 = A/N1`` and ``p2 = C/N2``. The Katz standard error of ``ln(ratio)`` for a
  division with ``n1`` BME and ``n2`` White staff, at the expected counts ``p1·n1`` and ``p2·n2``, is
  ``SE = sqrt((1 - p1)/(p1·n1) + (1 - p2)/(p2·n2))``.
* The limits are ``R0 · exp(±z · SE)`` with ``R0`` the trust ratio, ``z = 1.959964`` (95%) and
  ``z = 3.090232`` (99.8%).
* A division's size on the chart is its **effective staff**: the headcount a division with the trust's
  BME share would need to have the same ``SE`` (it equals the real BME + White headcount when the
  division's BME share is the trust's). With that x-axis the funnel lines drawn for the trust's share
  are exactly each division's own limits, so a point outside a line is a division outside its limits.
* A division with no BME or no White entrants has no log ratio and is listed, not plotted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

Z95 = 1.959964
Z998 = 3.090232


@dataclass(frozen=True)
class FunnelPoint:
    unit: str
    a: int
    n1: int
    c: int
    n2: int
    ratio: float | None
    se: float | None
    effective_size: float | None
    z: float | None
    #: ``above_998``, ``above_95``, ``within``, ``below_95``, ``below_998``; ``None`` when not plotted.
    position: str | None
    reason: str = ""

    @property
    def size(self) -> int:
        return self.n1 + self.n2

    def limits(self, centre: float) -> dict[str, float | None]:
        if self.se is None:
            return {"lower_998": None, "lower_95": None, "upper_95": None, "upper_998": None}
        return {
            "lower_998": centre * math.exp(-Z998 * self.se),
            "lower_95": centre * math.exp(-Z95 * self.se),
            "upper_95": centre * math.exp(Z95 * self.se),
            "upper_998": centre * math.exp(Z998 * self.se),
        }


@dataclass(frozen=True)
class Funnel:
    """The trust figure, the constants of its limits, and each division's point."""

    centre: float
    p1: float
    p2: float
    share: float  # the trust's BME share of BME + White staff
    points: list[FunnelPoint]

    @property
    def k(self) -> float:
        """``SE² · n`` for a division of ``n`` staff with the trust's BME share."""
        return (1 - self.p1) / (self.p1 * self.share) + (1 - self.p2) / (self.p2 * (1 - self.share))

    def limit_lines(self, sizes: np.ndarray | list[float]) -> pd.DataFrame:
        """The four control limits at each (effective) size, for drawing the funnel."""
        n = np.asarray(sizes, dtype=float)
        se = np.sqrt(self.k / n)
        return pd.DataFrame(
            {
                "size": n,
                "lower_998": self.centre * np.exp(-Z998 * se),
                "lower_95": self.centre * np.exp(-Z95 * se),
                "upper_95": self.centre * np.exp(Z95 * se),
                "upper_998": self.centre * np.exp(Z998 * se),
            }
        )

    def frame(self) -> pd.DataFrame:
        """One row per division: counts, ratio, effective size, limits and position."""
        return pd.DataFrame(
            [
                {
                    "division": p.unit,
                    "bme_entrants": p.a,
                    "bme_headcount": p.n1,
                    "white_entrants": p.c,
                    "white_headcount": p.n2,
                    "ratio": p.ratio,
                    "effective_size": p.effective_size,
                    **p.limits(self.centre),
                    "position": p.position,
                    "note": p.reason,
                }
                for p in self.points
            ]
        )

    def outside(self, level: str = "95") -> list[FunnelPoint]:
        wanted = {"95": ("above_95", "above_998", "below_95", "below_998"), "998": ("above_998", "below_998")}[level]
        return [p for p in self.points if p.position in wanted]


@dataclass(frozen=True)
class FunnelView:
    """Divisions of one period on a funnel plot, with the divisions left off to protect small numbers."""

    period: str
    funnel: Funnel | None
    sentence: str
    withheld: list[str]
    #: What a division's size counts: staff (indicator 3) or cases (a decision point, complaints, a trust measure).
    size: str = "staff"
    #: The measure's id (indicator 3: ``wres_indicator3``).
    measure: str = "wres_indicator3"


def _position(z: float) -> str:
    if z > Z998:
        return "above_998"
    if z > Z95:
        return "above_95"
    if z < -Z998:
        return "below_998"
    if z < -Z95:
        return "below_95"
    return "within"


def division_funnel(units: pd.DataFrame, *, trust: tuple[int, int, int, int] | None = None) -> Funnel | None:
    """The funnel for ``units`` (columns ``unit, a, n1, c, n2``: BME entrants and headcount, White entrants
    and headcount); the centre is ``trust`` ``(A, N1, C, N2)`` (default: the units' sums). ``None`` when
    the trust ratio cannot anchor a funnel (no entrants or no staff in a group)."""
    A, N1, C, N2 = trust or tuple(int(units[c].sum()) for c in ("a", "n1", "c", "n2"))
    if min(A, C, N1, N2) <= 0 or A >= N1 or C >= N2:
        return None
    p1, p2 = A / N1, C / N2
    share = N1 / (N1 + N2)
    k = (1 - p1) / (p1 * share) + (1 - p2) / (p2 * (1 - share))
    centre = p1 / p2
    points = []
    for rec in units.to_dict("records"):
        a, n1, c, n2 = (int(rec[k]) for k in ("a", "n1", "c", "n2"))
        unit = str(rec["unit"])
        if n1 == 0 or n2 == 0:
            points.append(FunnelPoint(unit, a, n1, c, n2, None, None, None, None, None, "no BME or no White staff"))
            continue
        se = math.sqrt((1 - p1) / (p1 * n1) + (1 - p2) / (p2 * n2))
        ratio = (a / n1) / (c / n2) if c else None
        if a == 0 or c == 0:
            reason = "no BME entrants" if a == 0 else "no White entrants"
            points.append(FunnelPoint(unit, a, n1, c, n2, ratio, se, k / se**2, None, None, reason))
            continue
        assert ratio is not None
        z = (math.log(ratio) - math.log(centre)) / se
        points.append(FunnelPoint(unit, a, n1, c, n2, ratio, se, k / se**2, z, _position(z)))
    return Funnel(centre, p1, p2, share, points)


#: What "above the limit" means for indicator 3; ``{centre}`` is the trust ratio.
ABOVE_I3 = "BME staff more likely to enter the process than the trust figure of {centre} allows by chance"
#: ... and for a measure over cases (a decision point, complaints, a trust measure).
ABOVE_MEASURE = "the BME rate further above the White rate than the trust ratio of {centre} allows by chance"


def funnel_sentence(funnel: Funnel | None, *, period: str = "", above: str = ABOVE_I3) -> str:
    """Plain English: which divisions are outside the limits, naming them."""
    when = f" in {period}" if period else ""
    if funnel is None:
        return f"No funnel plot{when}: the trust ratio itself cannot be computed."
    plotted = [p for p in funnel.points if p.position is not None]
    if not plotted:
        return f"No division{when} has both BME and White entrants, so none can be plotted."
    high = [p.unit for p in funnel.outside("95") if p.position and p.position.startswith("above")]
    low = [p.unit for p in funnel.outside("95") if p.position and p.position.startswith("below")]
    very = {p.unit for p in funnel.outside("998")}

    def names(units: list[str]) -> str:
        shown = [f"{u} (beyond the 99.8% limit)" if u in very else u for u in units]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]

    parts = []
    if high:
        parts.append(f"above the trust's 95% limit ({above.format(centre=f'{funnel.centre:.2f}')}): {names(high)}")
    if low:
        parts.append(f"below the trust's 95% limit: {names(low)}")
    if not parts:
        which = "The one division plotted" if len(plotted) == 1 else f"All {len(plotted)} divisions plotted"
        verb = "is" if len(plotted) == 1 else "are"
        return (
            f"{which}{when} {verb} within the 95% limits around the trust ratio of {funnel.centre:.2f}: "
            "the differences from the trust are consistent with chance."
        )
    return f"Of {len(plotted)} divisions plotted{when}, " + "; ".join(parts) + "."
