"""Breakdowns, intersections, time in process and the case-mix-adjusted view, on hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from erreview.metrics.adjusted import adjusted_formal_route
from erreview.metrics.breakdowns import TOO_FEW, breakdown_table, intersection_table
from erreview.metrics.decisions import decision_rows
from erreview.metrics.timing import time_in_process


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


def test_time_in_process_medians_percentiles_and_rank_test():
    rng = np.random.default_rng(0)
    n = 40
    opened = pd.Timestamp("2024-01-01")
    bme_days, white_days = rng.integers(10, 60, n), rng.integers(5, 30, n)
    rows = []
    for group, days in (("BME", bme_days), ("White", white_days)):
        for d in days:
            rows.append(
                {
                    "wres_group": group,
                    "opened_date": opened,
                    "route_date": opened + pd.Timedelta(days=int(d)),
                    "initial_route": "informal",
                    "formal_investigation_date": pd.NaT,
                    "closed_date": pd.NaT,
                    "restriction": None,
                }
            )
    table = time_in_process(pd.DataFrame(rows), min_group_size=10).set_index("measure")
    row = table.loc["concern_to_route"]
    assert row["bme_median"] == pytest.approx(np.median(bme_days))
    assert row["white_p90"] == pytest.approx(np.quantile(white_days, 0.9))
    assert row["mann_whitney_p"] == pytest.approx(mannwhitneyu(bme_days, white_days).pvalue)
    assert table.loc["formal_to_close", "bme_n"] == 0 and pd.isna(table.loc["formal_to_close", "bme_median"])


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
