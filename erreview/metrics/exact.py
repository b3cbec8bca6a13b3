"""Fisher's exact test (two-sided, 2×2) and Benjamini–Hochberg q-values, without importing scipy.stats or
statsmodels (together most of a second of start-up for ``erreview decisions``).

:func:`fisher_two_sided` follows ``scipy.stats.fisher_exact(table, alternative="two-sided")`` step by step
on the same Boost hypergeometric functions scipy.stats uses (``scipy.special``), so the p-values are the
same floating-point numbers; :func:`bh_adjust` is statsmodels' ``multipletests(method="fdr_bh")`` written
out. tests/test_exact.py compares both with scipy and statsmodels on thousands of tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def _hypergeom() -> tuple[Callable[..., float], Callable[..., float], Callable[..., float]]:
    import scipy.special._ufuncs as scu  # the Boost functions behind scipy.stats.hypergeom

    return scu._hypergeom_pmf, scu._hypergeom_cdf, scu._hypergeom_sf


def fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value of the table ``[[a, b], [c, d]]``, as scipy.stats computes it."""
    try:
        pmf_, cdf_, sf_ = _hypergeom()
    except (ImportError, AttributeError):  # another scipy layout: ask scipy.stats itself
        from scipy.stats import fisher_exact

        return float(fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue)
    if a + b == 0 or c + d == 0 or a + c == 0 or b + d == 0:
        return 1.0
    n1, n2, n = a + b, c + d, a + c
    total = n1 + n2
    low, high = max(n - n2, 0), min(n1, n)  # the support of x, the top-left cell

    # scipy.stats' rv_discrete wrappers around the Boost functions: values outside the support.
    def pmf(x: int) -> float:
        return float(np.clip(pmf_(float(x), float(n1), float(n), float(total)), 0, 1)) if low <= x <= high else 0.0

    def cdf(x: int) -> float:
        if x >= high:
            return 1.0
        return float(np.clip(cdf_(float(x), float(n1), float(n), float(total)), 0, 1)) if x >= low else 0.0

    def sf(x: int) -> float:
        if x >= high:
            return 0.0
        return float(np.clip(sf_(float(x), float(n1), float(n), float(total)), 0, 1)) if x >= low else 1.0

    mode = int((n + 1) * (n1 + 1) / (n1 + n2 + 2))
    pexact, pmode = pmf(a), pmf(mode)
    epsilon = 1e-14
    gamma = 1 + epsilon
    if abs(pexact - pmode) / max(pexact, pmode) <= epsilon:
        return 1.0
    if a < mode:
        plower = cdf(a)
        if pmf(n) > pexact * gamma:
            return min(plower, 1.0)
        guess = _binary_search(lambda x: -pmf(x), -pexact * gamma, mode, n)
        pvalue = plower + sf(guess)
    else:
        pupper = sf(a - 1)
        if pmf(0) > pexact * gamma:
            return min(pupper, 1.0)
        guess = _binary_search(pmf, pexact * gamma, 0, mode)
        pvalue = pupper + cdf(guess)
    return min(pvalue, 1.0)


def _binary_search(f: Callable[[int], float], target: float, lo: int, hi: int) -> int:
    """The ``i`` in [lo, hi] with ``f(i) <= target < f(i + 1)`` for ascending ``f`` (scipy's own search)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = f(mid)
        if value < target:
            lo = mid + 1
        elif value > target:
            hi = mid - 1
        else:
            return mid
    return lo if f(lo) <= target else lo - 1


def bh_adjust(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q), in the order given: ``min_{j ≥ i} p_(j) / (j/m)``, capped
    at 1, computed as statsmodels does."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return []
    order = np.argsort(p)
    ranked = p[order]
    factor = np.arange(1, p.size + 1) / float(p.size)
    adjusted = np.minimum.accumulate((ranked / factor)[::-1])[::-1]
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return [float(v) for v in out]
