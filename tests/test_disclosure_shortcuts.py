"""The disclosure solver's shortcuts change nothing (issue #12's run time; issue #15's first visits).

The shortcuts (completions kept as witnesses, remembered blocks, blocks cut incrementally, only the first
failure looked for) must give what the plain auditor gives, which solves every range from scratch: the same
hidden set from :func:`protect`, the same ranges and failures in its final audit and from :func:`audit`. Random
small tables with totals, a rounded rate, a rounded ratio of two rates, a second table sharing a total, upper
bounds, cells published before (``candidates``) and latent cells. The plain auditor itself is checked against
brute force in ``tests/test_disclosure.py``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from erreview.export import disclosure
from erreview.export.disclosure import Problem, Rounded, audit, protect, rounded, total_of

CELL_MAX = 12


@st.composite
def problems(draw: st.DrawFn) -> tuple[Problem, int, set[Hashable] | None]:
    """A table (2-3 rows, 2-4 columns) with row, column and grand totals; sometimes a rate, a ratio of two
    rows' rates, a second table sharing the grand total, bounds, latent cells and earlier-published cells."""
    n_rows, n_cols = draw(st.integers(2, 3)), draw(st.integers(2, 4))
    small = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8, 11]) | st.integers(0, CELL_MAX)
    cells = [[draw(small) for _ in range(n_cols)] for _ in range(n_rows)]
    values: dict[Hashable, int] = {}
    relations = []
    for r in range(n_rows):
        for c in range(n_cols):
            values[(r, c)] = cells[r][c]
        values[(r, "T")] = sum(cells[r])
        relations.append(total_of((r, "T"), [(r, c) for c in range(n_cols)]))
    for c in range(n_cols):
        values[("T", c)] = sum(cells[r][c] for r in range(n_rows))
        relations.append(total_of(("T", c), [(r, c) for r in range(n_rows)]))
    values[("T", "T")] = sum(map(sum, cells))
    relations.append(total_of(("T", "T"), [(r, "T") for r in range(n_rows)]))
    relations.append(total_of(("T", "T"), [("T", c) for c in range(n_cols)]))
    if draw(st.booleans()):  # a second breakdown of the same total
        other = draw(st.lists(small, min_size=1, max_size=2))
        rest = values[("T", "T")] - sum(other)
        if rest >= 0:
            parts = [*other, rest]
            for i, v in enumerate(parts):
                values[("B", i)] = v
            relations.append(total_of(("T", "T"), [("B", i) for i in range(len(parts))]))
    rates: list[Rounded] = []
    if draw(st.booleans()) and values[(0, "T")]:
        rates.append(rounded(values[(0, 0)] / values[(0, "T")], 4, [(0, 0)], [(0, "T")]))
    if draw(st.booleans()) and values[(0, "T")] and values[(1, "T")] and values[(1, 0)]:
        ratio = (values[(0, 0)] / values[(0, "T")]) / (values[(1, 0)] / values[(1, "T")])
        half = 0.005 * (1 + 1e-9) + 1e-12
        rates.append(Rounded(round(ratio, 2), half, ((0, 0),), ((0, "T"),), ((1, 0),), ((1, "T"),), label="ratio"))
    upper = {(r, c): CELL_MAX for r in range(n_rows) for c in range(n_cols)} if draw(st.booleans()) else {}
    keys = sorted(values, key=str)
    latent = set(draw(st.lists(st.sampled_from(keys), max_size=1)))
    published = set(values) - latent
    earlier = set(draw(st.lists(st.sampled_from(keys), max_size=3))) - latent
    candidates = (published - earlier) if earlier else None
    threshold = draw(st.integers(2, 5))
    problem = Problem(values, published, relations, rates, upper=upper, latent=latent)
    return problem, threshold, candidates


def ranges_of(found: disclosure.Audit) -> dict:
    return {k: (r.lo, r.hi) for k, r in found.ranges.items()}


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(case=problems())
@example(  # a 1 beside a 3: the small cells are seen at their true values first, never at 0
    case=(
        Problem(
            {(0, 0): 1, (0, 1): 3, (0, "T"): 4, (1, 0): 2, (1, 1): 9, (1, "T"): 11, ("T", 0): 3, ("T", 1): 12},
            {(0, 0), (0, 1), (0, "T"), (1, 0), (1, 1), (1, "T"), ("T", 0), ("T", 1)},
            [
                total_of((0, "T"), [(0, 0), (0, 1)]),
                total_of((1, "T"), [(1, 0), (1, 1)]),
                total_of(("T", 0), [(0, 0), (1, 0)]),
                total_of(("T", 1), [(0, 1), (1, 1)]),
            ],
        ),
        3,
        None,
    )
)
def test_the_shortcuts_hide_the_same_cells_with_the_same_ranges(case):
    problem, threshold, candidates = case
    fast = protect(problem, threshold, candidates=candidates, shortcuts=True)
    plain = protect(problem, threshold, candidates=candidates, shortcuts=False)
    assert fast.hidden == plain.hidden
    assert ranges_of(fast.audit) == ranges_of(plain.audit)
    assert fast.audit.failures == plain.audit.failures
    assert fast.audit.unmodelled == plain.audit.unmodelled


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(case=problems(), data=st.data())
def test_the_audit_with_shortcuts_gives_every_range_as_the_plain_audit(case, data):
    problem, threshold, _ = case
    keys = sorted(problem.values, key=str)
    hidden = set(data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=8, unique=True)))
    problem = Problem(
        problem.values,
        set(problem.values) - hidden,
        problem.relations,
        problem.rounded,
        upper=problem.upper,
        latent=problem.latent,
    )
    fast = audit(problem, threshold, shortcuts=True)
    plain = audit(problem, threshold, shortcuts=False)
    assert ranges_of(fast) == ranges_of(plain)
    assert fast.failures == plain.failures


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(case=problems(), data=st.data())
def test_cutting_blocks_incrementally_gives_the_blocks_cut_from_scratch(case, data):
    """Hiding a cell or two more redoes only their relations (``_Blocks._extend``): the blocks, their rows in
    order, and what cannot be modelled must be those :func:`_rows` and :func:`_components` give."""
    problem, _, _ = case
    keys = sorted(problem.values, key=str)
    base = set(data.draw(st.lists(st.sampled_from(keys), max_size=6, unique=True)))
    more = set(data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True))) - base
    blocks = disclosure._Blocks(problem, shortcuts=True)
    blocks.split(base)
    split = blocks.split(base | more)
    rows, unmodelled = disclosure._rows(problem, base | more)
    expected = [
        (keys, [(r.origin, r.coefs, r.const, r.equal) for r in comp_rows])
        for keys, comp_rows in disclosure._components(rows)
    ]
    got = [
        (keys, [(r.origin, r.coefs, r.const, r.equal) for r in comp_rows]) for _, keys, comp_rows in split.components()
    ]
    assert got == expected
    assert split.unmodelled(problem) == unmodelled


def test_the_shortcuts_solve_fewer_programmes():
    """The point of them: on a 4 x 5 table with totals, fewer solves than the plain auditor."""
    values: dict[Hashable, int] = {}
    relations = []
    cells = [[3, 14, 0, 22, 9], [1, 30, 12, 2, 40], [18, 6, 25, 0, 11], [9, 2, 33, 16, 4]]
    for r, row in enumerate(cells):
        for c, v in enumerate(row):
            values[(r, c)] = v
        values[(r, "T")] = sum(row)
        relations.append(total_of((r, "T"), [(r, c) for c in range(len(row))]))
    for c in range(len(cells[0])):
        values[("T", c)] = sum(row[c] for row in cells)
        relations.append(total_of(("T", c), [(r, c) for r in range(len(cells))]))
    problem = Problem(values, set(values), relations)
    counts = {}
    for shortcuts in (True, False):
        before = disclosure.lp_solves()
        found = protect(problem, 7, shortcuts=shortcuts)
        counts[shortcuts] = (disclosure.lp_solves() - before, found.hidden)
    assert counts[True][1] == counts[False][1]
    assert counts[True][0] < counts[False][0] / 2, counts


def test_each_programme_solved_is_counted_once():
    """What the benchmark and the test above count: a + b = t (10) with a (4) and b (6) hidden, solved plainly,
    is four linear programmes (each cell's least and greatest value; each optimum is a whole number, so no
    integer programme follows)."""
    problem = Problem({"t": 10, "a": 4, "b": 6}, {"t"}, [total_of("t", ["a", "b"])])
    before = disclosure.lp_solves()
    found = audit(problem, 3, shortcuts=False)
    assert disclosure.lp_solves() - before == 4
    assert (found.ranges["a"], found.ranges["b"]) == (disclosure.Range(1, 9), disclosure.Range(1, 9))


@pytest.mark.parametrize("shortcuts", [True, False])
def test_a_block_presolve_calls_infeasible_is_solved_again(shortcuts):
    """Found by the test above: HiGHS's presolve called this block (a 2 x 4 table with a second breakdown of
    its total and a rate of 50.00%, the true values a solution) "Infeasible" when maximising an unbounded
    cell, and the plain auditor stopped, calling the published cells inconsistent."""
    values: dict[Hashable, int] = {(0, 0): 1, (0, 1): 0, (0, 2): 0, (0, 3): 1, (1, 0): 0, (1, 1): 0, (1, 2): 0}
    values |= {(1, 3): 0, (0, "T"): 2, (1, "T"): 0, ("T", 0): 1, ("T", 1): 0, ("T", 2): 0, ("T", 3): 1}
    values |= {("T", "T"): 2, ("B", 0): 0, ("B", 1): 0, ("B", 2): 2}
    relations = [total_of((r, "T"), [(r, c) for c in range(4)]) for r in range(2)]
    relations += [total_of(("T", c), [(r, c) for r in range(2)]) for c in range(4)]
    relations += [
        total_of(("T", "T"), [(0, "T"), (1, "T")]),
        total_of(("T", "T"), [("T", c) for c in range(4)]),
        total_of(("T", "T"), [("B", i) for i in range(3)]),
    ]
    rate = rounded(0.5, 4, [(0, 0)], [(0, "T")])
    # (A table that may hide its zeros: the secondary cell the suppressor picks here is a 0.)
    problem = Problem(values, set(values), relations, [rate], zeros_printed=False)
    found = protect(problem, 2, candidates=set(values) - {(0, 3)}, shortcuts=shortcuts)
    assert {(0, 0), (1, 3)} <= found.hidden and found.audit.failures == []


def test_a_cell_seen_one_below_its_bound_is_not_taken_to_reach_it():
    """A cell bounded by 12 whose published row total (11) caps it at 11: seen at 11, its upper end is 11.
    (A table that may hide its zeros, so that a hidden cell's least value is 0.)"""
    values = {"a": 11, "b": 0, "row": 11}
    problem = Problem(values, {"row"}, [total_of("row", ["a", "b"])], upper={"a": 12, "b": 12}, zeros_printed=False)
    for shortcuts in (True, False):
        found = audit(problem, 5, shortcuts=shortcuts)
        assert (found.ranges["a"].lo, found.ranges["a"].hi) == (0, 11)
        assert (found.ranges["b"].lo, found.ranges["b"].hi) == (0, 11)


@pytest.mark.parametrize("shortcuts", [True, False])
def test_both_ways_still_protect_a_small_cell(shortcuts):
    """[[0, 9], [5, 3]] at threshold 4 (the example of tests/test_disclosure.py): the 3 is hidden and so is
    enough around it, both ways."""
    values = {(0, 0): 0, (0, 1): 9, (1, 0): 5, (1, 1): 3, (0, "T"): 9, (1, "T"): 8, ("T", 0): 5, ("T", 1): 12}
    relations = [
        total_of((0, "T"), [(0, 0), (0, 1)]),
        total_of((1, "T"), [(1, 0), (1, 1)]),
        total_of(("T", 0), [(0, 0), (1, 0)]),
        total_of(("T", 1), [(0, 1), (1, 1)]),
    ]
    found = protect(Problem(values, set(values), relations), 4, shortcuts=shortcuts)
    assert (1, 1) in found.hidden and found.audit.ok
    assert found.audit.ranges[(1, 1)].protects(4)


@settings(deadline=None, max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(case=problems())
@example(  # the 1 beside a 3 above: (0, 0) is settled early, before (0, 1) and (1, 0) are hidden too
    case=(
        Problem(
            {(0, 0): 1, (0, 1): 3, (0, "T"): 4, (1, 0): 2, (1, 1): 9, (1, "T"): 11, ("T", 0): 3, ("T", 1): 12},
            {(0, 0), (0, 1), (0, "T"), (1, 0), (1, 1), (1, "T"), ("T", 0), ("T", 1)},
            [
                total_of((0, "T"), [(0, 0), (0, 1)]),
                total_of((1, "T"), [(1, 0), (1, 1)]),
                total_of(("T", 0), [(0, 0), (1, 0)]),
                total_of(("T", 1), [(0, 1), (1, 1)]),
            ],
        ),
        3,
        None,
    )
)
def test_the_suppressor_reports_each_range_in_full_as_a_fresh_audit_of_what_it_hides(case):
    """The ranges :func:`protect` reports are those of a plain audit of the final hidden set, in full: not a
    range remembered from an earlier, smaller hidden set, nor only the part that showed a cell protected."""
    problem, threshold, candidates = case
    for shortcuts in (True, False):
        found = protect(problem, threshold, candidates=candidates, shortcuts=shortcuts)
        again = audit(replace(problem, published=set(problem.values) - found.hidden), threshold, shortcuts=False)
        assert ranges_of(found.audit) == {k: (again.ranges[k].lo, again.ranges[k].hi) for k in found.audit.ranges}


def test_a_block_near_a_ratio_it_cannot_write_linearly_keeps_its_completions_to_itself():
    """n (3) + m (7) = t (10, shown), and a ratio of rates (n/d) / (rn/rd) is shown. With n and d both hidden
    the ratio cannot be written linearly, so the block of n and m ignores it: its completions need not meet
    the ratio, and must not be lent to a block where it is a relation (``loose``). With d shown it is linear,
    a relation of the block like any other, and the block's completions meet it."""
    values = {"n": 3, "m": 7, "t": 10, "d": 10, "rn": 20, "rd": 40}
    ratio = Rounded(0.6, 0.005, ("n",), ("d",), ("rn",), ("rd",), label="ratio")
    problem = Problem(values, {"t", "rn", "rd"}, [total_of("t", ["n", "m"])], [ratio])

    def loose(hidden: set) -> bool:
        blocks = disclosure._Blocks(problem, shortcuts=True)
        split = blocks.split(hidden)
        [i] = [c[0] for c in split.components() if "n" in c[1]]
        return blocks.block_of(split, i).loose

    assert loose({"n", "m", "d"}) is True
    assert loose({"n", "m"}) is False


def test_a_point_that_breaks_a_relation_is_not_taken_for_a_completion():
    """a (4) + b (6) = t (10, shown): a point a = 5, b = 7 breaks the total and must not widen what the block
    has seen of a and b (a wider range seen than is true would protect a cell that is not); a = 3, b = 7
    is a completion and is taken."""
    problem = Problem({"t": 10, "a": 4, "b": 6}, {"t"}, [total_of("t", ["a", "b"])])
    blocks = disclosure._Blocks(problem, shortcuts=True)
    split = blocks.split({"a", "b"})
    [(i, keys, _)] = split.components()
    comp = blocks.block_of(split, i)
    assert keys == ["a", "b"] and (list(comp.low), list(comp.high)) == ([4, 6], [4, 6])
    comp._witness(np.array([5.0, 7.0]))
    assert (list(comp.low), list(comp.high)) == ([4, 6], [4, 6])
    comp._witness(np.array([3.0, 7.0]))
    assert (list(comp.low), list(comp.high)) == ([3, 6], [4, 7])


def test_a_hidden_count_in_no_relation_that_may_be_zero_is_judged_by_its_own_bound():
    """x (2) is in no relation, known to be at most 9, in a table that may hide a zero: 0..9 protects it at
    5 (the suppressor's quick look at such a cell uses the same range as the audit)."""
    problem = Problem({"x": 2, "y": 10}, {"x", "y"}, upper={"x": 9}, zeros_printed=False)
    found = protect(problem, 5)
    assert found.hidden == {"x"}
    assert found.audit.ok and found.audit.ranges["x"] == disclosure.Range(0, 9)
