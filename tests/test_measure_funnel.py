# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""Every measure of the library on a funnel plot by division: counts recomputed from the cases, limits from an
independent computation (statsmodels' risk-ratio standard error, scipy's normal quantiles), a trust-added
measure on screen, and a division lead seeing their own division's point against the trust's limits only."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from statsmodels.stats.contingency_tables import Table2x2

from erreview import service, store
from erreview.periods import parse_period
from erreview.review.roles import Role

from .test_app import ACTORS, app_env, demo_db, signed_in  # noqa: F401  (fixtures)

OWN = """
id = "grievance_upheld"
label = "Grievance upheld"
question = "If I raise a grievance and I am from a minority ethnic background, is it as likely to be upheld?"
population_text = "Grievances with an outcome, not withdrawn"
event_text = "Upheld in whole or in part"
harm_direction = "below"
case_types = ["grievance"]
population = [{ column = "complaint_outcome", set = true }, { column = "complaint_outcome", not_in = ["withdrawn"] }]
event = [{ column = "complaint_outcome", in = ["upheld", "partially_upheld"] }]
"""
YEAR = parse_period("2024/25")
#: Each measure's population and event written out here with pandas, not taken from the library.
BY_HAND = {
    "suspension": (
        lambda c: (c["case_type"] == "disciplinary") & (c["initial_route"] == "formal"),
        lambda c: c["restriction"] == "suspended",
    ),
    "case_to_answer": (
        lambda c: (c["case_type"] == "disciplinary") & c["investigation_outcome"].notna(),
        lambda c: c["investigation_outcome"].isin(["hearing", "fast_track"]),
    ),
    "grievance_upheld": (
        lambda c: (
            (c["case_type"] == "grievance") & c["complaint_outcome"].notna() & (c["complaint_outcome"] != "withdrawn")
        ),
        lambda c: c["complaint_outcome"].isin(["upheld", "partially_upheld"]),
    ),
}


@pytest.fixture
def own_measures(app_env, tmp_path, monkeypatch):
    folder = tmp_path / "measures"
    folder.mkdir()
    (folder / "grievance.toml").write_text(OWN)
    monkeypatch.setenv("ERREVIEW_MEASURE_DIR", str(folder))
    return app_env.model_copy(update={"measure_dir": folder})


def by_hand(settings, measure_id: str) -> tuple[pd.DataFrame, tuple[int, int, int, int]]:
    with store.session_scope(store.engine_for(settings.database_url)) as session:
        cases = store.cases_frame(session, opened_from=YEAR.start, opened_to=YEAR.end)
    population, event = BY_HAND[measure_id]
    inside = cases[population(cases).fillna(False)]
    happened = event(inside).fillna(False)

    def four(frame: pd.DataFrame, hit: pd.Series) -> tuple[int, int, int, int]:
        bme, white = frame["wres_group"] == "BME", frame["wres_group"] == "White"
        return int((hit & bme).sum()), int(bme.sum()), int((hit & white).sum()), int(white.sum())

    rows = [(d, *four(f, happened[f.index])) for d, f in inside.groupby("division")]
    return pd.DataFrame(rows, columns=["unit", "a", "n1", "c", "n2"]), four(inside, happened)


@pytest.mark.parametrize("measure_id", sorted(BY_HAND))
def test_a_measures_funnel_counts_and_limits_are_recomputed(own_measures, measure_id):
    engine = store.engine_for(own_measures.database_url)
    view = service.measure_funnel_view(engine, own_measures, measure_id, YEAR)
    units, (A, N1, C, N2) = by_hand(own_measures, measure_id)
    assert view.funnel is not None and view.size == "cases"
    assert view.funnel.centre == pytest.approx((A / N1) / (C / N2), rel=1e-12)
    points = {p.unit: p for p in view.funnel.points}
    p1, p2 = A / N1, C / N2
    checked = 0
    for row in units.itertuples():
        p = points[row.unit]
        assert (p.a, p.n1, p.c, p.n2) == (row.a, row.n1, row.c, row.n2)
        if p.position is None:
            continue
        # Independent: the log risk ratio's SE of the 2x2 table with the trust's rates at this division's size.
        e1, e2 = p1 * row.n1, p2 * row.n2
        se = Table2x2(np.array([[e1, row.n1 - e1], [e2, row.n2 - e2]])).log_riskratio_se
        limits = p.limits(view.funnel.centre)
        for name, q in (("95", 0.975), ("998", 0.999)):
            z = norm.ppf(q)
            assert limits[f"lower_{name}"] == pytest.approx(view.funnel.centre * math.exp(-z * se), rel=1e-6)
            assert limits[f"upper_{name}"] == pytest.approx(view.funnel.centre * math.exp(z * se), rel=1e-6)
        ratio = (row.a / row.n1) / (row.c / row.n2)
        outside = abs(math.log(ratio / view.funnel.centre)) > norm.ppf(0.975) * se
        assert (p.position != "within") == outside
        checked += 1
    assert checked >= 1


def test_a_division_lead_sees_their_points_against_the_trusts_limits_only(own_measures):
    engine = store.engine_for(own_measures.database_url)
    whole = service.measure_funnel_view(engine, own_measures, "case_to_answer", YEAR)
    mine = service.measure_funnel_view(engine, own_measures, "case_to_answer", YEAR, divisions=frozenset({"Medicine"}))
    assert whole.funnel is not None and mine.funnel is not None
    assert [p.unit for p in mine.funnel.points] == ["Medicine"]
    # The limits are the whole trust's, not a trust of one division.
    assert mine.funnel.centre == whole.funnel.centre and mine.funnel.k == pytest.approx(whole.funnel.k)
    medicine = next(p for p in whole.funnel.points if p.unit == "Medicine")
    assert mine.funnel.points[0] == medicine
    # With the screens' threshold no other division is named, not even as withheld.
    restricted = service.measure_funnel_view(
        engine, own_measures, "formal_investigation", YEAR, threshold=7, divisions=frozenset({"Medicine"})
    )
    named = {p.unit for p in restricted.funnel.points} if restricted.funnel else set()
    assert named | set(restricted.withheld) <= {"Medicine"}
    i3 = service.measure_funnel_view(
        engine,
        own_measures,
        "wres_indicator3",
        parse_period("2024/25-H2"),
        threshold=7,
        divisions=frozenset({"Medicine"}),
    )
    named = {p.unit for p in i3.funnel.points} if i3.funnel else set()
    assert named | set(i3.withheld) == {"Medicine"}


def test_restricted_roles_never_see_a_ratio_resting_on_a_small_count(own_measures):
    engine = store.engine_for(own_measures.database_url)
    for measure in service.funnel_measures(own_measures):
        if measure.kind == "indicator3":
            continue
        view = service.measure_funnel_view(engine, own_measures, measure.id, YEAR, threshold=7)
        for p in view.funnel.points if view.funnel else []:
            assert not any(1 <= n <= 7 for n in (p.a, p.n1, p.c, p.n2)), (measure.id, p)


def _screen(role: Role):
    at = signed_in(role).switch_page("panels/divisions.py").run()
    assert not at.exception, at.exception
    return at


def test_the_divisions_screen_offers_every_measure_and_the_trusts_own(own_measures):
    at = _screen(Role.ADMIN)
    measure = next(s for s in at.selectbox if s.label == "Measure")
    assert "grievance_upheld" in measure.options[-1].replace(" ", "_").lower() or any(
        "Grievance upheld" in o for o in measure.options
    )
    assert len(measure.options) == len(service.funnel_measures(own_measures))
    measure.select("grievance_upheld").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "is it as likely to be upheld?" in text
    year = next(s for s in at.selectbox if s.label.startswith("Financial year"))
    year.select("2024/25").run()
    view = service.measure_funnel_view(
        store.engine_for(own_measures.database_url), own_measures, "grievance_upheld", YEAR
    )
    table = at.dataframe[0].value
    assert "Effective cases" in table.columns
    assert set(table["Division"]) == {p.unit for p in view.funnel.points}


def test_the_division_lead_sees_their_division_on_the_funnel_and_no_other(own_measures):
    at = _screen(Role.DIVISION_LEAD)
    lead = ACTORS[Role.DIVISION_LEAD]
    others = {"Surgery", "Corporate", "Community Services", "Mental Health", "Women and Children", "Clinical Support"}
    for ident in [m.id for m in service.funnel_measures(own_measures)]:
        next(s for s in at.selectbox if s.label == "Measure").select(ident).run()
        assert not at.exception, at.exception
        text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
        table = at.dataframe[0].value
        assert set(table["Division"]) <= set(lead.divisions), (ident, table)
        for other in others:
            assert other not in text, (ident, other)
        for chart in at.get("vega_lite_chart"):
            assert not any(o in str(chart.proto) for o in others)


def test_the_pack_has_each_measures_funnel_without_a_small_count(cli, settings, tmp_path):
    """The review pack's measure-by-measure funnel table, on a synthetic trust large enough to plot: each
    published ratio recomputed from the cases file; every division withheld has a count from 1 to the threshold
    (and every one shown has none); the same at the community threshold."""
    from erreview.cli import app
    from erreview.ethnicity import classify
    from erreview.synth import SynthConfig, write_synthetic

    files = {
        p.stem: p
        for p in write_synthetic(
            SynthConfig(
                seed=3, staff=9000, years=2, end_fy=2024, concern_rate=0.25, bme_share=0.4, white_suspension=0.4
            ),
            tmp_path,
        )
    }
    url = settings.database_url
    args = ["--db", url, "import", "--workforce", str(files["workforce"]), "--cases", str(files["cases"])]
    assert cli.invoke(app, args).exit_code == 0
    raw = pd.read_csv(files["cases"], dtype=str, keep_default_na=False)
    raw["wres_group"] = [classify(v).wres_group.value for v in raw["ethnic_category"]]
    raw = raw.replace("", None)
    raw = raw[(raw["opened_date"] >= str(YEAR.start)) & (raw["opened_date"] <= str(YEAR.end))]
    engine = store.engine_for(url)
    for threshold, build in ((7, service.review_pack), (10, service.community_pack)):
        table = build(engine, settings, parse_period("2024/25-H2")).table("measure_funnels").frame
        plotted = 0
        for label, measure_id in (("Suspension", "suspension"), ("Case to answer", "case_to_answer")):
            population, event = BY_HAND[measure_id]
            inside = raw[population(raw).fillna(False)]
            hit = event(inside).fillna(False)
            rows = table[table["Measure"] == label]
            assert not rows.empty, table.to_string()
            for row in rows.itertuples():
                own = inside["division"] == row.Division
                counts = [
                    int((own & hit & (inside["wres_group"] == g)).sum())
                    if kind == "events"
                    else int((own & (inside["wres_group"] == g)).sum())
                    for g in ("BME", "White")
                    for kind in ("events", "n")
                ]
                small = any(1 <= c <= threshold for c in counts)
                if row.Position == "withheld: small numbers":
                    assert small, (label, row.Division, counts)
                    continue
                assert not small, (label, row.Division, counts)
                a, n1, c, n2 = counts
                if a and c:
                    assert row.Ratio == f"{(a / n1) / (c / n2):.2f}"
                    plotted += 1
        assert plotted >= 3, table
