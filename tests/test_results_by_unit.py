"""Results by unit (division, half-year) counted from one set of decision rows equal the results counted on each
unit's own cases, as the screens and packs counted them before (one decision-row build per unit). The review
pack's funnels, its half-years' decision points and complaints, and Decision points' complaint trend use them,
so the cells the disclosure audit hides rest on exactly the same counts."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from erreview import service
from erreview.demo import prepare_demo
from erreview.measures import shipped_measures
from erreview.metrics.decisions import (
    COMPLAINT_POINT,
    DECISION_POINTS,
    DecisionResult,
    _results,
    complaint_result,
    decision_table,
    measure_points,
    measure_table,
    results_by_unit,
)
from erreview.metrics.groups import group_rates
from erreview.periods import periods_between
from erreview.synth import SynthConfig, generate


def _same(a: list[DecisionResult], b: list[DecisionResult]) -> None:
    """Equal counts, groups (in order), ratios and flags (NaN-safe through JSON)."""
    assert [r.point.name for r in a] == [r.point.name for r in b]
    for x, y in zip(a, b, strict=True):
        assert json.dumps(x.as_json()) == json.dumps(y.as_json())
        assert list(x.groups.items()) == list(y.groups.items())
        assert json.dumps({g: vars(e) for g, e in x.group_ratios.items()}, default=str) == json.dumps(
            {g: vars(e) for g, e in y.group_ratios.items()}, default=str
        )


@pytest.fixture(scope="module")
def all_cases() -> pd.DataFrame:
    from erreview.ingest import validate_cases

    _, cases = generate(SynthConfig(seed=11, staff=3000, years=3, end_fy=2024))
    clean, problems = validate_cases(cases, today=date(2026, 1, 1))
    assert problems == []
    return clean.reset_index(drop=True)


def test_by_division_equals_each_divisions_own_table(all_cases):
    divisions = sorted(set(all_cases["division"].dropna()))
    names = [*divisions, "A division with no cases"]
    disciplinary = all_cases[all_cases["case_type"] == "disciplinary"].reset_index(drop=True)
    measures = [m for m in shipped_measures() if m.kind != "indicator3"]
    for points, cases in (
        (DECISION_POINTS, disciplinary),
        ((COMPLAINT_POINT,), all_cases),
        (measure_points(measures), all_cases),
    ):
        overall, by_unit = results_by_unit(points, cases, cases["division"], names)
        _same(overall, _results(points, cases, group_rates))
        assert list(by_unit) == names
        for name in names:
            own = cases[cases["division"] == name].reset_index(drop=True)
            _same(by_unit[name], _results(points, own, group_rates))
        assert all(r.bme.n == r.white.n == 0 for r in by_unit["A division with no cases"])
    _same(overall, measure_table(measures, all_cases))


def test_by_half_year_leaves_out_cases_in_no_half(all_cases):
    halves = periods_between(date(2023, 4, 1), date(2024, 3, 31), "half")
    units = service.half_of(all_cases["opened_date"], halves)
    assert units.isna().any() and units.notna().any()  # cases before and after the halves are in none
    overall, by_half = results_by_unit((COMPLAINT_POINT,), all_cases, units, [h.label for h in halves])
    _same(overall, [complaint_result(all_cases)])  # the overall result is over every case given
    opened = pd.to_datetime(all_cases["opened_date"])
    for h in halves:
        inside = all_cases[(opened >= pd.Timestamp(h.start)) & (opened <= pd.Timestamp(h.end))]
        _same(by_half[h.label], [complaint_result(inside.reset_index(drop=True))])
    disciplinary = all_cases[all_cases["case_type"] == "disciplinary"].reset_index(drop=True)
    _, by_half = results_by_unit(
        DECISION_POINTS, disciplinary, service.half_of(disciplinary["opened_date"], halves), [h.label for h in halves]
    )
    opened = pd.to_datetime(disciplinary["opened_date"])
    for h in halves:
        inside = disciplinary[(opened >= pd.Timestamp(h.start)) & (opened <= pd.Timestamp(h.end))]
        _same(by_half[h.label], decision_table(inside.reset_index(drop=True)))


def test_pack_funnels_and_complaint_trend_as_counted_one_unit_at_a_time(engine, settings):
    prepare_demo(engine, settings)
    # The complaint trend: one read and one count, the same as each half-year read and counted alone.
    trend = service.complaint_trend(engine)
    assert len(trend) > 2
    from erreview import store

    with store.session_scope(engine) as session:
        first, last = store.data_extent(session)
    halves = periods_between(first, last, "half")
    assert [label for label, _ in trend] == [h.label for h in halves]
    for (_, result), h in zip(trend, halves, strict=True):
        _same([result], [service.complaint_results(engine, opened_from=h.start, opened_to=h.end)])
    # Each measure's funnel over divisions: every division's counts as its own table gives them.
    window = (halves[-2].start, halves[-1].end)
    measures = [m for m in shipped_measures() if m.kind != "indicator3"]
    drawn = 0
    for measure in measures:
        view = service.case_measure_funnel(engine, measure, window, "the window")
        with store.session_scope(engine) as session:
            cases = store.cases_frame(
                session, opened_from=window[0], opened_to=window[1], case_types=[t.value for t in measure.case_types]
            )
        expected = []
        for division in sorted(set(cases["division"].dropna())):
            [r] = measure_table([measure], cases[cases["division"] == division].reset_index(drop=True))
            expected.append((division, r.bme.events, r.bme.n, r.white.events, r.white.n))
        if view.funnel is None:  # the trust's own ratio cannot be computed: no points to compare
            continue
        drawn += 1
        got = [(p.unit, p.a, p.n1, p.c, p.n2) for p in view.funnel.points]
        assert sorted(got) == sorted(expected)
    assert drawn >= 3


def test_points_alone_are_each_their_own_table(all_cases):
    """``alone``: several measures from one set of rows, each still a one-row table (q is its Fisher p), as the
    measure funnels were counted one measure at a time."""
    divisions = sorted(set(all_cases["division"].dropna()))
    disciplinary = all_cases[all_cases["case_type"] == "disciplinary"].reset_index(drop=True)
    overall, by_unit = results_by_unit(DECISION_POINTS, disciplinary, disciplinary["division"], divisions, alone=True)
    together, _ = results_by_unit(DECISION_POINTS, disciplinary, disciplinary["division"], divisions)
    # Over seven points q differs from each point's own Fisher p somewhere: the test can tell the two apart.
    assert any(a.q_value != b.q_value for a, b in zip(overall, together, strict=True))
    for k, point in enumerate(DECISION_POINTS):
        _same([overall[k]], _results((point,), disciplinary, group_rates))
        assert overall[k].q_value == overall[k].fisher_p
        for name in divisions:
            own = disciplinary[disciplinary["division"] == name].reset_index(drop=True)
            _same([by_unit[name][k]], _results((point,), own, group_rates))


def test_the_pack_reads_the_cases_once_and_counts_each_funnel_as_alone(engine, settings, monkeypatch):
    """The review pack's inputs (the decision points, eight measure funnels, trust measures and complaints)
    come from one read of the cases; every funnel is the one its measure gives read and counted alone."""
    from erreview import store
    from erreview.periods import Period

    prepare_demo(engine, settings)
    period = Period(2025, 2)
    reads = []
    real = store.cases_frame
    monkeypatch.setattr(store, "cases_frame", lambda *a, **k: reads.append(k) or real(*a, **k))
    inputs = service.pack_inputs(engine, settings, period)
    assert len(reads) == 1, reads
    monkeypatch.setattr(store, "cases_frame", real)
    window = service.pack_window(period)
    measures = [m for m in shipped_measures() if m.kind != "indicator3"]
    assert len(inputs.measure_funnels) == len(measures) == 8
    for view, measure in zip(inputs.measure_funnels, measures, strict=True):
        alone = service.case_measure_funnel(engine, measure, window, view.period)
        assert repr(view) == repr(alone)
    # The complaints over the window and the decision points, as each is read alone.
    _same([inputs.complaints], [service.complaint_results(engine, opened_from=window[0], opened_to=window[1])])
    _same(list(inputs.decisions), service.decision_results(engine, opened_from=window[0], opened_to=window[1]))
