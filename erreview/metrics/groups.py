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
    counted = _bincount_rates(rows, by)
    if counted is not None:
        return counted
    grouped = rows.groupby(by, observed=True, sort=False)[EVENT]
    out = pd.DataFrame({"n": grouped.size(), "events": grouped.sum()}).reset_index()
    out = out[out["n"] > 0]
    for column in by:  # labels as MetricFrame gives them: strings, in string order
        out[column] = out[column].astype(str).astype("str")
    out["n"] = out["n"].astype("int64")
    out["events"] = out["events"].astype("int64")
    out["rate"] = out["events"] / out["n"]
    return out[[*by, "n", "events", "rate"]].sort_values(by, kind="stable").reset_index(drop=True)


#: Above this many combinations of the ``by`` columns' values, :func:`group_rates` counts with a pandas group-by.
_MOST_COMBINATIONS = 1 << 22


def _bincount_rates(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame | None:
    """:func:`group_rates` by counting each combination's codes with numpy (decision rows hold categories: a
    group-by costs milliseconds of pandas overhead on a few hundred rows, and a screen asks for dozens), or
    ``None`` where it does not apply (an event column that is not plain booleans, too many combinations)."""
    if rows[EVENT].dtype != bool:
        return None
    codes, labels = [], []
    for column in by:
        values = rows[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            code, uniques = values.cat.codes.to_numpy(), values.cat.categories
        else:
            code, uniques = pd.factorize(values)  # -1 for a missing value, as the group-by leaves it out
        codes.append(np.asarray(code, dtype=np.int64))
        labels.append([str(u) for u in uniques])  # labels as MetricFrame gives them: strings
    sizes = [max(len(u), 1) for u in labels]
    if np.prod(sizes, dtype=float) > _MOST_COMBINATIONS:
        return None
    keep = np.logical_and.reduce([c >= 0 for c in codes])
    flat = np.ravel_multi_index([c[keep] for c in codes], sizes)
    n = np.bincount(flat)
    events = np.bincount(flat, weights=rows[EVENT].to_numpy()[keep], minlength=len(n))
    seen = np.flatnonzero(n)
    parts = np.unravel_index(seen, sizes)
    keys = list(zip(*([lab[i] for i in part] for lab, part in zip(labels, parts, strict=True)), strict=True))
    order = sorted(range(len(keys)), key=keys.__getitem__)  # in string order, as MetricFrame gives them
    out: dict[str, object] = {c: pd.array([keys[i][j] for i in order], dtype="str") for j, c in enumerate(by)}
    counts = n[seen][order].astype("int64")
    happened = np.rint(events[seen][order]).astype("int64")
    return pd.DataFrame({**out, "n": counts, "events": happened, "rate": happened / counts})


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
