"""The smallest detectable ratio, recomputed here from the normal approximation (issue #14's mutants in
erreview/metrics/flags.py had no test of their own)."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from erreview.metrics.flags import detectable_ratio


def by_hand(n1: int, n2: int, white_rate: float, direction: str) -> float:
    """Two-sided 5% test, 80% power, Cohen's h: h = (z_0.975 + z_0.80) / sqrt(n1 n2 / (n1 + n2)) (the far tail,
    below 1e-5 here, left out), then the BME rate sin²(asin(√p) ± h/2) over the White rate."""
    h = (norm.ppf(0.975) + norm.ppf(0.80)) / math.sqrt(n1 * n2 / (n1 + n2))
    base = math.asin(math.sqrt(white_rate))
    angle = base + h / 2 if direction == "above" else base - h / 2
    return math.sin(angle) ** 2 / white_rate


@pytest.mark.parametrize(
    ("n1", "n2", "white_rate", "direction"),
    [
        (100, 400, 0.2, "above"),
        (100, 400, 0.2, "below"),
        (400, 100, 0.3, "above"),
        (1, 1000, 0.99, "below"),
        (1000, 1, 0.99, "below"),
        (100, 400, 0.8, "above"),  # a BME rate above 75% (sin² of 60°) is still attainable
    ],
)
def test_the_detectable_ratio_matches_the_formula(n1, n2, white_rate, direction):
    assert detectable_ratio(n1, n2, white_rate, direction) == pytest.approx(
        by_hand(n1, n2, white_rate, direction), 1e-4
    )


def test_above_is_above_parity_and_below_is_below():
    assert detectable_ratio(100, 400, 0.2, "above") > 1 > detectable_ratio(100, 400, 0.2, "below") > 0


@pytest.mark.parametrize(
    ("n1", "n2", "white_rate", "direction"),
    [
        (0, 400, 0.2, "above"),  # no BME cases
        (100, 0, 0.2, "above"),  # no White cases
        (-1, 400, 0.2, "above"),
        (100, 400, None, "above"),  # no White rate
        (100, 400, 0.0, "above"),  # a White rate of 0 has no ratio to it
        (100, 400, 1.0, "below"),  # a White rate of 100% leaves nothing to compare
        (1, 1000, 0.99, "above"),  # the BME rate would pass 100%
        (3, 4, 0.01, "below"),  # the BME rate would fall below 0
    ],
)
def test_no_ratio_when_none_can_be_stated(n1, n2, white_rate, direction):
    assert detectable_ratio(n1, n2, white_rate, direction) is None


@pytest.mark.parametrize(
    ("ratio", "side"),
    [(0.8, None), (1.25, None), (1.0, None), (0.7999, "below"), (1.2501, "above")],
)
def test_the_ends_of_the_non_adverse_range_0_80_to_1_25_are_inside_it(ratio, side):
    from erreview.metrics.flags import side_of
    from erreview.metrics.ratio import RatioEstimate

    assert side_of(RatioEstimate(ratio, None, None), 10, 10, 100) == side
