"""The ratio primitive: hand-computed values, statsmodels as a second oracle, hypothesis invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep

from erreview.metrics.ratio import relative_likelihood
from erreview.vocab import Band, Flag


def test_contract_example():
    est = relative_likelihood(12, 1000, 30, 5000)
    assert est.ratio == pytest.approx(2.0)
    assert (round(est.ci_low, 4), round(est.ci_high, 4)) == (1.0275, 3.8929)
    assert est.band is Band.ABOVE and est.significant and est.flag is Flag.DISPARITY


@pytest.mark.parametrize(
    ("ratio_counts", "band"),
    [
        ((79, 1000, 100, 1000), Band.BELOW),
        ((80, 1000, 100, 1000), Band.NON_ADVERSE),
        ((125, 1000, 100, 1000), Band.NON_ADVERSE),
        ((126, 1000, 100, 1000), Band.ABOVE),
    ],
)
def test_band_edges_are_inclusive(ratio_counts, band):
    assert relative_likelihood(*ratio_counts).band is band


counts = st.integers(min_value=1, max_value=5000)


@st.composite
def tables(draw):
    n1, n2 = draw(counts), draw(counts)
    a = draw(st.integers(min_value=1, max_value=n1))
    c = draw(st.integers(min_value=1, max_value=n2))
    return a, n1, c, n2


@given(tables())
def test_agrees_with_statsmodels_log_interval(t):
    a, n1, c, n2 = t
    est = relative_likelihood(a, n1, c, n2)
    low, high = confint_proportions_2indep(a, n1, c, n2, method="log", compare="ratio")
    # statsmodels uses z = 1.959963984…, the contract 1.959964: equal to ~1e-7.
    assert est.ci_low == pytest.approx(low, rel=1e-6)
    assert est.ci_high == pytest.approx(high, rel=1e-6)


@given(tables())
def test_interval_contains_the_estimate(t):
    est = relative_likelihood(*t)
    assert est.ci_low <= est.ratio <= est.ci_high


@given(tables())
def test_swapping_groups_inverts_ratio_and_interval(t):
    a, n1, c, n2 = t
    fwd, back = relative_likelihood(a, n1, c, n2), relative_likelihood(c, n2, a, n1)
    assert fwd.ratio * back.ratio == pytest.approx(1.0)
    assert fwd.ci_low * back.ci_high == pytest.approx(1.0)
    assert fwd.significant == back.significant


@given(tables(), st.integers(min_value=2, max_value=50))
def test_scaling_all_counts_keeps_ratio_and_narrows_interval(t, k):
    a, n1, c, n2 = t
    small, big = relative_likelihood(a, n1, c, n2), relative_likelihood(k * a, k * n1, k * c, k * n2)
    assert big.ratio == pytest.approx(small.ratio)
    assert math.log(big.ci_high / big.ci_low) <= math.log(small.ci_high / small.ci_low) + 1e-12


@given(tables(), st.randoms(use_true_random=False))
@settings(deadline=None)  # builds DataFrames: timing on a shared machine is not what this tests
def test_row_order_does_not_matter(t, rnd):
    """The WRES computation over shuffled entrant rows gives the same answer."""
    import pandas as pd

    from erreview.metrics.likelihood import wres_indicator
    from erreview.periods import parse_period

    a, n1, c, n2 = t
    rows = [(f"b{i}", "BME", "2024-05-01") for i in range(a)] + [(f"w{i}", "White", "2024-06-01") for i in range(c)]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    heads = pd.DataFrame(
        [("2024-09-30", "BME", n1), ("2024-09-30", "White", n2)],
        columns=["snapshot_date", "wres_group", "headcount"],
    )
    heads["snapshot_date"] = pd.to_datetime(heads["snapshot_date"])
    results = []
    for order in (rows, shuffled):
        e = pd.DataFrame(order, columns=["person_key", "wres_group", "formal_investigation_date"])
        e["formal_investigation_date"] = pd.to_datetime(e["formal_investigation_date"])
        results.append(wres_indicator(e, heads, parse_period("2024/25-H1")).as_json())
    assert results[0] == results[1]
    assert results[0]["ratio"] == pytest.approx(relative_likelihood(a, n1, c, n2).ratio)


@given(tables(), st.text(min_size=1, max_size=8))
def test_relabelling_people_does_not_matter(t, prefix):
    """Pseudonyms are arbitrary: renaming every person leaves every count unchanged."""
    import pandas as pd

    from erreview.metrics.likelihood import period_entrants
    from erreview.periods import parse_period

    a, _, c, _ = t
    rows = [(f"b{i}", "BME", "2024-05-01") for i in range(a)] + [(f"w{i}", "White", "2024-06-01") for i in range(c)]
    e = pd.DataFrame(rows, columns=["person_key", "wres_group", "formal_investigation_date"])
    e["formal_investigation_date"] = pd.to_datetime(e["formal_investigation_date"])
    renamed = e.assign(person_key=prefix + e["person_key"] + "x")
    period = parse_period("2024/25-H1")
    assert period_entrants(e, period) == period_entrants(renamed, period)


def test_guards():
    with pytest.raises(ValueError):
        relative_likelihood(5, 4, 1, 10)
    with pytest.raises(ValueError):
        relative_likelihood(-1, 4, 1, 10)
