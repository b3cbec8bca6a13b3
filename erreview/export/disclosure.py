"""Exact disclosure audit and the secondary suppression it drives (contract §5, v2).

A published table is a linear system. Every hidden count is an unknown integer ≥ 0; every published count
is a constant; every relation between cells (row and column totals, BME = the sum of its broad groups, two
decision points sharing a population, a 12-month window = the sum of its half-years, an event count never
exceeding its population) is a linear equality or inequality; and a published rounded rate or ratio is a
pair of linear inequalities between its counts (``a/n`` shown as ``r`` to ±h means ``(r-h)·n ≤ a ≤ (r+h)·n``;
a ratio of rates is linear as long as either both numerators or both denominators are published).

For each hidden count, :func:`audit` finds the range of values an attacker could infer (HiGHS linear
programming, then the integer programme wherever the linear optimum is fractional). The contract's
condition: the range must contain a value outside 1..T (zero, or more than T) and be at least T wide.
A derived value that cannot be written linearly (an interval, a p-value) is safe only when every count
under it is published, so the tables hide such values with their counts.

:func:`protect` chooses the secondary suppression: starting from the primary (counts 1..T), while some
hidden count fails, hide the published cell nearest to it (through the relations) that widens its range,
smallest value first (least information lost), and audit again. Deterministic for the same input.

Cells pinned to one value. A hidden cell whose range is a single value is disclosed, whatever it shows:
when its value is small (1..T) that is a failure like any other; when it is not (zero, or above T) it is
public in all but name, so it protects nothing (the exact ranges already see that: hiding a pinned cell
never widens another's range) and :func:`protect` shows it instead of hiding it, rather than spending
further suppression on protecting a value everyone can work out.

Earlier packs (``Problem.decided``). A new pack is audited with every pack published before it, of any
audience (:mod:`erreview.export.published`). What they printed is public and may already pin a hidden count
more narrowly than the contract asks (a board pack at threshold 7 prints an 8 that bounds a count the
community pack hides at 10 to 0..8). No later pack can widen that again; such a count passes when the new
pack narrows it no further than the earlier packs left it (the same range as with every cell the new pack
decides on hidden).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import linprog

#: A cell name: any hashable value (tables use strings; tests use tuples).
Key = Any
#: Slack for floating-point round-off when turning an optimum into integer bounds.
_EPS = 1e-6


@dataclass(frozen=True)
class Linear:
    """``Σ coef·cell + const`` is ``= 0`` (``equal``) or ``≤ 0``."""

    terms: tuple[tuple[Key, float], ...]
    equal: bool = True
    const: float = 0.0

    def cells(self) -> list[Key]:
        return [k for k, _ in self.terms]

    def holds(self, values: Mapping[Key, int]) -> bool:
        lhs = sum(c * values[k] for k, c in self.terms) + self.const
        return abs(lhs) < _EPS if self.equal else lhs < _EPS


def total_of(total: Key, parts: Iterable[Key]) -> Linear:
    """``total = Σ parts`` (one part: the two cells count the same people)."""
    return Linear(((total, 1.0), *((p, -1.0) for p in parts)))


def at_most(small: Key | Sequence[Key], big: Key | Sequence[Key]) -> Linear:
    """``Σ small ≤ Σ big`` (e.g. events never exceed their population)."""
    smalls = list(small) if isinstance(small, list | tuple) else [small]
    bigs = list(big) if isinstance(big, list | tuple) else [big]
    return Linear((*((k, 1.0) for k in smalls), *((k, -1.0) for k in bigs)), equal=False)


@dataclass(frozen=True)
class Rounded:
    """A published rounded value: ``Σnum/Σden`` (a rate), or with ``ref_*`` the ratio of two rates
    ``(Σnum/Σden) / (Σref_num/Σref_den)``, shown as ``value`` and so known to within ``± half_width``."""

    value: float
    half_width: float
    num: tuple[Key, ...]
    den: tuple[Key, ...]
    ref_num: tuple[Key, ...] = ()
    ref_den: tuple[Key, ...] = ()
    label: str = ""

    @property
    def is_ratio(self) -> bool:
        return bool(self.ref_num or self.ref_den)

    def cells(self) -> list[Key]:
        return [*self.num, *self.den, *self.ref_num, *self.ref_den]


def rounded(value: float, decimals: int, num: Sequence[Key], den: Sequence[Key], **kw: Any) -> Rounded:
    """A value printed with ``decimals`` decimals (a percentage with 2 decimals is ``decimals=4``)."""
    # A hair wider than half a unit so that the true value always satisfies the inequality.
    return Rounded(value, 0.5 * 10**-decimals * (1 + 1e-9) + 1e-12, tuple(num), tuple(den), **kw)


@dataclass(frozen=True)
class Derived:
    """A published value that cannot be modelled linearly (interval, p-value, band, flag): safe only when
    every count it rests on is published."""

    label: str
    ingredients: tuple[Key, ...]


@dataclass
class Problem:
    """Everything published (in one pack, and in the packs before it) as one system."""

    values: Mapping[Key, int]  # the true value of every cell, published or not
    published: set[Key]
    relations: Sequence[Linear] = ()
    rounded: Sequence[Rounded] = ()
    derived: Sequence[Derived] = ()
    upper: Mapping[Key, int] = field(default_factory=dict)  # known bounds (e.g. a population)
    #: Model-only cells (e.g. a half-year's count under a published 12-month count): never published;
    #: protected when their value is small.
    latent: set[Key] = field(default_factory=set)
    #: The cells the new pack decides on (None: all published cells). The rest were published by earlier
    #: packs: a hidden count they already pin down more narrowly than the contract asks cannot be widened
    #: again, so it passes when the new pack tells nothing more about it (see :func:`audit`).
    decided: set[Key] | None = None
    #: Cells protected like small counts whatever their value (a 19 of 20 that would give the 1 other away).
    sensitive: set[Key] = field(default_factory=set)

    def hidden(self) -> set[Key]:
        return set(self.values) - self.published


@dataclass(frozen=True)
class Range:
    lo: int
    hi: int | None  # None: no upper limit can be inferred

    def width(self) -> float:
        return math.inf if self.hi is None else self.hi - self.lo

    def protects(self, threshold: int) -> bool:
        """Contract §5: a value outside 1..T is possible, and the range is at least T wide."""
        outside = self.lo == 0 or self.hi is None or self.hi > threshold
        return outside and self.width() >= threshold

    @property
    def exact(self) -> bool:
        """A single value: the cell is as good as published (and protects nothing near it)."""
        return self.hi is not None and self.lo == self.hi

    def covers(self, other: Range) -> bool:
        return self.lo <= other.lo and (self.hi is None or (other.hi is not None and other.hi <= self.hi))


@dataclass
class Audit:
    ranges: dict[Key, Range]
    failures: list[Key]  # hidden counts an attacker can pin down too closely
    unmodelled: list[str]  # published derived values resting on a hidden count

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unmodelled


# --- the linear system ------------------------------------------------------------------------------


@dataclass
class _Row:
    coefs: dict[Key, float]
    const: float
    equal: bool


def _rows(problem: Problem, hidden: set[Key]) -> tuple[list[_Row], list[str]]:
    """The constraints over hidden cells, with published cells substituted; plus unmodellable values."""
    values = problem.values
    linears: list[Linear] = list(problem.relations)
    unmodelled: list[str] = []
    for r in problem.rounded:
        lo, hi = max(r.value - r.half_width, 0.0), r.value + r.half_width
        if not r.is_ratio:
            num = [(k, 1.0) for k in r.num]
            linears.append(Linear((*num, *((k, -hi) for k in r.den)), equal=False))
            linears.append(Linear((*((k, lo) for k in r.den), *((k, -c) for k, c in num)), equal=False))
            continue
        # (N/D1)/(C/D2) in [lo, hi]  <=>  lo·C·D1 <= N·D2 <= hi·C·D1: linear when D1 and D2, or N and C, are known.
        if not (set(r.den) | set(r.ref_den)) & hidden:
            d1, d2 = sum(values[k] for k in r.den), sum(values[k] for k in r.ref_den)
            n_terms = [(k, float(d2)) for k in r.num]
            linears.append(Linear((*n_terms, *((k, -hi * d1) for k in r.ref_num)), equal=False))
            linears.append(Linear((*((k, lo * d1) for k in r.ref_num), *((k, -c) for k, c in n_terms)), equal=False))
        elif not (set(r.num) | set(r.ref_num)) & hidden:
            big_n = float(sum(values[k] for k in r.num))
            big_c = float(sum(values[k] for k in r.ref_num))
            linears.append(Linear((*((k, big_n) for k in r.ref_den), *((k, -hi * big_c) for k in r.den)), equal=False))
            linears.append(Linear((*((k, lo * big_c) for k in r.den), *((k, -big_n) for k in r.ref_den)), equal=False))
        else:
            unmodelled.append(r.label or "a ratio over hidden counts and hidden populations")
    for d in problem.derived:
        if set(d.ingredients) & hidden:
            unmodelled.append(d.label)
    rows = []
    for lin in linears:
        coefs: dict[Key, float] = defaultdict(float)
        const: float = lin.const
        for k, c in lin.terms:
            if k in hidden:
                coefs[k] += c
            else:
                const += c * values[k]
        coefs = {k: c for k, c in coefs.items() if abs(c) > 1e-12}
        if coefs:
            rows.append(_Row(coefs, const, lin.equal))
    return rows, unmodelled


def _components(rows: list[_Row]) -> list[tuple[list[Key], list[_Row]]]:
    parent: dict[Key, Key] = {}

    def find(k: Key) -> Key:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for row in rows:
        first, *rest = row.coefs
        find(first)
        for k in rest:
            parent[find(k)] = find(first)
    members: dict[Key, list[Key]] = defaultdict(list)
    for k in parent:
        members[find(k)].append(k)
    by_root: dict[Key, list[_Row]] = defaultdict(list)
    for row in rows:
        by_root[find(next(iter(row.coefs)))].append(row)
    out = [(sorted(members[r], key=str), by_root[r]) for r in members]
    return sorted(out, key=lambda c: str(c[0][0]))


try:  # HiGHS through scipy's own binding: one model per block, re-solved warm for each cell (fast)
    from scipy.optimize._highspy import _core as _highs
except ImportError:  # pragma: no cover - a scipy without it falls back to linprog, slower
    _highs = None


class _Component:
    """One connected block of the system, ready for HiGHS."""

    def __init__(self, keys: list[Key], rows: list[_Row], upper: Mapping[Key, int]):
        self.keys = keys
        self.index = {k: i for i, k in enumerate(keys)}
        self.rows = rows
        self.upper = np.array([float(upper[k]) if k in upper else np.inf for k in keys])
        self.model: Any = None

    # -- with scipy's HiGHS binding (a persistent model, warm re-solves) --------------------------------
    def _build(self) -> Any:
        h = _highs._Highs()
        h.setOptionValue("output_flag", False)
        n = len(self.keys)
        inf = h.getInfinity()
        h.addVars(n, np.zeros(n), np.where(np.isinf(self.upper), inf, self.upper))
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        lower: list[float] = []
        upper_b: list[float] = []
        for r in self.rows:
            starts.append(len(index))
            for k, c in r.coefs.items():
                index.append(self.index[k])
                value.append(c)
            lower.append(-r.const if r.equal else -inf)
            upper_b.append(-r.const)
        h.addRows(
            len(self.rows),
            np.array(lower),
            np.array(upper_b),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(value, dtype=np.float64),
        )
        return h

    def _run(self, integral: bool) -> tuple[float | None, np.ndarray | None]:
        h = self.model
        n = len(self.keys)
        if integral:
            h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, _highs.HighsVarType.kInteger))
        h.run()
        status = h.getModelStatus()
        if status not in (
            _highs.HighsModelStatus.kOptimal,
            _highs.HighsModelStatus.kInfeasible,
            _highs.HighsModelStatus.kUnbounded,
            _highs.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            # HiGHS reused across objectives can end a warm-started solve as "Unknown" on a tiny, feasible
            # model (seen on a 2 x 4 table): solve once more from scratch before calling the cells inconsistent.
            h.clearSolver()
            h.run()
            status = h.getModelStatus()
        try:
            if status in (_highs.HighsModelStatus.kUnbounded, _highs.HighsModelStatus.kUnboundedOrInfeasible):
                return None, None
            if status != _highs.HighsModelStatus.kOptimal:
                raise RuntimeError(
                    f"disclosure audit: the published cells are inconsistent ({h.modelStatusToString(status)})"
                )
            return float(h.getInfo().objective_function_value), np.array(h.getSolution().col_value)
        finally:
            if integral:
                h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, _highs.HighsVarType.kContinuous))

    def _extreme_highs(self, key: Key, sign: float) -> float | None:
        if self.model is None:
            self.model = self._build()
        h = self.model
        i = self.index[key]
        h.changeColCost(i, 1.0)
        h.changeObjectiveSense(_highs.ObjSense.kMinimize if sign > 0 else _highs.ObjSense.kMaximize)
        try:
            value, x = self._run(integral=False)
            if value is None or x is None:
                return None
            if np.all(np.abs(x - np.round(x)) < 1e-7):
                return value  # an integral vertex: the integer optimum too
            value, _ = self._run(integral=True)
            return value
        finally:
            h.changeColCost(i, 0.0)

    # -- with linprog -----------------------------------------------------------------------------------
    def _extreme_linprog(self, key: Key, sign: float) -> float | None:
        n = len(self.keys)
        eq = [r for r in self.rows if r.equal]
        ub = [r for r in self.rows if not r.equal]

        def matrix(rows: list[_Row]) -> np.ndarray | None:
            if not rows:
                return None
            m = np.zeros((len(rows), n))
            for j, r in enumerate(rows):
                for k, c in r.coefs.items():
                    m[j, self.index[k]] = c
            return m

        c = np.zeros(n)
        c[self.index[key]] = sign
        bounds = [(0.0, None if np.isinf(u) else float(u)) for u in self.upper]
        value = None
        for integral in (False, True):
            res = linprog(
                c,
                A_ub=matrix(ub),
                b_ub=np.array([-r.const for r in ub]) if ub else None,
                A_eq=matrix(eq),
                b_eq=np.array([-r.const for r in eq]) if eq else None,
                bounds=bounds,
                method="highs",
                integrality=np.ones(n) if integral else None,
            )
            if res.status == 3:  # unbounded
                return None
            if res.status != 0:
                raise RuntimeError(f"disclosure audit: the published cells are inconsistent ({res.message})")
            value = sign * float(res.fun)
            if np.all(np.abs(res.x - np.round(res.x)) < 1e-7):
                break
        return value

    def extreme(self, key: Key, sign: float) -> float | None:
        """min (sign=1) or max (sign=-1) of ``key`` over the integer points of the system."""
        if _highs is not None:
            return self._extreme_highs(key, sign)
        return self._extreme_linprog(key, sign)

    def range_of(self, key: Key) -> Range:
        lo = self.extreme(key, 1.0)
        hi = self.extreme(key, -1.0)
        lo_i = math.ceil((lo or 0.0) - _EPS)
        return Range(max(lo_i, 0), None if hi is None else math.floor(hi + _EPS))


def _needs_protection(problem: Problem, key: Key, threshold: int) -> bool:
    value = problem.values[key]
    if value == 0:
        return False  # a zero identifies no one; zeros are published anyway
    return not (key in problem.latent and value > threshold)


def _small(problem: Problem, key: Key, threshold: int) -> bool:
    return key in problem.sensitive or 1 <= problem.values[key] <= threshold


class _Baseline:
    """Each cell's range when the new pack publishes nothing it decides on (what earlier packs left)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.found: dict[Key, Range] = {}
        self.components: list[tuple[list[Key], list[_Row]]] | None = None

    def range_of(self, key: Key) -> Range:
        if key not in self.found:
            p = self.problem
            if self.components is None:
                rows, _ = _rows(p, p.hidden() | (p.decided or set()))
                self.components = _components(rows)
            comp = next(((keys, rows) for keys, rows in self.components if key in keys), None)
            self.found[key] = Range(0, p.upper.get(key)) if comp is None else _Component(*comp, p.upper).range_of(key)
        return self.found[key]


def _fails(problem: Problem, key: Key, found: Range, threshold: int, baseline: _Baseline | None = None) -> bool:
    """The contract's condition for one hidden cell.

    A cell pinned to one value is disclosed: a failure when its value is small; when it is not (zero, or
    above the threshold) it is simply public, protects nothing, and :func:`protect` shows it rather than
    hiding it. A cell that earlier packs already narrowed (``Problem.decided``) passes when the new pack
    narrows it no further."""
    if not _needs_protection(problem, key, threshold):
        return False
    if found.exact and not _small(problem, key, threshold):
        return False
    if found.protects(threshold):
        return False
    if problem.decided is not None and baseline is not None:
        return found != baseline.range_of(key)
    return True


def audit(problem: Problem, threshold: int, *, hidden: set[Key] | None = None) -> Audit:
    """The range an attacker can infer for every hidden count, and which fail the contract's condition."""
    hidden = problem.hidden() if hidden is None else hidden
    missing = {k for lin in problem.relations for k in lin.cells()} - set(problem.values)
    if missing:
        raise KeyError(f"relations name cells with no value: {sorted(map(str, missing))[:5]}")
    rows, unmodelled = _rows(problem, hidden)
    ranges: dict[Key, Range] = {}
    for keys, comp_rows in _components(rows):
        comp = _Component(keys, comp_rows, problem.upper)
        for k in keys:
            ranges[k] = comp.range_of(k)
    for k in hidden:
        if k not in ranges:  # in no relation: only its own bound limits it
            ranges[k] = Range(0, problem.upper.get(k))
    baseline = _Baseline(problem)
    failures = sorted(
        (k for k in hidden if _fails(problem, k, ranges[k], threshold, baseline)),
        key=lambda k: (problem.values[k], str(k)),
    )
    return Audit(ranges, failures, unmodelled)


# --- secondary suppression --------------------------------------------------------------------------


@dataclass
class Protection:
    hidden: set[Key]
    audit: Audit
    steps: int


def _adjacency(problem: Problem) -> dict[Key, set[Key]]:
    links: dict[Key, set[Key]] = defaultdict(set)
    groups = [lin.cells() for lin in problem.relations] + [r.cells() for r in problem.rounded]
    for keys in groups:
        for k in keys:
            links[k].update(keys)
    return links


def _by_distance(links: Mapping[Key, set[Key]], start: Key) -> list[list[Key]]:
    seen = {start}
    layer = [start]
    out = []
    while layer:
        nxt = sorted({n for k in layer for n in links.get(k, ()) if n not in seen}, key=str)
        seen.update(nxt)
        if nxt:
            out.append(nxt)
        layer = nxt
    return out


class _Solver:
    """Audits one hidden set at a time, re-solving only the blocks whose unknowns changed.

    While the suppressor only adds hidden cells, ranges only widen (fewer constants, the same relations), so a
    cell that passed because its range protects it, or because the range already equals what earlier packs
    left, passes again: it is not solved again (``settled``) until a ``fresh`` audit. A cell that passed only
    because it was pinned to a value that is not small is checked each time (widening may leave it narrow)."""

    def __init__(self, problem: Problem, threshold: int):
        self.problem = problem
        self.threshold = threshold
        self.cache: dict[frozenset[Key], dict[Key, Range]] = {}
        self.baseline = _Baseline(problem)
        self.settled: dict[Key, Range] = {}

    def audit(self, hidden: set[Key], *, fresh: bool = False) -> Audit:
        rows, unmodelled = _rows(self.problem, hidden)
        ranges: dict[Key, Range] = {}
        linked: set[Key] = set()
        for keys, comp_rows in _components(rows):
            linked.update(keys)
            sig = frozenset(keys)
            if fresh or sig not in self.cache:
                comp = _Component(keys, comp_rows, self.problem.upper)
                # Only the counts that need protecting (the suppressor does not look at the others).
                needed = [k for k in keys if k in hidden and _needs_protection(self.problem, k, self.threshold)]
                self.cache[sig] = {
                    k: comp.range_of(k) if fresh or k not in self.settled else self.settled[k] for k in needed
                }
            ranges.update(self.cache[sig])
        for k in hidden:
            if k not in linked:
                ranges.setdefault(k, Range(0, self.problem.upper.get(k)))
        failures = []
        for k in hidden:
            if not _needs_protection(self.problem, k, self.threshold):
                continue
            found = ranges[k]
            if _fails(self.problem, k, found, self.threshold, self.baseline):
                failures.append(k)
            elif found.protects(self.threshold) or (
                self.problem.decided is not None and found == self.baseline.range_of(k)
            ):
                self.settled[k] = found
        failures.sort(key=lambda k: (self.problem.values[k], str(k)))
        return Audit(ranges, failures, unmodelled)

    def range_with(self, hidden: set[Key], key: Key) -> Range:
        rows, _ = _rows(self.problem, hidden)
        for keys, comp_rows in _components(rows):
            if key in keys:
                return _Component(keys, comp_rows, self.problem.upper).range_of(key)
        return Range(0, self.problem.upper.get(key))


def _determined(problem: Problem, solver: _Solver, cells: set[Key], hidden: set[Key], threshold: int) -> set[Key]:
    """Hidden cells among ``cells`` that are not small and that the published cells pin to one value: hiding
    them protects nothing (an attacker knows them), so they are shown."""
    rows, _ = _rows(problem, hidden)
    out: set[Key] = set()
    for keys, comp_rows in _components(rows):
        mine = [k for k in keys if k in cells and not _small(problem, k, threshold)]
        if mine:
            comp = _Component(keys, comp_rows, problem.upper)
            out |= {k for k in mine if comp.range_of(k).exact}
    return out


def protect(
    problem: Problem,
    threshold: int,
    *,
    candidates: set[Key] | None = None,
    max_trials: int = 12,
) -> Protection:
    """Primary suppression of counts 1..T among ``candidates`` (default: every published cell), then
    secondary suppression until every hidden count passes the audit (or nothing left can help).

    Cells outside ``candidates`` (published in an earlier pack) stay published, and a hidden count they
    already narrow more than the contract asks passes when this pack narrows it no further.
    """
    movable = set(problem.published) if candidates is None else set(candidates) & problem.published
    if candidates is not None and problem.decided is None:
        problem = replace(problem, decided=movable)  # the rest is published already (see the module)
    hidden = problem.hidden() | {k for k in movable if 1 <= problem.values[k] <= threshold}
    solver = _Solver(problem, threshold)
    links = _adjacency(problem)

    def cost(k: Key) -> tuple[bool, int, str]:
        # Smallest first (least information lost); a zero last, since a hidden zero is often plain to see.
        return problem.values[k] == 0, problem.values[k], str(k)

    stuck: set[Key] = set()
    steps = 0
    while True:
        result = solver.audit(hidden)
        failing = [k for k in result.failures if k not in stuck]
        if not failing:
            shown = _determined(problem, solver, hidden & movable, hidden, threshold)
            if shown:
                # Showing a cell the rest already pins down changes no range: the same audit holds (checked,
                # since a rate over the cell may become a relation once it is shown).
                again = solver.audit(hidden - shown, fresh=True)
                if not [k for k in again.failures if k not in stuck]:
                    return Protection(hidden - shown, again, steps)
            return Protection(hidden, solver.audit(hidden, fresh=True), steps)
        target = failing[0]
        before = result.ranges[target]
        choice = None
        tried = 0
        for layer in _by_distance(links, target):
            options = sorted((k for k in layer if k in movable and k not in hidden), key=cost)
            widening = None
            for k in options:
                if tried >= max_trials:
                    break
                tried += 1
                after = solver.range_with(hidden | {k}, target)
                if after.protects(threshold) or (
                    problem.decided is not None and after == solver.baseline.range_of(target)
                ):
                    choice = k
                    break
                if widening is None and not before.covers(after):
                    widening = k
            choice = choice or widening
            if choice is not None or tried >= max_trials:
                break
        if choice is None:
            # Nothing near widens it on its own: hide the smallest neighbour and look again.
            layers = [[k for k in layer if k in movable and k not in hidden] for layer in _by_distance(links, target)]
            near = next((layer for layer in layers if layer), None)
            if near is None:
                stuck.add(target)  # fixed by what was published before: nothing in this pack can help
                continue
            choice = min(near, key=cost)
        hidden.add(choice)
        steps += 1
