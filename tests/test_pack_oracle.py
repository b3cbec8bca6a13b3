"""The review pack's golden tables checked against numbers recomputed here from the raw example files.

The golden CSVs are written by the code (``ERREVIEW_UPDATE_GOLDEN``), so comparing with them alone only
proves the code still does what it did. This test recomputes indicator 3 and the decision-point table
from ``workforce.csv`` and ``cases.csv`` with plain pandas, scipy's Fisher test, the Katz formula and a
hand-written Benjamini–Hochberg, and checks every published (unsuppressed) cell of the goldens.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import fisher_exact

from .conftest import EXAMPLES

GOLDEN = Path(__file__).parent / "data" / "golden" / "pack-2024-25-H2"
Z = 1.959964


def _group(code: str) -> str:
    first = (code or "").strip()[:1].upper()
    if first in ("A", "B", "C"):
        return "White"
    if first in ("", "Z", "9"):
        return "Unknown"
    return "BME"


def _katz(a: int, n1: int, c: int, n2: int) -> tuple[float | None, float | None, float | None]:
    if c == 0 or n1 == 0 or n2 == 0:
        return None, None, None
    ratio = (a / n1) / (c / n2)
    if a == 0:
        return 0.0, None, None
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return ratio, ratio * math.exp(-Z * se), ratio * math.exp(Z * se)


def _half_years(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    year, half = int(label[:4]), label[-1]
    if half == "1":
        return pd.Timestamp(year, 4, 1), pd.Timestamp(year, 9, 30)
    return pd.Timestamp(year, 10, 1), pd.Timestamp(year + 1, 3, 31)


@pytest.fixture(scope="module")
def raw():
    workforce = pd.read_csv(EXAMPLES / "workforce.csv", dtype=str, keep_default_na=False)
    cases = pd.read_csv(EXAMPLES / "cases.csv", dtype=str, keep_default_na=False)
    workforce["group"] = workforce["ethnic_category"].map(_group)
    cases["group"] = cases["ethnic_category"].map(_group)
    workforce["snapshot_date"] = pd.to_datetime(workforce["snapshot_date"])
    return workforce, cases


def _published(golden: str, value: float | None, digits: int = 2) -> None:
    if golden == "*":
        return
    assert golden == ("" if value is None else f"{value:.{digits}f}"), (golden, value)


def test_indicator3_golden_matches_an_independent_recomputation(raw):
    workforce, cases = raw
    golden = pd.read_csv(GOLDEN / "indicator3.csv", dtype=str, keep_default_na=False)
    disciplinary = cases[(cases["case_type"] == "disciplinary") & (cases["formal_investigation_date"] != "")]
    disciplinary = disciplinary.assign(day=pd.to_datetime(disciplinary["formal_investigation_date"]))
    checked = 0
    for row in golden.to_dict("records"):
        if row["Snapshot"] == "":
            continue
        start, end = _half_years(row["Period"])
        inside = sorted(d for d in workforce["snapshot_date"].unique() if start <= d <= end)
        snap = end if end in inside else max(inside)
        assert row["Snapshot"] == snap.date().isoformat()
        staff = workforce[workforce["snapshot_date"] == snap].groupby("group")["person_id"].nunique()
        entered = disciplinary[(disciplinary["day"] >= start) & (disciplinary["day"] <= end)]
        people = entered.groupby("group")["person_id"].nunique()
        a, n1 = int(people.get("BME", 0)), int(staff.get("BME", 0))
        c, n2 = int(people.get("White", 0)), int(staff.get("White", 0))
        for column, value in (
            ("BME entrants", a),
            ("BME headcount", n1),
            ("White entrants", c),
            ("White headcount", n2),
        ):
            assert row[column] in ("*", str(value)), (row["Period"], column)
        ratio, low, high = _katz(a, n1, c, n2)
        _published(row["Ratio"], ratio)
        _published(row["95% CI low"], low)
        _published(row["95% CI high"], high)
        checked += row["Ratio"] != "*"
    assert checked >= 3


def test_decision_point_golden_matches_an_independent_recomputation(raw):
    _, cases = raw
    golden = pd.read_csv(GOLDEN / "decision_points.csv", dtype=str, keep_default_na=False).set_index("Decision point")
    d = cases[(cases["case_type"] == "disciplinary")]
    d = d[(d["opened_date"] >= "2024-04-01") & (d["opened_date"] <= "2025-03-31")]
    formal = d["initial_route"] == "formal"
    sanctioned = d["sanction"] != ""
    steps = {
        "Formal investigation": (d["initial_route"] != "", formal),
        "Suspension": (formal, d["restriction"] == "suspended"),
        "Case to answer": (
            formal & (d["investigation_outcome"] != ""),
            d["investigation_outcome"].isin(["hearing", "fast_track"]),
        ),
        "Formal sanction": (sanctioned, d["sanction"] != "no_action"),
        "Dismissal": (sanctioned, d["sanction"] == "dismissal"),
        "Appeal upheld": (d["appeal_outcome"] != "", d["appeal_outcome"].isin(["upheld", "partially_upheld"])),
        "Regulator referral": (formal, d["regulator_referral"] == "yes"),
    }
    counts, ps = {}, {}
    for name, (population, event) in steps.items():
        bme, white = population & (d["group"] == "BME"), population & (d["group"] == "White")
        a, n1, c, n2 = int((bme & event).sum()), int(bme.sum()), int((white & event).sum()), int(white.sum())
        counts[name] = (a, n1, c, n2)
        if n1 and n2:
            ps[name] = fisher_exact([[a, n1 - a], [c, n2 - c]]).pvalue
    ordered = sorted(ps, key=ps.get)
    m = len(ordered)
    q = {
        name: min(min(1.0, ps[o] * m / (j + 1)) for j, o in enumerate(ordered) if j >= i)
        for i, name in enumerate(ordered)
    }
    for name, (a, n1, c, n2) in counts.items():
        row = golden.loc[name]
        for column, value in (("BME n", n1), ("BME events", a), ("White n", n2), ("White events", c)):
            assert row[column] in ("*", str(value)), (name, column)
        ratio, low, high = _katz(a, n1, c, n2)
        _published(row["Ratio"], ratio)
        _published(row["95% CI low"], low)
        _published(row["95% CI high"], high)
        _published(row["Fisher p"], ps.get(name), 3)
        _published(row["q (BH)"], q.get(name), 3)
        if row["Flag"] != "*":
            side = None if ratio is None else ("above" if ratio > 1.25 else "below" if ratio < 0.8 else None)
            if ratio is None and c == 0 and a > 0 and n2 > 0:
                side = "above"
            expected = "none" if side is None else ("disparity" if q[name] < 0.05 else "watch")
            assert row["Flag"] == expected, name
    assert golden.loc["Formal investigation", "Ratio"] != "*"  # at least one row is really checked
