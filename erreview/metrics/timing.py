"""Time in process: days from concern to route decision, from formal start to close, and suspension
length, by WRES group; medians, 90th percentiles and a Mann–Whitney rank test of BME against White.

The data hold no suspension start and end dates, so *suspension length* is measured as the time a
suspended case spent from formal start to close (suspension normally lasts until the outcome). Cases not
yet closed are left out of the closing measures; the count says how many were measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.stats import mannwhitneyu

from erreview.vocab import Restriction, Route, WresGroup


@dataclass(frozen=True)
class Interval:
    name: str
    label: str
    start: str
    end: str
    only_suspended: bool = False


INTERVALS = (
    Interval("concern_to_route", "Concern raised to route decision", "opened_date", "route_date"),
    Interval(
        "formal_to_close",
        "Formal investigation start to case closed",
        "formal_investigation_date",
        "closed_date",
    ),
    Interval(
        "suspension_length",
        "Suspended cases: formal start to close",
        "formal_investigation_date",
        "closed_date",
        only_suspended=True,
    ),
)


def durations(cases: pd.DataFrame, interval: Interval) -> pd.DataFrame:
    """Days for each case that has both dates: columns wres_group, days."""
    mask = cases[interval.start].notna() & cases[interval.end].notna()
    if interval.start == "formal_investigation_date":
        mask &= cases["initial_route"] == Route.FORMAL
    if interval.only_suspended:
        mask &= cases["restriction"] == Restriction.SUSPENDED
    sub = cases.loc[mask]
    days = (pd.to_datetime(sub[interval.end]) - pd.to_datetime(sub[interval.start])).dt.days
    return pd.DataFrame({"wres_group": sub["wres_group"].to_numpy(), "days": days.to_numpy()})


def time_in_process(cases: pd.DataFrame, *, min_group_size: int = 10) -> pd.DataFrame:
    """One row per interval: n, median and 90th percentile per group, and the Mann–Whitney p-value.

    Groups with fewer than ``min_group_size`` measured cases get no statistics (``None``).
    """
    rows = []
    for interval in INTERVALS:
        d = durations(cases, interval)
        record: dict[str, object] = {"measure": interval.name, "label": interval.label}
        samples = {}
        for group, key in ((WresGroup.BME, "bme"), (WresGroup.WHITE, "white")):
            days = d.loc[d["wres_group"] == group.value, "days"]
            record[f"{key}_n"] = len(days)
            enough = len(days) >= min_group_size
            record[f"{key}_median"] = float(days.median()) if enough else None
            record[f"{key}_p90"] = float(days.quantile(0.9)) if enough else None
            samples[key] = days
        if min(len(samples["bme"]), len(samples["white"])) >= min_group_size:
            record["mann_whitney_p"] = float(
                mannwhitneyu(samples["bme"], samples["white"], alternative="two-sided").pvalue
            )
        else:
            record["mann_whitney_p"] = None
        rows.append(record)
    return pd.DataFrame(rows)
