"""Group rates (n, events, rate per combination of sensitive features) for decision points.

:func:`group_rates` counts with a pandas group-by; :func:`group_rates_naive` runs fairlearn's
``MetricFrame`` on raw case rows, the reference the tests and the benchmark compare it with (same numbers:
the selection rate is ``events / n``). fairlearn is imported only by the reference, so the command line
starts without fairlearn and scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

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

    Counted with a pandas group-by (``rate = events / n``, the number fairlearn's weighted selection rate
    gives on aggregated rows), so the command line need not import fairlearn and scikit-learn (more than
    a second of start-up); :func:`group_rates_naive` is fairlearn's ``MetricFrame`` on the raw rows, the
    reference the tests and the benchmark compare it with.

    Parameters
    ----------
    rows
        One row per case at a decision point, with the ``by`` columns (no missing values) and a boolean
        ``event``.
    by
        Sensitive-feature columns; several columns give their intersections.
    """
    by = list(by)
    if rows.empty:
        return pd.DataFrame(columns=[*by, "n", "events", "rate"])
    grouped = rows.groupby(by, observed=True, sort=False)[EVENT]
    out = pd.DataFrame({"n": grouped.size(), "events": grouped.sum()}).reset_index()
    out = out[out["n"] > 0]
    for column in by:  # labels as MetricFrame gives them: strings, in string order
        out[column] = out[column].astype(str).astype("str")
    out["n"] = out["n"].astype("int64")
    out["events"] = out["events"].astype("int64")
    out["rate"] = out["events"] / out["n"]
    return out[[*by, "n", "events", "rate"]].sort_values(by, kind="stable").reset_index(drop=True)


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
    from fairlearn.metrics import MetricFrame, selection_rate  # the reference only: a second to import

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
