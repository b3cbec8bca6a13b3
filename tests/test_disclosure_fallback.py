"""The disclosure auditor's fallback solver (scipy's ``linprog``, used when scipy has no ``_highspy`` binding)
gives the same ranges as plain enumeration, says when a count has no upper limit, and refuses inconsistent
published cells, as the HiGHS path does (mutation testing found it ran in no test; issue #14)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erreview.export import disclosure
from erreview.export.disclosure import Problem, Range, at_most, audit, total_of

from .test_disclosure import auditor_problem, brute_ranges, tables


@pytest.fixture(params=["highs", "linprog"])
def solver(request, monkeypatch):
    if request.param == "linprog":
        monkeypatch.setattr(disclosure, "_highs", None)
    else:
        assert disclosure._highs is not None, "this scipy has no HiGHS binding: only the fallback can be tested"
    return request.param


@pytest.mark.parametrize(
    ("cells", "hidden", "rate"),
    [
        ([[3, 4], [5, 6]], {(0, 0), (0, 1), (1, 0), (1, 1)}, None),
        ([[1, 8, 2], [4, 0, 9]], {(0, 0), (1, 1), (0, "T")}, None),
        # a rounded rate beside the table: the relaxation's optimum is fractional, the integer one is not
        ([[2, 7], [5, 3]], {(0, 0), (0, 1)}, ((0, 0), (0, "T"), round(2 / 9, 4))),
    ],
)
def test_both_solvers_find_the_ranges_enumeration_finds(solver, cells, hidden, rate):
    problem = auditor_problem(cells, set(auditor_problem(cells, None, None).values) - hidden, rate)
    found = audit(problem, 3).ranges
    assert {k: (found[k].lo, found[k].hi) for k in hidden} == brute_ranges(cells, hidden, rate)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(cells=tables, data=st.data())
def test_the_fallback_solver_matches_enumeration(cells, data):
    keys = sorted(auditor_problem(cells, None, None).values, key=str)
    hidden = set(data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4, unique=True)))
    problem = auditor_problem(cells, set(keys) - hidden, None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(disclosure, "_highs", None)
        found = audit(problem, 3).ranges
    assert {k: (found[k].lo, found[k].hi) for k in hidden} == brute_ranges(cells, hidden, None)


def test_a_hidden_population_with_no_upper_limit_has_no_upper_end(solver):
    # 3 events are shown; their population (10) is hidden and nothing bounds it from above
    problem = Problem({"events": 3, "population": 10}, {"events"}, [at_most("events", "population")])
    assert audit(problem, 5).ranges["population"] == Range(3, None)


def test_published_cells_that_contradict_each_other_are_refused(solver):
    # the total says 10, its shown part 12: no count of the hidden part makes that true
    problem = Problem({"t": 10, "a": 12, "b": 1}, {"t", "a"}, [total_of("t", ["a", "b"])])
    with pytest.raises(RuntimeError, match="inconsistent"):
        audit(problem, 5)


def test_a_hidden_count_in_no_relation_is_limited_only_by_its_own_bound():
    """...and by being printed as `*`, which is never a zero (at least 1)."""
    problem = Problem({"shown": 40, "alone": 3, "capped": 2}, {"shown"}, upper={"capped": 12})
    ranges = audit(problem, 5).ranges
    assert (ranges["alone"], ranges["capped"]) == (Range(1, None), Range(1, 12))
    # A table that may hide a zero tells a reader nothing of the sort.
    ranges = audit(replace(problem, zeros_printed=False), 5).ranges
    assert (ranges["alone"], ranges["capped"]) == (Range(0, None), Range(0, 12))


def test_a_relation_naming_a_cell_with_no_value_is_refused_naming_it():
    problem = Problem({"t": 10, "a": 4}, {"t"}, [total_of("t", ["a", "forgotten"])])
    with pytest.raises(KeyError, match="forgotten"):
        audit(problem, 5)


def test_a_count_earlier_packs_pinned_fails_only_if_this_pack_pins_it():
    """b (3) = t (20) - a (17). If an earlier pack printed both t and a, this pack tells nothing new about b;
    if this pack is the one deciding to print a, it gives b away."""
    values = {"t": 20, "a": 17, "b": 3}
    relations = [total_of("t", ["a", "b"])]
    earlier = Problem(values, {"t", "a"}, relations, decided=set())
    assert audit(earlier, 5).failures == []
    this_pack = Problem(values, {"t", "a"}, relations, decided={"a"})
    assert audit(this_pack, 5).failures == ["b"]


def test_a_bound_known_before_is_not_a_new_disclosure():
    """x (2) in no relation, known to be at most 3: narrower than the contract asks, but the pack adds nothing."""
    values = {"x": 2, "y": 10}
    assert audit(Problem(values, {"y"}, upper={"x": 3}, decided={"y"}), 5).failures == []
    assert audit(Problem(values, {"y"}, upper={"x": 3}), 5).failures == ["x"]


def test_what_earlier_packs_left_is_judged_without_a_relation_a_reader_might_only_assume():
    """x (3, a first half-year's entrants, `*` in an earlier pack) is at most c (5, the year-end headcount) only
    if nobody left: an assumption. A new pack printing y (6) with x <= y by definition narrows x to 1..6 for a
    reader who does not assume it. Judged with the assumption, earlier packs already left 1..5 and y changes
    nothing, so the count passed; without it, earlier packs left x unbounded above and y narrows it."""
    values = {"x": 3, "c": 5, "y": 6}
    relations = [at_most("x", "c", assumed=True), at_most("x", "y")]
    found = audit(Problem(values, {"c", "y"}, relations, decided={"y"}), 5)
    assert found.ranges["x"] == Range(1, 5)
    assert found.failures == ["x"]
    # Relied on by definition (a half-year's entrants are among its staff), the earlier bound stands.
    relations = [at_most("x", "c"), at_most("x", "y")]
    assert audit(Problem(values, {"c", "y"}, relations, decided={"y"}), 5).failures == []


def test_failures_of_equal_value_are_listed_by_name_whatever_the_order_of_the_hidden_cells():
    """The failures are in a fixed order (value, then name as text), so a pack lists them the same way each
    time: the cells 9 and 10 (both 2, both at most 3) come as 10, 9 ("10" < "9"), though a set of them
    iterates 9 first."""
    problem = Problem({9: 2, 10: 2, 11: 40}, {11}, upper={9: 3, 10: 3})
    assert list({9, 10}) == [9, 10]  # the order the mutant would keep
    assert audit(problem, 5).failures == [10, 9]
