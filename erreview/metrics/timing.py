"""Time in process and length of suspension, by WRES group, with open cases counted (Kaplan–Meier).

Leaving open cases out biases every "how long" figure towards the quick ones, and a group whose cases run
longer loses more of them. So each measure is a survival curve: a closed case contributes its duration, an
open one contributes "at least this long so far" (right-censored at the data's as-of date). statsmodels'
``SurvfuncRight`` gives the Kaplan–Meier median and 90th percentile with 95% intervals (Brookmeyer–Crowley,
log-log transform), and ``survdiff`` the log-rank test of BME against White.

Suspension length is measured from ``suspension_start_date`` to ``suspension_end_date`` (contract v2) where a
case has them; a suspended case without them falls back to *formal start to close* (suspension normally
lasts until the outcome) and the measure says how many cases rest on that proxy.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from erreview.vocab import Restriction, Route, WresGroup

DATE_COLUMNS = (
    "opened_date",
    "route_date",
    "formal_investigation_date",
    "closed_date",
    "suspension_start_date",
    "suspension_end_date",
)


@dataclass(frozen=True)
class Interval:
    name: str
    label: str
    start: str
    end: str


INTERVALS = (
    Interval("concern_to_route", "Concern raised to route decision", "opened_date", "route_date"),
    Interval("formal_to_close", "Formal investigation start to close", "formal_investigation_date", "closed_date"),
    Interval("suspension_length", "Length of suspension", "suspension_start_date", "suspension_end_date"),
)


def as_of_date(cases: pd.DataFrame) -> pd.Timestamp | None:
    """The latest date anywhere in the cases: open cases are followed up to here."""
    found = [pd.to_datetime(cases[c]).max() for c in DATE_COLUMNS if c in cases]
    found = [d for d in found if pd.notna(d)]
    return max(found) if found else None


def _dates(cases: pd.DataFrame, column: str) -> pd.Series:
    if column not in cases:
        return pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns]")
    return pd.to_datetime(cases[column])


def durations(cases: pd.DataFrame, interval: Interval, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per case in the measure: wres_group, days, ended (False = still open, censored), proxy."""
    opened, closed = _dates(cases, "opened_date"), _dates(cases, "closed_date")
    formal_start = _dates(cases, "formal_investigation_date")
    formal = cases["initial_route"] == Route.FORMAL
    proxy = pd.Series(False, index=cases.index)
    if interval.name == "concern_to_route":
        start, end = opened, _dates(cases, "route_date")
        keep = start.notna()
        # A case closed without a route decision stops being followed at its close.
        stop = closed.where(closed.notna(), as_of)
    elif interval.name == "formal_to_close":
        start, end = formal_start, closed
        keep = formal & start.notna()
        stop = pd.Series(as_of, index=cases.index)
    else:
        suspended = formal & (cases["restriction"] == Restriction.SUSPENDED)
        s_start, s_end = _dates(cases, "suspension_start_date"), _dates(cases, "suspension_end_date")
        measured = s_start.notna()
        proxy = suspended & ~measured
        start = s_start.where(measured, formal_start)
        end = s_end.where(measured, closed)
        keep = suspended & start.notna()
        stop = pd.Series(as_of, index=cases.index)
    ended = end.notna()
    finish = end.where(ended, stop)
    days = (finish - start).dt.days
    mask = keep & days.notna() & (days >= 0)
    return pd.DataFrame(
        {
            "wres_group": cases.loc[mask, "wres_group"].to_numpy(),
            "days": days[mask].to_numpy(dtype=float),
            "ended": ended[mask].to_numpy(dtype=bool),
            "proxy": proxy[mask].to_numpy(dtype=bool),
        }
    )


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def km_summary(days: np.ndarray, ended: np.ndarray) -> dict[str, float | None]:
    """Kaplan–Meier median and 90th percentile with 95% intervals (``None`` where the curve does not get
    there: too many cases still open)."""
    from statsmodels.duration.survfunc import SurvfuncRight  # imported on use: heavy for the command line

    sf = SurvfuncRight(days, ended.astype(float))
    out: dict[str, float | None] = {}
    for key, p in (("median", 0.5), ("p90", 0.9)):
        out[key] = _finite(float(sf.quantile(p)))
        try:
            # The log-log transform meets log(0) where the curve reaches 0; that end is just unbounded.
            with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                low, high = sf.quantile_ci(p)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            low, high = math.nan, math.nan
        out[f"{key}_low"], out[f"{key}_high"] = _finite(float(low)), _finite(float(high))
    return out


def time_in_process(
    cases: pd.DataFrame, *, min_group_size: int = 10, as_of: date | pd.Timestamp | None = None
) -> pd.DataFrame:
    """One row per measure: per group the cases (``n``), how many are still open, the Kaplan–Meier median
    and 90th percentile with 95% intervals, and the log-rank p-value of BME against White.

    Groups with fewer than ``min_group_size`` cases get no statistics (``None``).
    """
    stamp = pd.Timestamp(as_of) if as_of is not None else as_of_date(cases)
    rows = []
    for interval in INTERVALS:
        record: dict[str, object] = {"measure": interval.name, "label": interval.label}
        d = durations(cases, interval, stamp) if stamp is not None and len(cases) else None
        groups = {}
        for group, key in ((WresGroup.BME, "bme"), (WresGroup.WHITE, "white")):
            sub = d[d["wres_group"] == group.value] if d is not None else pd.DataFrame(columns=["days", "ended"])
            groups[key] = sub
            record[f"{key}_n"] = len(sub)
            record[f"{key}_open"] = int((~sub["ended"].astype(bool)).sum()) if len(sub) else 0
            enough = len(sub) >= min_group_size and bool(sub["ended"].any())
            stats = km_summary(sub["days"].to_numpy(dtype=float), sub["ended"].to_numpy(dtype=bool)) if enough else {}
            for stat in ("median", "median_low", "median_high", "p90", "p90_low", "p90_high"):
                record[f"{key}_{stat}"] = stats.get(stat)
        bme, white = groups["bme"], groups["white"]
        if min(len(bme), len(white)) >= min_group_size and d is not None:
            both = pd.concat([bme, white])
            from statsmodels.duration.survfunc import survdiff

            try:
                _, p = survdiff(
                    both["days"].to_numpy(dtype=float),
                    both["ended"].to_numpy(dtype=float),
                    (both["wres_group"] == WresGroup.BME.value).to_numpy(dtype=int),
                )
                record["logrank_p"] = float(p)
            except np.linalg.LinAlgError:  # no events, or every duration equal: the test has no variance
                record["logrank_p"] = None
        else:
            record["logrank_p"] = None
        proxies = int(d["proxy"].sum()) if d is not None else 0
        record["proxy_cases"] = proxies
        if interval.name == "suspension_length" and proxies:
            record["label"] = (
                f"{interval.label} ({proxies} case(s) without suspension dates measured from formal start "
                "to close, a proxy)"
            )
        rows.append(record)
    return pd.DataFrame(rows)
