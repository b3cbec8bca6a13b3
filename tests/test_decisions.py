"""Decision points (contract §4.2): the examples exactly, fairlearn's fast and naive paths agree, and
planted gaps are found where they were planted and nowhere else."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from scipy.stats import fisher_exact

from erreview import service
from erreview.cli import app
from erreview.metrics.decisions import COMPLAINT_POINT, DECISION_POINTS, decision_rows, decision_table
from erreview.metrics.groups import group_rates, group_rates_counted, group_rates_naive
from erreview.synth import SynthConfig, generate

from .conftest import EXAMPLES, assert_matches, load_json
from .pg import database_url


def test_examples_reproduce_expected_decisions_json(cli, imported):
    result = cli.invoke(app, ["--db", imported, "decisions", "--json"])
    assert result.exit_code == 0, result.stderr
    assert_matches(json.loads(result.stdout), load_json(EXAMPLES / "expected_decisions.json"))


def test_window_filters_on_opened_date(cli, imported):
    everything = json.loads(cli.invoke(app, ["--db", imported, "decisions", "--json"]).stdout)
    window = json.loads(
        cli.invoke(app, ["--db", imported, "decisions", "--from", "2023-04-01", "--to", "2024-03-31", "--json"]).stdout
    )
    cases = pd.read_csv(EXAMPLES / "cases.csv", dtype=str, keep_default_na=False)
    inside = cases[
        (cases["case_type"] == "disciplinary")
        & (cases["opened_date"] >= "2023-04-01")
        & (cases["opened_date"] <= "2024-03-31")
        & (cases["initial_route"] != "")
    ]
    first = window["decision_points"][0]
    assert first["name"] == "formal_investigation"
    assert sum(g["n"] for g in first["groups"].values()) == len(inside)
    assert first["bme"]["n"] < everything["decision_points"][0]["bme"]["n"]


def test_bad_dates_are_refused(cli, imported):
    result = cli.invoke(app, ["--db", imported, "decisions", "--from", "2024-13-01"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.stderr
    result = cli.invoke(app, ["--db", imported, "decisions", "--from", "2024-05-01", "--to", "2024-01-01"])
    assert result.exit_code != 0 and "after" in result.stderr


def test_text_output(cli, imported):
    result = cli.invoke(app, ["--db", imported, "decisions"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert names == [*(p.name for p in DECISION_POINTS), COMPLAINT_POINT.name]


@pytest.fixture(scope="module")
def synthetic_rows():
    _, cases = generate(SynthConfig(seed=5, staff=3000, years=3, end_fy=2024))
    return _as_store_frame(cases)


def _as_store_frame(cases: pd.DataFrame) -> pd.DataFrame:
    """Validate and clean a contract-format frame the way import does (without a database)."""
    from erreview.ingest import validate_cases

    clean, problems = validate_cases(cases, today=date(2026, 1, 1))
    assert problems == []
    return clean[clean["case_type"] == "disciplinary"].reset_index(drop=True)


@pytest.mark.parametrize(
    "by",
    [
        ["point", "wres_group"],
        ["point", "broad_group"],
        ["point", "wres_group", "gender"],
        ["point", "broad_group", "division"],
    ],
)
def test_aggregated_metricframe_equals_naive_metricframe(synthetic_rows, by):
    rows = decision_rows(synthetic_rows)
    fast, naive = group_rates(rows, by), group_rates_naive(rows, by)
    pd.testing.assert_frame_equal(fast, naive, check_exact=False, rtol=1e-12)
    # the plain group-by used beside a panel check gives the same table
    as_text = {column: str for column in by}  # MetricFrame hands labels back as strings, in their order

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype(as_text).sort_values(list(by)).reset_index(drop=True)

    pd.testing.assert_frame_equal(keyed(group_rates_counted(rows, by)), keyed(fast), check_exact=False, rtol=1e-12)
    # and both equal a plain groupby
    plain = rows.groupby(by, observed=True)["event"].agg(["size", "sum"]).reset_index()
    merged = fast.merge(plain, on=by)
    assert (merged["n"] == merged["size"]).all() and (merged["events"] == merged["sum"]).all()
    assert len(merged) == len(fast) == len(plain)


def test_extras_fisher_difference_and_q_values(synthetic_rows):
    results = decision_table(synthetic_rows)
    for r in results:
        table = [[r.bme.events, r.bme.n - r.bme.events], [r.white.events, r.white.n - r.white.events]]
        assert r.fisher_p == pytest.approx(fisher_exact(table).pvalue)
        assert r.difference == pytest.approx(r.bme.rate - r.white.rate)
        assert r.q_value >= r.fisher_p  # BH never makes a p-value smaller
    # Benjamini–Hochberg by hand: q(i) = min over j >= i of p(j) * m / j, in ascending p order.
    ordered = sorted(results, key=lambda r: r.fisher_p)
    m = len(ordered)
    for i, r in enumerate(ordered):
        expected = min(min(1.0, o.fisher_p * m / (j + 1)) for j, o in enumerate(ordered) if j >= i)
        assert r.q_value == pytest.approx(expected)
    for r in results:
        for group, est in r.group_ratios.items():
            c = r.groups[group]
            if est.ratio is not None and c.events and r.white.events:
                assert est.ratio == pytest.approx((c.events / c.n) / (r.white.events / r.white.n))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [101, 202, 303])
def test_planted_gaps_are_flagged_and_only_they(seed, engine, settings, tmp_path):
    config = SynthConfig(seed=seed, staff=20_000, years=6, end_fy=2024, intervention=date(2030, 4, 1))
    _, cases = generate(config)
    cases.to_csv(tmp_path / "c.csv", index=False)
    service.import_files(engine, settings, cases=tmp_path / "c.csv")
    results = {r.point.name: r for r in service.decision_results(engine)}

    def found(name: str) -> bool:
        """Flagged ``disparity`` and still significant across the seven tests (BH q < 0.05).

        The flag alone tests each point at 5%: over five null points and three seeds, about one chance
        flag is expected, which is why the table carries q-values.
        """
        r = results[name]
        return r.flag.value == "disparity" and r.q_value < 0.05

    assert found("formal_investigation") and found("suspension")
    for name in ("case_to_answer", "formal_sanction", "dismissal", "appeal_upheld", "regulator_referral"):
        assert not found(name), (name, results[name].estimate, results[name].q_value)


def test_edge_examples_reproduce_expected_decisions_edge_json(cli, tmp_path):
    """Contract v2 edge cases, cases only (imported with --cases alone): every BME case dismissed while no
    White case is (flagged although the ratio is undefined), an appeal table where the Katz interval
    excludes 1 but Fisher does not, withdrawn complaints left out of §4.3."""
    url = database_url(tmp_path, "edge.db")
    result = cli.invoke(app, ["--db", url, "import", "--cases", str(EXAMPLES / "edge_cases.csv")])
    assert result.exit_code == 0, result.stderr
    result = cli.invoke(app, ["--db", url, "decisions", "--json"])
    assert result.exit_code == 0, result.stderr
    assert_matches(json.loads(result.stdout), load_json(EXAMPLES / "expected_decisions_edge.json"))


def test_v2_fields_by_hand_on_the_edge_examples(cli, tmp_path):
    """The flag fields recomputed from the raw CSV with scipy and a hand-written Benjamini–Hochberg."""
    url = database_url(tmp_path, "edge.db")
    assert cli.invoke(app, ["--db", url, "import", "--cases", str(EXAMPLES / "edge_cases.csv")]).exit_code == 0
    got = {
        p["name"]: p
        for p in json.loads(cli.invoke(app, ["--db", url, "decisions", "--json"]).stdout)["decision_points"]
    }
    raw = pd.read_csv(EXAMPLES / "edge_cases.csv", dtype=str, keep_default_na=False)
    raw = raw[raw["case_type"] == "disciplinary"]
    white = raw["ethnic_category"].str[0].isin(["A", "B", "C"])
    unknown = raw["ethnic_category"].str[0].isin(["Z", "9"]) | (raw["ethnic_category"] == "")
    bme = ~white & ~unknown
    sanctioned = raw["sanction"] != ""
    dismissal = raw["sanction"] == "dismissal"
    tables = {}
    for name, population, event in (
        ("dismissal", sanctioned, dismissal),
        ("formal_investigation", raw["initial_route"] != "", raw["initial_route"] == "formal"),
    ):
        a, n1 = int((event & population & bme).sum()), int((population & bme).sum())
        c, n2 = int((event & population & white).sum()), int((population & white).sum())
        tables[name] = (a, n1, c, n2)
        assert (got[name]["bme"]["events"], got[name]["bme"]["n"]) == (a, n1)
        assert got[name]["fisher_p"] == pytest.approx(fisher_exact([[a, n1 - a], [c, n2 - c]]).pvalue, rel=1e-9)
    assert tables["dismissal"][2] == 0 and got["dismissal"]["ratio"] is None
    assert got["dismissal"]["side"] == "above" and got["dismissal"]["flag"] == "disparity"
    ps = sorted((p["fisher_p"], n) for n, p in got.items())
    m = len(ps)
    for i, (_, name) in enumerate(ps):
        expected = min(min(1.0, ps[j][0] * m / (j + 1)) for j in range(i, m))
        assert got[name]["q"] == pytest.approx(expected, rel=1e-9)
        assert got[name]["significant"] is (expected < 0.05)
    # Katz says "significant" at appeal upheld (4/4 vs 9/15); the v2 rule does not flag it.
    assert got["appeal_upheld"]["ci_low"] > 1 and got["appeal_upheld"]["flag"] == "watch"


@pytest.mark.parametrize(
    ("a", "n1", "c", "n2", "side", "flag"),
    [
        (5, 5, 0, 0, "above", "watch"),  # no White case reached the step: BME events are never reassurance
        (6, 20, 0, 60, "above", None),  # White 0 of 60: flagged by Fisher (the edge example's dismissal)
        (0, 5, 0, 0, None, "none"),  # nothing happened to anyone
        (0, 0, 0, 7, None, "none"),  # no BME case reached the step
    ],
)
def test_side_when_the_ratio_is_undefined(a, n1, c, n2, side, flag):
    from erreview.metrics.flags import assess_all
    from erreview.metrics.ratio import relative_likelihood

    (found,) = assess_all([(relative_likelihood(a, n1, c, n2), a, n1, c, n2)], ["above"])
    assert found.side == side
    if flag is not None:
        assert found.flag.value == flag
    assert found.adverse is (side == "above")
    if n1 == 0 or n2 == 0:
        assert found.fisher_p is None and found.q is None and found.significant is None


@pytest.mark.parametrize("by", [["point", "wres_group"], ["point", "broad_group", "division"], ["point", "band"]])
def test_counting_codes_equals_the_pandas_group_by(synthetic_rows, by, monkeypatch):
    """group_rates counts category codes with numpy; with too many combinations it falls back to a pandas
    group-by: the two give the same table, labels, order and types."""
    from erreview.metrics import groups

    rows = decision_rows(synthetic_rows)
    counted = group_rates(rows, by)
    monkeypatch.setattr(groups, "_MOST_COMBINATIONS", 0)
    pd.testing.assert_frame_equal(counted, group_rates(rows, by), check_exact=True)
    as_objects = rows.astype({c: object for c in by})  # not categories: factorised, missing values left out
    as_objects.loc[as_objects.index[:5], by[-1]] = None
    monkeypatch.setattr(groups, "_MOST_COMBINATIONS", 1 << 22)
    counted = group_rates(as_objects, by)
    monkeypatch.setattr(groups, "_MOST_COMBINATIONS", 0)
    pd.testing.assert_frame_equal(counted, group_rates(as_objects, by), check_exact=True)
