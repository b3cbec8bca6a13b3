"""Disclosure control that survives differencing (contract §5 v2, issue #12).

Two independent oracles check the suppression: an integer programme written here (scipy's ``milp`` on a
matrix this file builds itself) for the regression tables, and plain enumeration of every integer
completion for the random small tables of the property test. Neither uses the auditor's code.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from erreview.export.disclosure import Problem, Range, audit, protect, rounded, total_of
from erreview.export.suppression import Relation, suppress
from erreview.export.tables import panel_table

T = 7


def milp_ranges(
    published: dict[Hashable, int | None], relations: list[tuple[Hashable, tuple[Hashable, ...]]]
) -> dict[Hashable, tuple[int, int]]:
    """What a reader can infer about each hidden cell (``None``) from the published ones and the totals."""
    hidden = sorted((k for k, v in published.items() if v is None), key=str)
    col = {k: i for i, k in enumerate(hidden)}
    rows, rhs = [], []
    for total, parts in relations:
        row = np.zeros(len(hidden))
        known = 0
        for key, sign in [(total, 1), *((p, -1) for p in parts)]:
            if key in col:
                row[col[key]] += sign
            else:
                known += sign * published[key]
        if row.any():
            rows.append(row)
            rhs.append(-known)
    out = {}
    for key in hidden:
        ends = []
        for sign in (1, -1):
            c = np.zeros(len(hidden))
            c[col[key]] = sign
            res = milp(
                c,
                constraints=[LinearConstraint(np.array(rows), rhs, rhs)] if rows else [],
                integrality=np.ones(len(hidden)),
                bounds=Bounds(0, 10**6),
            )
            assert res.status == 0
            ends.append(round(sign * res.fun))
        out[key] = (ends[0], ends[1])
    return out


def protected(lo: int, hi: int, threshold: int = T) -> bool:
    return (lo == 0 or hi > threshold) and hi - lo >= threshold


def two_row_table(row_a: list[int], row_b: list[int]) -> tuple[dict, list[Relation]]:
    """The property test's shape: two rows, row totals, column totals."""
    values: dict[Hashable, int] = {}
    relations = []
    for r, row in enumerate((row_a, row_b)):
        for c, v in enumerate(row):
            values[(r, c)] = v
        values[(r, "T")] = sum(row)
        relations.append(Relation((r, "T"), tuple((r, c) for c in range(len(row)))))
    for c in range(len(row_a)):
        values[("T", c)] = row_a[c] + row_b[c]
        relations.append(Relation(("T", c), ((0, c), (1, c))))
    return values, relations


@pytest.mark.parametrize(
    ("row_a", "row_b", "recovered"),
    [
        # Column 0's total (5) = row totals 78 + 72 minus the other column totals 78 + 67.
        ([0, 57, 21], [5, 21, 46], ("T", 0)),
        # Column 1's total (6) = 38 + 46 - 78.
        ([36, 2], [42, 4], ("T", 1)),
    ],
)
def test_a_linear_combination_of_totals_recovers_no_hidden_count(row_a, row_b, recovered):
    values, relations = two_row_table(row_a, row_b)
    hidden = suppress(values, relations, threshold=T)
    published = {k: (None if k in hidden else v) for k, v in values.items()}
    ranges = milp_ranges(published, [(r.total, r.parts) for r in relations])
    assert recovered in ranges, "the small total must be hidden"
    for key, (lo, hi) in ranges.items():
        assert lo <= values[key] <= hi
        if values[key]:
            assert protected(lo, hi), (key, values[key], (lo, hi))


def test_the_pack_panel_table_leaks_nothing():
    """A panel table that the single-total rule left open: 'no further action, not stated' (3) followed."""
    counts = {
        ("proceed", "BME"): 0,
        ("proceed", "White"): 12,
        ("proceed", "Unknown"): 3,
        ("divert_informal", "BME"): 5,
        ("divert_informal", "White"): 30,
        ("divert_informal", "Unknown"): 20,
        ("no_further_action", "BME"): 0,
        ("no_further_action", "White"): 3,
        ("no_further_action", "Unknown"): 0,
        ("more_information", "BME"): 20,
        ("more_information", "White"): 10,
        ("more_information", "Unknown"): 10,
    }
    # The same counts before a formal investigation; before a suspension, a few of them again.
    steps = {"formal_investigation": counts, "suspension": {k: n // 4 for k, n in counts.items()}}
    reviews = pd.DataFrame(
        [(s, d, g) for s, by in steps.items() for (d, g), n in by.items() for _ in range(n)],
        columns=["step", "decision", "wres_group"],
    )
    table = panel_table(reviews, T)
    from erreview.review.panel import DECISION_LABELS

    decisions = [*DECISION_LABELS, "All"]  # counts above are zero for decisions they do not name
    groups = ["BME", "White", "Not stated", "All"]
    rows = [(s, d) for s in steps for d in decisions] + [("both", "All")]
    published: dict[Hashable, int | None] = {}
    truth: dict[Hashable, int] = {}
    for (s, d), (_, row) in zip(rows, table.iterrows(), strict=True):
        for g in groups:
            published[(s, d, g)] = None if row[g] == "*" else int(row[g])
            grp = "Unknown" if g == "Not stated" else g
            truth[(s, d, g)] = sum(
                n
                for step, by in steps.items()
                if s in ("both", step)
                for (dd, gg), n in by.items()
                if d in ("All", dd) and grp in ("All", gg)
            )
    relations = [((s, d, "All"), tuple((s, d, g) for g in groups[:-1])) for s, d in rows]
    relations += [((s, "All", g), tuple((s, d, g) for d in decisions[:-1])) for s in steps for g in groups]
    relations += [(("both", "All", g), tuple((s, "All", g) for s in steps)) for g in groups]
    for key, (lo, hi) in milp_ranges(published, relations).items():
        if truth[key]:
            assert protected(lo, hi), (key, truth[key], (lo, hi))


def test_a_published_rate_is_a_relation_between_its_counts():
    """1.48% of a published 539 can only be 8: hiding the 8 but showing the rate hides nothing."""
    values = {"entrants": 8, "headcount": 539}
    rate = rounded(8 / 539, 4, ["entrants"], ["headcount"])
    result = audit(Problem(values, {"headcount"}, rounded=[rate]), T)
    assert result.ranges["entrants"] == Range(8, 8)
    # Pinned, but not a small count: public in all but name (the suppressor would show it), not a failure.
    assert result.failures == []
    # 1.48% of 337 can only be 5: a small count pinned by a rate is disclosed.
    values = {"entrants": 5, "headcount": 337}
    rate = rounded(5 / 337, 4, ["entrants"], ["headcount"])
    result = audit(Problem(values, {"headcount"}, rounded=[rate]), T)
    assert result.ranges["entrants"] == Range(5, 5)
    assert result.failures == ["entrants"]


def test_a_ratio_over_hidden_counts_and_hidden_populations_is_not_published_silently():
    from erreview.export.disclosure import Rounded

    values = {"a": 5, "n1": 6, "c": 9, "n2": 100}
    ratio = Rounded(13.9, 0.005, ("a",), ("n1",), ("c",), ("n2",), label="ratio")
    result = audit(Problem(values, {"c", "n2"}, rounded=[ratio]), T)
    assert result.unmodelled == ["ratio"]


# --- property test: the auditor's intervals against enumeration ------------------------------------------

CELL_MAX = 9


def brute_ranges(cells: list[list[int]], hidden: set, rate: tuple | None) -> dict:
    """Enumerate every integer completion (each inner cell 0..CELL_MAX) consistent with what is shown, to a
    reader who knows that zeros are printed: a hidden cell that is not 0 is at least 1 (a `*` is never 0)."""
    rows, cols = len(cells), len(cells[0])
    inner = [(r, c) for r in range(rows) for c in range(cols)]
    free = [k for k in inner if k in hidden]
    # Every combination of the hidden inner cells at once, one column per completion.
    combos = np.array(list(itertools.product(range(CELL_MAX + 1), repeat=len(free))), dtype=np.int64).T
    n = combos.shape[1]
    grid = {k: np.full(n, cells[k[0]][k[1]], dtype=np.int64) for k in inner}
    for i, k in enumerate(free):
        grid[k] = combos[i]
    full = dict(grid)
    for r in range(rows):
        full[(r, "T")] = sum(grid[(r, c)] for c in range(cols))
    for c in range(cols):
        full[("T", c)] = sum(grid[(r, c)] for r in range(rows))
    full[("T", "T")] = sum(grid.values())
    truth = {(r, c): cells[r][c] for r, c in inner}
    truth |= {(r, "T"): sum(cells[r]) for r in range(rows)}
    truth |= {("T", c): sum(cells[r][c] for r in range(rows)) for c in range(cols)}
    truth[("T", "T")] = sum(map(sum, cells))
    ok = np.ones(n, dtype=bool)
    for k, v in full.items():
        if k not in hidden:
            ok &= v == truth[k]
        elif truth[k] > 0:
            ok &= v >= 1
    if rate is not None:
        num, den, shown = rate
        with np.errstate(divide="ignore", invalid="ignore"):
            ok &= (full[den] > 0) & (np.abs(full[num] / full[den] - shown) <= 0.00005 + 1e-12)
    return {k: (int(full[k][ok].min()), int(full[k][ok].max())) for k in hidden}


def auditor_problem(cells: list[list[int]], published: set | None, rate: tuple | None) -> Problem:
    rows, cols = len(cells), len(cells[0])
    values = {(r, c): cells[r][c] for r in range(rows) for c in range(cols)}
    relations = []
    for r in range(rows):
        values[(r, "T")] = sum(cells[r])
        relations.append(total_of((r, "T"), [(r, c) for c in range(cols)]))
    for c in range(cols):
        values[("T", c)] = sum(cells[r][c] for r in range(rows))
        relations.append(total_of(("T", c), [(r, c) for r in range(rows)]))
    values[("T", "T")] = sum(map(sum, cells))
    relations.append(total_of(("T", "T"), [(r, "T") for r in range(rows)]))
    relations.append(total_of(("T", "T"), [("T", c) for c in range(cols)]))
    upper = {(r, c): CELL_MAX for r in range(rows) for c in range(cols)}
    rates = [rounded(rate[2], 4, [rate[0]], [rate[1]])] if rate else []
    return Problem(values, set(values) if published is None else published, relations, rates, upper=upper)


tables = st.integers(2, 3).flatmap(
    lambda cols: st.lists(st.lists(st.integers(0, CELL_MAX), min_size=cols, max_size=cols), min_size=2, max_size=2)
)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cells=tables, data=st.data(), threshold=st.integers(2, 5), with_rate=st.booleans())
def test_auditor_intervals_match_enumeration(cells, data, threshold, with_rate):
    problem = auditor_problem(cells, None, None)
    keys = sorted(problem.values, key=str)
    hidden = set(data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=5, unique=True)))
    # A rate (row 0's first cell over row 0's total, as a percentage to 2 dp) shown beside the table.
    rate = None
    if with_rate and problem.values[(0, "T")]:
        rate = ((0, 0), (0, "T"), round(problem.values[(0, 0)] / problem.values[(0, "T")], 4))
    problem = auditor_problem(cells, set(problem.values) - hidden, rate)
    expected = brute_ranges(cells, hidden, rate)
    result = audit(problem, threshold)
    assert {k: (r.lo, r.hi) for k, r in result.ranges.items() if k in hidden} == expected


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(cells=tables, threshold=st.integers(2, 4))
def test_every_hidden_small_cell_is_protected(cells, threshold):
    problem = auditor_problem(cells, None, None)
    hidden = protect(problem, threshold).hidden
    shown = {k: v for k, v in problem.values.items() if k not in hidden}
    assert not any(1 <= v <= threshold for v in shown.values())
    for key, (lo, hi) in brute_ranges(cells, hidden, None).items():
        if problem.values[key]:
            assert protected(lo, hi, threshold), (key, problem.values[key], (lo, hi))


#: Tables with many zeros and small counts, where cells are often pinned by the others (a row of zeros, a
#: column whose total leaves one value).
sparse_tables = st.integers(2, 3).flatmap(
    lambda cols: st.lists(
        st.lists(st.sampled_from([0, 0, 0, 1, 2, 3, 5, 9]) | st.integers(0, CELL_MAX), min_size=cols, max_size=cols),
        min_size=2,
        max_size=2,
    )
)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cells=sparse_tables, threshold=st.integers(2, 4))
def test_no_hidden_cell_is_pinned_to_one_value(cells, threshold):
    """A hidden cell every completion gives the same value protects nothing: a small one is a failure (so the
    suppressor must have widened it), any other is public in all but name and is shown, never counted on."""
    problem = auditor_problem(cells, None, None)
    hidden = protect(problem, threshold).hidden
    for key, (lo, hi) in brute_ranges(cells, hidden, None).items():
        assert lo < hi, (key, problem.values[key], hidden)
        if 1 <= problem.values[key] <= threshold:
            assert protected(lo, hi, threshold), (key, problem.values[key], (lo, hi))


def test_a_cell_pinned_by_the_others_is_shown_not_protected():
    """[[0, 9], [5, 3]] at threshold 4: hiding the 5 beside the 3 does not help (the 0 above it and its column
    total pin it), and the suppressor used to go on protecting that pinned 5 too, hiding six cells. The least
    suppression that protects the 3, found here by trying every set of cells, hides four, and so does the
    suppressor now."""
    cells, threshold = [[0, 9], [5, 3]], 4
    problem = auditor_problem(cells, None, None)
    hidden = protect(problem, threshold).hidden
    keys = sorted(problem.values, key=str)

    def safe(chosen: set) -> bool:
        if (1, 1) not in chosen:
            return False
        ranges = brute_ranges(cells, chosen, None)
        return all(protected(*ranges[k], threshold) for k in chosen if 1 <= problem.values[k] <= threshold) and all(
            lo < hi for lo, hi in ranges.values()
        )

    least = next(n for n in range(1, len(keys) + 1) if any(safe(set(c)) for c in itertools.combinations(keys, n)))
    assert safe(hidden)
    assert len(hidden) == least == 4
    assert (1, 0) not in hidden and (0, 0) not in hidden


# --- the threshold setting ----------------------------------------------------------------------------


def test_the_threshold_cannot_be_set_below_five():
    from pydantic import ValidationError

    from erreview.config import Settings

    with pytest.raises(ValidationError, match=r"at least 5 \(you entered 4\)"):
        Settings(suppression_threshold=4)
    assert Settings(suppression_threshold=5).suppression_threshold == 5


def test_a_threshold_change_is_refused_plainly_below_five_and_audited(engine, settings):
    from erreview import service, store
    from erreview.config import SettingRefused
    from erreview.store import audit as audit_log

    with pytest.raises(SettingRefused) as refused:
        service.change_setting(engine, settings, "suppression_threshold", "0", user="admin1")
    assert "suppression threshold: at least 5 (you entered 0)" in refused.value.message
    assert "Value error" not in refused.value.message
    assert service.effective_settings(engine, settings).suppression_threshold == 7
    service.change_setting(engine, settings, "suppression_threshold", "9", user="admin1")
    assert service.effective_settings(engine, settings).suppression_threshold == 9
    with store.session_scope(engine) as session:
        entries = audit_log.entries_for(session, "setting", "suppression_threshold")
        assert [(e.actor, e.detail) for e in entries] == [("admin1", {"value": "9", "previous": "7"})]
        assert audit_log.verify_chain(session).ok


def test_a_stored_threshold_below_five_from_before_is_ignored(engine, settings):
    from erreview import service, store

    with store.session_scope(engine) as session:
        store.set_setting_override(session, "suppression_threshold", "2")
    assert service.effective_settings(engine, settings).suppression_threshold == 7


def test_each_exported_pack_is_recorded_once(engine, settings, tmp_path):
    from erreview import service, store
    from erreview.export.published import PublishedRecord
    from erreview.periods import parse_period
    from erreview.store import published

    from .conftest import EXAMPLES

    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    pack = service.review_pack(engine, settings, parse_period("2024/25-H2"))
    assert pack.record is not None and pack.audit is not None and pack.audit.ok
    for _ in range(2):
        service.record_export(engine, user="u", period="2024/25-H2", files=["x"], record=pack.record.to_json())
    with store.session_scope(engine) as session:
        records = published.published_records(session)
    assert len(records) == 1
    again = PublishedRecord.from_json(records[0])
    assert again == pack.record
    # Shown counts are never small; the record knows which were hidden.
    assert all(not 1 <= again.values[k] <= 7 for k in again.published)


def test_a_published_record_keeps_every_part_of_a_relation_through_json():
    """A relation's constant and whether it is only assumed survive storing the record (mutation testing found
    a constant dropped on reading unnoticed: no stored relation had one)."""
    import json

    from erreview.export.disclosure import Linear, at_most
    from erreview.export.published import PublishedRecord

    relations = (
        Linear((("t", 1.0), ("a", -1.0), ("b", -1.0)), equal=True, const=-3.0),
        at_most("a", "c", assumed=True),
        Linear((("b", 1.0),), equal=False, const=-2.5, assumed=True),
    )
    record = PublishedRecord("2024/25-H2", 7, {"t": 12, "a": 6, "b": 3, "c": 9}, ("b",), ("c",), relations)
    again = PublishedRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert [(r.terms, r.equal, r.const, r.assumed) for r in again.relations] == [
        ((("t", 1.0), ("a", -1.0), ("b", -1.0)), True, -3.0, False),
        ((("a", 1.0), ("c", -1.0)), False, 0.0, True),
        ((("b", 1.0),), False, -2.5, True),
    ]
    assert again == record


def test_a_count_in_two_earlier_packs_is_one_unknown_across_them():
    """x (3) and y (9), hidden in two earlier packs and absent from this one: the first printed x + y = 12,
    the second y = x + 6 (w = 6 printed). Each alone leaves x wide; together x = 3, which only shows if a cell
    with the same name and value in two earlier packs is one unknown (not x@0 and x@1). The second pack's
    bound ``w <= 6`` keeps its constant."""
    from erreview.export.disclosure import Linear
    from erreview.export.published import PublishedRecord, combined_problem
    from erreview.export.tables import Cells

    bound = Linear((("w", 1.0),), equal=False, const=-6.0)
    first = PublishedRecord("2024/25-H1", 5, {"x": 3, "y": 9, "t": 12}, ("x", "y"), (), (total_of("t", ["x", "y"]),))
    second = PublishedRecord(
        "2024/25-H2", 5, {"x": 3, "y": 9, "w": 6}, ("x", "y"), (), (total_of("y", ["x", "w"]), bound)
    )
    problem, fixed = combined_problem(Cells({"c": 50}), [first, second])
    assert set(problem.values) == {"c", "x", "y", "t", "w"} and fixed == set()
    assert bound in problem.relations
    found = audit(problem, 5)
    assert (found.ranges["x"], found.ranges["y"]) == (Range(3, 3), Range(9, 9))
    assert found.failures == ["x"]


def test_a_count_an_earlier_pack_printed_is_never_hidden_again_to_protect_another():
    """b (3) = t (12) - a (9). An earlier pack printed a, so hiding a now protects nothing: t is hidden
    instead, though a is the smaller (b is then at least 1 with no upper end)."""
    from erreview.export.published import PublishedRecord, hide_with_earlier
    from erreview.export.tables import Cells

    cells = Cells({"t": 12, "a": 9, "b": 3}, [total_of("t", ["a", "b"])])
    earlier = PublishedRecord("2024/25-H1", 7, {"a": 9}, (), (), ())
    hidden, found = hide_with_earlier(cells, 7, [earlier])
    assert hidden == {"b", "t"}
    assert found.ok and found.ranges["b"] == Range(1, None)


def test_a_community_pack_is_first_made_safe_among_community_packs_alone():
    """b (3) = t (12) - a (9), at the community threshold 10. Among community packs alone (none before it) a
    and b are both small: hidden, each is 1..11 from t, wide enough. A board pack printed a; among every pack
    t then gives b away, so t is hidden too; b is then at least 1 with no upper end, and a stays a `*`."""
    from erreview.export.published import PublishedRecord, hide_with_earlier
    from erreview.export.tables import Cells

    cells = Cells({"t": 12, "a": 9, "b": 3}, [total_of("t", ["a", "b"])])
    board = PublishedRecord("2024/25-H1", 7, {"a": 9}, (), (), ())
    assert hide_with_earlier(cells, 10, [])[0] == {"a", "b"}
    hidden, found = hide_with_earlier(cells, 10, [board], own_audience=[])
    assert hidden == {"a", "b", "t"}
    assert found.ok and found.ranges["b"] == Range(1, None)


def test_a_zero_is_hidden_last_where_zeros_may_be_hidden():
    """a (3) = t1 (11) - b (8) and a = t2 (12) - c (0) - e (9), in a table that may hide zeros. No one cell
    hidden beside a widens it (each total pins it alone), so the smallest neighbour that is not a zero is hidden
    (b, not c: a hidden zero is often plain to see); then e, which leaves a 0..11. c stays shown."""
    values = {"a": 3, "b": 8, "c": 0, "e": 9, "t1": 11, "t2": 12}
    relations = [total_of("t1", ["a", "b"]), total_of("t2", ["a", "c", "e"])]
    found = protect(Problem(values, set(values), relations, zeros_printed=False), 5)
    assert found.hidden == {"a", "b", "e"}
    assert found.audit.ok and found.audit.ranges["a"] == Range(0, 11)
