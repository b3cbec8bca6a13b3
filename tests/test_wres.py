"""WRES indicator 3 (contract §4.1) through the command line, against the contract's examples."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from erreview.cli import app
from erreview.metrics.likelihood import period_snapshot, wres_indicator
from erreview.periods import parse_period

from .conftest import EXAMPLES, assert_matches, load_json


def test_examples_reproduce_expected_wres_json(cli, imported):
    result = cli.invoke(app, ["--db", imported, "wres", "--json"])
    assert result.exit_code == 0, result.stderr
    assert_matches(json.loads(result.stdout), load_json(EXAMPLES / "expected_wres.json"))


def test_single_period_and_stdout_is_only_json(cli, imported):
    result = cli.invoke(app, ["--db", imported, "wres", "--period", "2024/25-H2", "--json"])
    expected = [p for p in load_json(EXAMPLES / "expected_wres.json")["periods"] if p["period"] == "2024/25-H2"]
    assert_matches(json.loads(result.stdout), {"periods": expected})


def test_unavailable_period_says_why_on_stderr(cli, imported):
    result = cli.invoke(app, ["--db", imported, "wres", "--period", "2023/24-H2", "--json"])
    assert json.loads(result.stdout)["periods"][0]["ratio"] is None
    assert "no workforce snapshot is dated inside 2023/24-H2" in result.stderr


def test_pooling_sums_counts_over_consecutive_periods(cli, imported):
    expected = {p["period"]: p for p in load_json(EXAMPLES / "expected_wres.json")["periods"]}
    result = cli.invoke(app, ["--db", imported, "wres", "--period", "2024/25-H2", "--pool", "2", "--json"])
    pooled = json.loads(result.stdout)["periods"][0]
    h1, h2 = expected["2024/25-H1"], expected["2024/25-H2"]
    for group in ("bme", "white", "unknown"):
        for count in ("entrants", "headcount"):
            assert pooled[group][count] == h1[group][count] + h2[group][count]
    a, n1 = pooled["bme"]["entrants"], pooled["bme"]["headcount"]
    c, n2 = pooled["white"]["entrants"], pooled["white"]["headcount"]
    assert pooled["ratio"] == pytest.approx((a / n1) / (c / n2), rel=1e-12)
    assert pooled["start"] == "2024-04-01" and pooled["end"] == "2025-03-31"
    # A window reaching a period with no snapshot has no denominator.
    gap = cli.invoke(app, ["--db", imported, "wres", "--period", "2024/25-H1", "--pool", "2", "--json"])
    assert json.loads(gap.stdout)["periods"][0]["ratio"] is None


def test_year_period_uses_the_31_march_snapshot(cli, imported):
    result = cli.invoke(app, ["--db", imported, "wres", "--period", "2022/23", "--json"])
    period = json.loads(result.stdout)["periods"][0]
    assert period["snapshot_date"] == "2023-03-31"
    h1_h2 = {p["period"]: p for p in load_json(EXAMPLES / "expected_wres.json")["periods"]}
    assert period["bme"]["headcount"] == h1_h2["2022/23-H2"]["bme"]["headcount"]


def test_text_output_is_a_table(cli, imported):
    result = cli.invoke(app, ["--db", imported, "wres"])
    assert result.exit_code == 0
    assert "2024/25-H2" in result.stdout and "unavailable" in result.stdout


@pytest.mark.parametrize(
    ("dates", "period", "expected"),
    [
        ([date(2024, 9, 30), date(2024, 6, 1)], "2024/25-H1", date(2024, 9, 30)),
        ([date(2024, 9, 27), date(2024, 6, 1)], "2024/25-H1", date(2024, 9, 27)),
        ([date(2024, 10, 1)], "2024/25-H1", None),
        ([], "2024/25-H1", None),
    ],
)
def test_period_snapshot_rule(dates, period, expected):
    assert period_snapshot(dates, parse_period(period)) == expected


def _frames(entries, heads):
    e = pd.DataFrame(entries, columns=["person_key", "wres_group", "formal_investigation_date"])
    e["formal_investigation_date"] = pd.to_datetime(e["formal_investigation_date"])
    h = pd.DataFrame(heads, columns=["snapshot_date", "wres_group", "headcount"])
    h["snapshot_date"] = pd.to_datetime(h["snapshot_date"])
    return e, h


def test_a_person_with_two_cases_in_a_period_counts_once():
    entries, heads = _frames(
        [
            ("p1", "BME", "2024-05-01"),
            ("p1", "BME", "2024-07-01"),
            ("p2", "White", "2024-05-01"),
            ("p3", "Unknown", "2024-05-01"),
        ],
        [("2024-09-30", "BME", 10), ("2024-09-30", "White", 20), ("2024-09-30", "Unknown", 2)],
    )
    result = wres_indicator(entries, heads, parse_period("2024/25-H1"))
    doc = result.as_json()
    assert doc["bme"] == {"entrants": 1, "headcount": 10, "rate": 0.1}
    assert doc["unknown"] == {"entrants": 1, "headcount": 2}
    assert doc["ratio"] == pytest.approx(2.0)


def test_degenerate_ratios_are_explicit():
    entries, heads = _frames([("p1", "BME", "2024-05-01")], [("2024-09-30", "BME", 10), ("2024-09-30", "White", 20)])
    doc = wres_indicator(entries, heads, parse_period("2024/25-H1")).as_json()
    assert (doc["ratio"], doc["ci_low"], doc["band"], doc["significant"]) == (None, None, None, False)
    entries, heads = _frames([("p1", "White", "2024-05-01")], [("2024-09-30", "BME", 10), ("2024-09-30", "White", 20)])
    doc = wres_indicator(entries, heads, parse_period("2024/25-H1")).as_json()
    assert (doc["ratio"], doc["ci_low"], doc["ci_high"], doc["band"]) == (0.0, None, None, "below")


def test_ethnicity_completeness_is_the_latest_snapshot_only(engine, settings):
    from erreview import service

    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv")
    quality = service.ethnicity_completeness(engine)
    frame = pd.read_csv(EXAMPLES / "workforce.csv", dtype=str)
    latest = frame[frame["snapshot_date"] == frame["snapshot_date"].max()]
    assert int(quality["staff"].sum()) == latest["person_id"].nunique()
    expected = {p["period"]: p for p in load_json(EXAMPLES / "expected_wres.json")["periods"]}["2024/25-H2"]
    assert int(quality["not_stated"].sum()) == expected["unknown"]["headcount"]
    assert set(quality["snapshot_date"].astype(str)) == {"2025-03-28"}
