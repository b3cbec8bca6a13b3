"""Comparable past cases for the panel: the most similar closed disciplinary cases and how they went.

Similarity is on what the case is about and where (allegation category, referral source, band, staff
group, division), never on ethnicity: the point is to see how *comparable* cases about staff of other
ethnicities were handled. Features are one-hot encoded with weights chosen so that a case with the same
allegation category and band always ranks before one that differs in either (allegation 8, band 4, each
other feature 1: three other mismatches cost 3, less than one band mismatch), then scikit-learn's
``NearestNeighbors`` (Manhattan distance) finds the nearest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from erreview.vocab import Route, WresGroup

#: Matching features and their weights. Ethnicity is deliberately absent.
FEATURES: dict[str, float] = {
    "allegation_category": 8.0,
    "band": 4.0,
    "referral_source": 1.0,
    "staff_group": 1.0,
    "division": 1.0,
}
DEFAULT_K = 30
#: Fewer comparable cases than this and no figures are shown (they could identify people).
MIN_COMPARABLE = 10
#: A group's percentage is shown only when it has at least this many comparable cases.
MIN_GROUP = 5


@dataclass(frozen=True)
class Comparison:
    cases: pd.DataFrame  # the comparable cases, nearest first (no identifiers)
    n: int
    formal_share: float | None
    by_group: dict[str, tuple[int, float | None]]  # group → (cases, share formal or None if suppressed)
    suppressed: bool

    def summary(self) -> str:
        if self.suppressed:
            return f"Too few comparable closed cases ({self.n}) to show figures without risk of identifying people."
        assert self.formal_share is not None
        parts = []
        for group in (WresGroup.WHITE.value, WresGroup.BME.value):
            _, share = self.by_group.get(group, (0, None))
            parts.append(f"{group} {share:.0%}" if share is not None else f"{group} too few to show")
        return (
            f"In the {self.n} most comparable closed cases, {self.formal_share:.0%} went formal: "
            + ", ".join(parts)
            + "."
        )


def _encode(frame: pd.DataFrame, vocab: dict[str, int]) -> np.ndarray:
    """Weighted one-hot rows: ``weight / 2`` in the column of each feature's value (a mismatch moves the
    Manhattan distance by ``weight``: half leaving one column, half entering another)."""
    out = np.zeros((len(frame), len(vocab)))
    rows = np.arange(len(frame))
    for feature, weight in FEATURES.items():
        columns = [vocab[f"{feature}={v}"] for v in frame[feature].astype(str)]
        out[rows, columns] = weight / 2
    return out


def comparable_cases(case: pd.Series, history: pd.DataFrame, *, k: int = DEFAULT_K) -> Comparison:
    """The ``k`` closed cases in ``history`` nearest to ``case``.

    Parameters
    ----------
    case
        The case under review (needs the :data:`FEATURES` fields).
    history
        Candidate cases with the feature columns, ``case_id``, ``wres_group``, ``initial_route``,
        ``investigation_outcome``, ``sanction`` and ``closed_date``. Open cases and the case itself are
        left out.
    """
    pool = history[history["closed_date"].notna() & history["initial_route"].notna()]
    if "case_id" in pool and "case_id" in case:
        pool = pool[pool["case_id"] != case["case_id"]]
    pool = pool.reset_index(drop=True)
    if pool.empty:
        return Comparison(pool, 0, None, {}, True)
    tokens = sorted({f"{f}={v}" for f in FEATURES for v in [*pool[f].astype(str).unique(), str(case[f])]})
    vocab = {token: i for i, token in enumerate(tokens)}
    x = _encode(pool, vocab)
    q = _encode(pd.DataFrame([{f: case[f] for f in FEATURES}]), vocab)
    from sklearn.neighbors import NearestNeighbors  # imported on use: heavy for the command line

    neighbours = NearestNeighbors(n_neighbors=min(k, len(pool)), metric="manhattan").fit(x)
    distances, indices = neighbours.kneighbors(q)
    nearest = pool.iloc[indices[0]].assign(distance=distances[0]).reset_index(drop=True)
    # Stable order within equal distance, so the same data always gives the same list.
    nearest = nearest.sort_values(["distance", "case_id"], kind="stable").reset_index(drop=True)
    return summarise(nearest)


def summarise(nearest: pd.DataFrame) -> Comparison:
    n = len(nearest)
    formal = nearest["initial_route"] == Route.FORMAL
    if n < MIN_COMPARABLE:
        return Comparison(nearest.iloc[0:0], n, None, {}, True)
    by_group: dict[str, tuple[int, float | None]] = {}
    for group in (WresGroup.WHITE.value, WresGroup.BME.value):
        mask = nearest["wres_group"] == group
        count = int(mask.sum())
        by_group[group] = (count, float(formal[mask].mean()) if count >= MIN_GROUP else None)
    shown = nearest[["distance", *FEATURES, "wres_group", "initial_route", "investigation_outcome", "sanction"]]
    return Comparison(shown, n, float(formal.mean()), by_group, False)
