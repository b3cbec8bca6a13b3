"""Funnel plot limits against an independent computation, and their coverage by simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from statsmodels.stats.contingency_tables import Table2x2

from erreview.metrics.funnel import division_funnel, funnel_sentence

#: A fixture trust of four divisions: (unit, BME entrants, BME headcount, White entrants, White headcount).
UNITS = pd.DataFrame(
    [
        ("Medicine", 30, 900, 20, 2100),
        ("Surgery", 6, 400, 14, 1600),
        ("Community", 4, 150, 10, 1850),
        ("Corporate", 2, 50, 6, 900),
    ],
    columns=["unit", "a", "n1", "c", "n2"],
)


def test_limits_match_statsmodels_katz_se_at_the_expected_counts():
    funnel = division_funnel(UNITS)
    assert funnel is not None
    A, N1, C, N2 = (int(UNITS[c].sum()) for c in ("a", "n1", "c", "n2"))
    p1, p2 = A / N1, C / N2
    assert funnel.centre == pytest.approx((A / N1) / (C / N2), rel=1e-12)
    frame = funnel.frame().set_index("division")
    for row in UNITS.itertuples():
        # Independent: statsmodels' log risk ratio SE of the 2x2 table the trust's rates would give.
        e1, e2 = p1 * row.n1, p2 * row.n2
        se = Table2x2(np.array([[e1, row.n1 - e1], [e2, row.n2 - e2]])).log_riskratio_se
        for name, q in (("95", 0.975), ("998", 0.999)):
            z = norm.ppf(q)
            assert frame.loc[row.unit, f"lower_{name}"] == pytest.approx(funnel.centre * math.exp(-z * se), rel=1e-6)
            assert frame.loc[row.unit, f"upper_{name}"] == pytest.approx(funnel.centre * math.exp(z * se), rel=1e-6)
        # The funnel line at the division's effective size is its own limit (what the chart shows).
        line = funnel.limit_lines([frame.loc[row.unit, "effective_size"]]).iloc[0]
        assert line["upper_95"] == pytest.approx(frame.loc[row.unit, "upper_95"], rel=1e-9)
    # A division with the trust's BME share has effective size = its real headcount.
    same = division_funnel(pd.DataFrame([("x", 1, 100, 1, 100), ("y", 9, 100, 3, 100)], columns=UNITS.columns))
    assert same is not None and same.points[0].effective_size == pytest.approx(200, rel=1e-9)


def test_positions_and_the_sentence_name_the_divisions_outside():
    funnel = division_funnel(UNITS)
    assert funnel is not None
    by_unit = {p.unit: p for p in funnel.points}
    # Hand check: Medicine's ratio (30/900)/(20/2100) = 3.5 against a trust ratio of (42/1500)/(50/6450).
    assert by_unit["Medicine"].ratio == pytest.approx(3.5)
    assert funnel.centre == pytest.approx((42 / 1500) / (50 / 6450))
    for p in funnel.points:
        lim = p.limits(funnel.centre)
        outside = not (lim["lower_95"] <= p.ratio <= lim["upper_95"])
        assert (p.position != "within") == outside
    sentence = funnel_sentence(funnel, period="2024/25-H2")
    for p in funnel.outside("95"):
        assert p.unit in sentence
    for p in funnel.points:
        if p.position == "within":
            assert p.unit not in sentence


def test_a_division_with_no_entrants_is_listed_not_plotted():
    units = pd.concat([UNITS, pd.DataFrame([("Estates", 0, 80, 3, 400)], columns=UNITS.columns)])
    funnel = division_funnel(units)
    assert funnel is not None
    estates = next(p for p in funnel.points if p.unit == "Estates")
    assert estates.position is None and estates.reason == "no BME entrants"
    assert division_funnel(pd.DataFrame([("x", 0, 10, 0, 10)], columns=UNITS.columns)) is None


@pytest.mark.parametrize(("n1", "n2"), [(300, 1200), (1500, 3000)])
def test_under_the_null_about_95_percent_of_divisions_fall_inside(n1, n2):
    """Simulate divisions that share the trust's rates: the 95% and 99.8% funnels cover about that share."""
    rng = np.random.default_rng(20251201)
    p1, p2 = 0.03, 0.015
    a = rng.binomial(n1, p1, 20_000)
    c = rng.binomial(n2, p2, 20_000)
    keep = (a > 0) & (c > 0)
    trust = (3_000_000, 100_000_000, 1_500_000, 100_000_000)  # the trust's rates, known almost exactly
    units = pd.DataFrame({"unit": np.arange(keep.sum()), "a": a[keep], "n1": n1, "c": c[keep], "n2": n2})
    funnel = division_funnel(units, trust=trust)
    assert funnel is not None
    positions = pd.Series([p.position for p in funnel.points])
    inside95 = (positions == "within").mean()
    inside998 = (~positions.isin(["above_998", "below_998"])).mean()
    assert 0.93 <= inside95 <= 0.97
    assert inside998 >= 0.985  # the log-normal approximation is a little wide of 99.8% at ~9 expected entrants
