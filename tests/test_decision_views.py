"""Breakdowns, intersections, time in process and the case-mix-adjusted view, on hand-made frames."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import survdiff

from erreview.metrics.adjusted import adjusted_formal_route
from erreview.metrics.breakdowns import TOO_FEW, breakdown_table, intersection_table
from erreview.metrics.decisions import decision_rows
from erreview.metrics.timing import INTERVALS, durations, time_in_process


def _cases(specs):
    """specs: (count, wres_group, broad_group, gender, route, restriction) tuples → disciplinary cases."""
    rows = []
    for count, wres, broad, gender, route, restriction in specs:
        for _ in range(count):
            rows.append(
                {
                    "wres_group": wres,
                    "broad_group": broad,
                    "gender": gender,
                    "band": "Band 5",
                    "staff_group": "Admin and Clerical",
                    "division": "Corporate",
                    "initial_route": route,
                    "restriction": restriction if route == "formal" else None,
                    "investigation_outcome": None,
                    "sanction": None,
                    "appeal_outcome": None,
                    "regulator_referral": None,
                }
            )
    return pd.DataFrame(rows)


def test_breakdown_within_gender_with_too_few_cells():
    cases = _cases(
        [
            (12, "BME", "Black", "female", "formal", "none"),
            (8, "BME", "Black", "female", "informal", None),
            (10, "White", "White", "female", "formal", "none"),
            (30, "White", "White", "female", "informal", None),
            (3, "BME", "Asian", "male", "formal", "none"),
            (20, "White", "White", "male", "informal", None),
        ]
    )
    table = breakdown_table(decision_rows(cases), "gender", min_group_size=10)
    female = table[(table["point"] == "formal_investigation") & (table["level"] == "female")].iloc[0]
    assert (female["bme_n"], female["bme_events"], female["white_n"], female["white_events"]) == (
        20,
        12,
        40,
        10,
    )
    assert female["ratio"] == pytest.approx((12 / 20) / (10 / 40))
    assert female["status"] == "ok"
    male = table[(table["point"] == "formal_investigation") & (table["level"] == "male")].iloc[0]
    assert male["status"] == TOO_FEW and pd.isna(male["ratio"]) and pd.isna(male["bme_rate"])


def test_intersections_hide_small_cells_and_compare_with_white_in_the_same_level():
    cases = _cases(
        [
            (15, "BME", "Black", "female", "formal", "none"),
            (15, "BME", "Black", "female", "informal", None),
            (2, "BME", "Asian", "female", "formal", "none"),
            (10, "White", "White", "female", "formal", "none"),
            (30, "White", "White", "female", "informal", None),
        ]
    )
    table = intersection_table(decision_rows(cases), "gender", min_group_size=10)
    fi = table[table["point"] == "formal_investigation"].set_index("broad_group")
    assert fi.at["Black", "rate"] == pytest.approx(0.5)
    assert fi.at["Black", "ratio_to_white"] == pytest.approx(0.5 / 0.25)
    assert fi.at["Asian", "status"] == TOO_FEW and fi.at["Asian", "rate"] is None
    assert fi.at["Asian", "events"] is None  # not even the count of events is shown


def _km_quantiles(days: np.ndarray, ended: np.ndarray, p: Fraction) -> set[float]:
    """Brute-force Kaplan–Meier in exact fractions: the first event time at which the survival curve
    drops below 1 − p; where it lands exactly on 1 − p, the conventions differ (≤ or <), so both the time
    it lands and the next event time are accepted. Empty set: the curve never gets there."""
    surv = Fraction(1)
    times = [float(t) for t in np.unique(days[ended])]
    for i, t in enumerate(times):
        at_risk = int((days >= t).sum())
        deaths = int(((days == t) & ended).sum())
        surv *= 1 - Fraction(deaths, at_risk)
        if surv < 1 - p:
            return {t}
        if surv == 1 - p:
            return {t, *times[i + 1 : i + 2]}
    return set()


def _routing_cases(bme_days, white_days, bme_open, white_open):
    opened = pd.Timestamp("2024-01-01")
    rows = []
    for group, days, open_ in (("BME", bme_days, bme_open), ("White", white_days, white_open)):
        for d, still_open in zip(days, open_, strict=True):
            rows.append(
                {
                    "wres_group": group,
                    "opened_date": opened,
                    "route_date": pd.NaT if still_open else opened + pd.Timedelta(days=int(d)),
                    "initial_route": None if still_open else "informal",
                    "formal_investigation_date": pd.NaT,
                    "closed_date": pd.NaT,
                    "restriction": None,
                }
            )
    return pd.DataFrame(rows)


def test_time_in_process_counts_open_cases_as_censored():
    rng = np.random.default_rng(0)
    n = 60
    bme_days, white_days = rng.integers(10, 200, n), rng.integers(5, 120, n)
    as_of = pd.Timestamp("2024-01-01") + pd.Timedelta(days=150)
    # Cases not decided by the as-of date are open: followed up to it, not dropped.
    bme_open, white_open = bme_days > 150, white_days > 150
    cases = _routing_cases(bme_days, white_days, bme_open, white_open)
    table = time_in_process(cases, min_group_size=10, as_of=as_of).set_index("measure")
    row = table.loc["concern_to_route"]
    assert row["bme_open"] == bme_open.sum() > 0
    for key, days, open_ in (("bme", bme_days, bme_open), ("white", white_days, white_open)):
        observed = np.where(open_, 150, days).astype(float)
        for stat, p in (("median", Fraction(1, 2)), ("p90", Fraction(9, 10))):
            expected = _km_quantiles(observed, ~open_, p)
            if not expected:
                assert row[f"{key}_{stat}"] is None
            else:
                assert row[f"{key}_{stat}"] in expected
    assert row["bme_median_low"] <= row["bme_median"] <= row["bme_median_high"]
    # Dropping open cases would understate the BME median (the bias the censoring fixes).
    assert np.median(bme_days[~bme_open]) < row["bme_median"]
    assert row["logrank_p"] == pytest.approx(
        survdiff(
            np.r_[np.where(bme_open, 150, bme_days), np.where(white_open, 150, white_days)].astype(float),
            np.r_[~bme_open, ~white_open].astype(float),
            np.r_[np.ones(n), np.zeros(n)],
        )[1]
    )
    assert table.loc["formal_to_close", "bme_n"] == 0 and pd.isna(table.loc["formal_to_close", "bme_median"])


def test_censored_median_ratio_recovers_the_truth():
    """Exponential times, BME median 1.42× White, a third of cases still open: the KM medians' ratio is
    close to 1.42 where dropping open cases is biased towards 1."""
    rng = np.random.default_rng(3)
    n = 3000
    white = rng.exponential(60 / np.log(2), n)
    bme = rng.exponential(1.42 * 60 / np.log(2), n)
    follow = rng.uniform(0, 250, 2 * n)  # how long each case had been running at the as-of date
    days = np.r_[bme, white]
    open_ = days > follow
    cases = pd.DataFrame(
        {
            "wres_group": ["BME"] * n + ["White"] * n,
            "opened_date": pd.Timestamp("2020-01-01") - pd.to_timedelta(follow.round(), unit="D"),
            "initial_route": np.where(open_, None, "informal"),
            "formal_investigation_date": pd.NaT,
            "closed_date": pd.NaT,
            "restriction": None,
        }
    )
    cases["route_date"] = (cases["opened_date"] + pd.to_timedelta(days.round(), unit="D")).where(~open_)
    row = time_in_process(cases, as_of=pd.Timestamp("2020-01-01")).set_index("measure").loc["concern_to_route"]
    assert row["bme_median"] / row["white_median"] == pytest.approx(1.42, rel=0.08)
    closed_only = np.median(bme[~open_[:n]]) / np.median(white[~open_[n:]])
    assert abs(closed_only - 1.42) > abs(row["bme_median"] / row["white_median"] - 1.42)


def test_suspension_length_uses_suspension_dates_and_labels_the_proxy():
    base = {
        "wres_group": "BME",
        "opened_date": pd.Timestamp("2024-01-01"),
        "route_date": pd.Timestamp("2024-01-05"),
        "initial_route": "formal",
        "formal_investigation_date": pd.Timestamp("2024-01-10"),
        "restriction": "suspended",
    }
    rows = [
        base
        | {
            "suspension_start_date": pd.Timestamp("2024-01-10"),
            "suspension_end_date": pd.Timestamp("2024-01-30"),
            "closed_date": pd.Timestamp("2024-06-01"),
        },
        base
        | {"suspension_start_date": pd.NaT, "suspension_end_date": pd.NaT, "closed_date": pd.Timestamp("2024-03-10")},
    ]
    d = durations(pd.DataFrame(rows), INTERVALS[2], pd.Timestamp("2024-07-01"))
    assert d["days"].tolist() == [20.0, 60.0] and d["proxy"].tolist() == [False, True]
    table = time_in_process(pd.DataFrame(rows), min_group_size=1).set_index("measure")
    assert "proxy" in table.loc["suspension_length", "label"]


def test_adjustment_removes_a_gap_that_case_mix_explains():
    """Formal route depends only on the allegation; BME cases carry the riskier allegation more often."""
    rng = np.random.default_rng(42)
    n = 4000
    bme = rng.random(n) < 0.35
    fraud = rng.random(n) < np.where(bme, 0.5, 0.2)
    formal = rng.random(n) < np.where(fraud, 0.7, 0.2)
    cases = pd.DataFrame(
        {
            "wres_group": np.where(bme, "BME", "White"),
            "initial_route": np.where(formal, "formal", "informal"),
            "allegation_category": np.where(fraud, "fraud_theft", "behaviour"),
            "referral_source": rng.choice(["manager", "colleague"], n),
            "band": rng.choice(["Band 3", "Band 5"], n),
            "staff_group": rng.choice(["Admin and Clerical", "Estates and Ancillary"], n),
        }
    )
    result = adjusted_formal_route(cases)
    assert result.ok
    assert result.unadjusted.ci_low > 1.3  # a clear raw gap …
    assert result.adjusted.ci_low < 1 < result.adjusted.ci_high  # … that case mix explains
    assert "Much of the gap goes away" in result.sentence()


def test_adjustment_keeps_a_gap_that_case_mix_does_not_explain():
    rng = np.random.default_rng(7)
    n = 4000
    bme = rng.random(n) < 0.35
    formal = rng.random(n) < np.where(bme, 0.45, 0.25)
    cases = pd.DataFrame(
        {
            "wres_group": np.where(bme, "BME", "White"),
            "initial_route": np.where(formal, "formal", "informal"),
            "allegation_category": rng.choice(["behaviour", "clinical_practice"], n),
            "referral_source": rng.choice(["manager", "colleague"], n),
            "band": rng.choice(["Band 3", "Band 5"], n),
            "staff_group": rng.choice(["Admin and Clerical", "Estates and Ancillary"], n),
        }
    )
    result = adjusted_formal_route(cases)
    assert result.adjusted.ci_low > 1
    assert "does not explain the gap" in result.sentence()


def test_adjustment_with_too_few_cases_says_so():
    cases = pd.DataFrame(
        {
            "wres_group": ["BME", "White"] * 10,
            "initial_route": ["formal", "informal"] * 10,
            "allegation_category": "behaviour",
            "referral_source": "manager",
            "band": "Band 5",
            "staff_group": "Admin and Clerical",
        }
    )
    result = adjusted_formal_route(cases)
    assert not result.ok and "too few" in result.sentence()
