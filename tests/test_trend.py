"""Making Data Count special-cause rules, each on a hand-made series, and the ratio of ratios."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from erreview.metrics.trend import log_ratio_xmr, ratio_of_ratios, xmr

STABLE = [10, 11, 9, 10, 12, 9, 11, 10, 9, 11, 10, 12, 9, 10]


def rules(series):
    return {s.rule for s in xmr(series).signals}


def test_limits_are_mean_plus_minus_2_66_mean_moving_range():
    chart = xmr([1, 3, 2, 4])
    mr = (2 + 1 + 2) / 3
    assert chart.centre == pytest.approx(2.5)
    assert (chart.lower, chart.upper) == pytest.approx((2.5 - 2.66 * mr, 2.5 + 2.66 * mr))


def test_a_stable_process_has_no_signal():
    assert rules(STABLE) == set()
    assert not xmr(STABLE).trial_limits


def test_point_outside_the_limits():
    series = [*STABLE[:7], 25, *STABLE[7:]]
    chart = xmr(series)
    assert "outside_limits" in rules(series) and 7 in chart.flagged()


def test_seven_in_a_row_on_one_side():
    series = [10, 9, 11, 10, 12, 12.5, 12.2, 12.8, 12.1, 12.4, 12.3, 8, 7.5, 7]
    assert "run" in rules(series)
    assert "run" not in rules([10, 11, 9, 10, 12, 12.5, 12.2, 12.8, 12.1, 9, 12.3, 8, 7.5, 7])


def test_seven_in_a_row_rising_or_falling():
    assert "trend" in rules([10, 9, 11, 8, 9, 10, 11, 12, 13, 14, 10, 9])
    assert "trend" in rules([14, 13, 12, 11, 10, 9, 8, 12, 11, 12, 10, 11])
    assert "trend" not in rules([10, 9, 11, 8, 9, 10, 11, 12, 13, 10, 14, 9])


def test_two_of_three_beyond_two_thirds():
    series = [10, 10.2, 9.8, 10, 10.2, 9.8, 10, 10.2, 9.8, 10, 10.2, 9.8, 10.9, 10.2, 10.9, 10]
    chart = xmr(series)
    two_thirds = chart.centre + (chart.upper - chart.centre) * 2 / 3
    assert two_thirds < 10.9 and chart.upper > 10.9  # beyond two thirds, inside the limit
    assert rules(series) == {"two_of_three"}
    assert chart.flagged() == {12, 14}
    assert "two_of_three" not in rules([*series[:14], 10.0, 10])


def test_trial_limits_under_twelve_points():
    assert xmr(STABLE[:11]).trial_limits


def test_log_ratio_chart_is_symmetric_for_reciprocal_ratios():
    chart = log_ratio_xmr([2.0, 0.5, 2.0, 0.5])
    assert chart.centre == pytest.approx(1.0)
    assert chart.upper * chart.lower == pytest.approx(1.0)


def test_ratio_of_ratios():
    change = ratio_of_ratios((40, 1000, 50, 2500), (20, 1000, 50, 2500))
    assert change.earlier.ratio == pytest.approx(2.0) and change.later.ratio == pytest.approx(1.0)
    assert change.ratio == pytest.approx(0.5)
    se = math.sqrt(2 * (1 / 50 - 1 / 2500) + 1 / 40 - 1 / 1000 + 1 / 20 - 1 / 1000)
    assert change.ci_high == pytest.approx(0.5 * math.exp(1.959964 * se))
    assert change.significant
    assert ratio_of_ratios((0, 10, 1, 10), (1, 10, 1, 10)).ratio is None


def test_two_of_three_counts_only_points_on_the_same_side():
    """NHSRplotthedots' rule (issue #143 there): one point high and one low in three is not a signal."""
    series = [10, 10.2, 9.8, 10, 10.2, 9.8, 10, 10.2, 9.8, 10, 10.2, 9.8, 10.9, 10, 9.1, 10]
    chart = xmr(series)
    assert chart.centre + (chart.upper - chart.centre) * 2 / 3 < 10.9 < chart.upper
    assert chart.centre - (chart.centre - chart.lower) * 2 / 3 > 9.1 > chart.lower
    assert "two_of_three" not in rules(series)


def _period_result(label: str, a: int, n1: int, c: int, n2: int):
    from erreview.metrics.likelihood import GroupCount, WresResult
    from erreview.metrics.ratio import relative_likelihood
    from erreview.periods import parse_period
    from erreview.vocab import WresGroup

    p = parse_period(label)
    groups = {WresGroup.BME: GroupCount(a, n1), WresGroup.WHITE: GroupCount(c, n2), WresGroup.UNKNOWN: GroupCount(0, 0)}
    return WresResult(p, 1, (p.end,), groups, relative_likelihood(a, n1, c, n2))


def test_spc_and_trend_keep_small_and_zero_periods():
    """A period with 3 BME entrants (suppressed in the pack) and one with none stay in the chart's limits
    and on the trend, marked; dropping them would move the centre line up."""
    from erreview.export.pack import HIDDEN, NO_RATIO, SHOWN, trend_frame
    from erreview.metrics.trend import charted_ratio, series_xmr

    series = [
        _period_result("2022/23-H1", 20, 1000, 40, 2000),
        _period_result("2022/23-H2", 3, 1000, 44, 2000),
        _period_result("2023/24-H1", 0, 1000, 38, 2000),
        _period_result("2023/24-H2", 22, 1000, 40, 2000),
    ]
    chart, held = series_xmr(series)
    assert held == [0, 1, 2, 3]
    logs = [math.log(r) for r in (1.0, (3 / 1000) / (44 / 2000), charted_ratio(0, 1000, 38, 2000), 1.1)]
    assert math.log(chart.centre) == pytest.approx(sum(logs) / 4)
    assert charted_ratio(0, 1000, 38, 2000) == pytest.approx((0.5 / 1001) / (38.5 / 2001))
    trend = trend_frame(series, threshold=7)
    assert trend["period"].tolist() == [r.period.label for r in series]
    # Zero entrants is publishable but has no point on a log axis: marked "no ratio", not dropped.
    assert trend["status"].tolist() == [SHOWN, HIDDEN, NO_RATIO, SHOWN]
    assert pd.isna(trend.loc[1, "ratio"])  # the hidden period's number is not published
