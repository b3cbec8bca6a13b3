"""Fisher's exact p and Benjamini–Hochberg q without scipy.stats/statsmodels imports give the very numbers
scipy and statsmodels give (the contract defines fisher_p as scipy.stats.fisher_exact two-sided)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests

from erreview.metrics.exact import bh_adjust, fisher_two_sided


def _tables(seed: int, count: int) -> list[tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    out = [(0, 0, 0, 0), (0, 5, 0, 7), (3, 0, 4, 0), (5, 0, 0, 5), (0, 5, 5, 0), (1, 1, 1, 1), (10, 0, 10, 0)]
    for _ in range(count):
        n1, n2 = rng.integers(0, 60, size=2)
        if rng.random() < 0.2:  # some decision-point sized tables (thousands of cases)
            n1, n2 = rng.integers(0, 20_000, size=2)
        a, c = rng.integers(0, n1 + 1), rng.integers(0, n2 + 1)
        out.append((int(a), int(n1 - a), int(c), int(n2 - c)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fisher_equals_scipy_exactly(seed):
    for a, b, c, d in _tables(seed, 700):
        expected = float(fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue)
        assert fisher_two_sided(a, b, c, d) == expected, (a, b, c, d)


def test_bh_equals_statsmodels_exactly():
    rng = np.random.default_rng(7)
    for size in [1, 2, 3, 7, 20, 100]:
        for _ in range(50):
            p = rng.random(size) ** rng.uniform(0.2, 4)
            if size > 2 and rng.random() < 0.3:
                p[: size // 2] = p[0]  # ties
            expected = multipletests(p, method="fdr_bh")[1]
            assert bh_adjust(list(p)) == [float(v) for v in expected]
    assert bh_adjust([]) == []
