"""Group rates with fairlearn's ``MetricFrame``, fed one row per (group, outcome) with counts as weights.

``MetricFrame`` on raw case rows is about a hundred times slower than on pre-aggregated rows and gives
the same numbers: the selection rate with sample weights is ``Σ wᵢ·yᵢ / Σ wᵢ``, exactly ``events / n``.
:func:`group_rates` is the fast path the app uses; :func:`group_rates_naive` is the reference the tests and
the benchmark compare it with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate

EVENT = "event"
#: The signature shared by :func:`group_rates` and :func:`group_rates_naive`.
RatesFn = Callable[[pd.DataFrame, Sequence[str]], pd.DataFrame]


def _weighted_n(y_true: np.ndarray, y_pred: np.ndarray, *, sample_weight: np.ndarray) -> float:
    del y_true, y_pred
    return float(np.sum(sample_weight))


def _tidy(by_group: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    out = by_group.dropna(subset=["n"]).reset_index()
    out = out[out["n"] > 0]
    out["n"] = out["n"].round().astype("int64")
    # rate = events / n exactly (integer weights), so events is recovered exactly; a third metric would
    # cost a third more time in MetricFrame's per-group loop.
    out["events"] = (out["rate"] * out["n"]).round().astype("int64")
    return out[[*by, "n", "events", "rate"]].sort_values(list(by), kind="stable").reset_index(drop=True)


def group_rates(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """n, events and rate of the boolean column ``event`` for each observed combination of ``by``.

    Parameters
    ----------
    rows
        One row per case at a decision point, with the ``by`` columns (no missing values: fairlearn
        rejects NaN sensitive features) and a boolean ``event``.
    by
        Sensitive-feature columns; several columns give their intersections.
    """
    by = list(by)
    if rows.empty:
        return pd.DataFrame(columns=[*by, "n", "events", "rate"])
    counts = rows.groupby([*by, EVENT], observed=True, sort=True).size().rename("weight").reset_index()
    weight = counts["weight"].to_numpy(dtype=float)
    y = counts[EVENT].astype(int).to_numpy()
    frame = MetricFrame(
        metrics={"rate": selection_rate, "n": _weighted_n},
        y_true=y,
        y_pred=y,
        sensitive_features=counts[by],
        sample_params={name: {"sample_weight": weight} for name in ("rate", "n")},
    )
    return _tidy(frame.by_group, by)


def group_rates_counted(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The same table by a plain pandas group-by, without MetricFrame's per-group overhead (about a second
    per call even on a few dozen aggregated rows). For small side calculations that run on every save,
    such as the disparity beside a panel check; tests hold it equal to :func:`group_rates`."""
    by = list(by)
    if rows.empty:
        return pd.DataFrame(columns=[*by, "n", "events", "rate"])
    grouped = rows.groupby(by, observed=True, sort=True)[EVENT]
    out = pd.DataFrame({"n": grouped.size(), "events": grouped.sum().astype("int64")}).reset_index()
    out = out[out["n"] > 0]
    out["n"] = out["n"].astype("int64")
    out["rate"] = out["events"] / out["n"]
    return out[[*by, "n", "events", "rate"]].sort_values(list(by), kind="stable").reset_index(drop=True)


def group_rates_naive(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The same table from ``MetricFrame`` on raw rows (slow; the reference for tests and benchmarks)."""
    by = list(by)
    if rows.empty:
        return pd.DataFrame(columns=[*by, "n", "events", "rate"])
    y = rows[EVENT].astype(int).to_numpy()
    ones = np.ones(len(rows))
    frame = MetricFrame(
        metrics={"rate": selection_rate, "n": _weighted_n},
        y_true=y,
        y_pred=y,
        sensitive_features=rows[by].reset_index(drop=True),
        sample_params={"n": {"sample_weight": ones}},
    )
    return _tidy(frame.by_group, by)
