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

Speed (issue #12: under 2 s on a 13,000-staff pack). A pack's cells are mostly one block of about 170 unknowns
and 330 rows, and :func:`protect` audits it again after each cell it hides and tries up to 12 cells each time.
The solver's shortcuts (:data:`SHORTCUTS`; off, every range is solved from scratch, the reference the tests
compare with) give the same answers with about a fifth of the solves: every integer solution is a completion
of the block, a witness for every cell at once (a cell seen at 0 and at T or more is protected, with no solve);
blocks are remembered and cut incrementally; and only the first failure, the one :func:`protect` acts on, is
looked for between the fresh audits. ``benchmarks/bench_disclosure.py`` measures it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import partial
from operator import attrgetter
from typing import Any

import numpy as np
from scipy.optimize import linprog

#: A cell name: any hashable value (tables use strings; tests use tuples).
Key = Any
#: Slack for floating-point round-off when turning an optimum into integer bounds.
_EPS = 1e-6


@dataclass(frozen=True)
class Linear:
    """``Σ coef·cell + const`` is ``= 0`` (``equal``) or ``≤ 0``. ``assumed``: true of these numbers but not
    by definition (a year's entrants at most its year-end headcount: not so if people left), so a reader may
    take it for granted and be right; it narrows what a reader infers, never what earlier packs are taken to
    have left (:class:`_Baseline`)."""

    terms: tuple[tuple[Key, float], ...]
    equal: bool = True
    const: float = 0.0
    assumed: bool = False

    def cells(self) -> list[Key]:
        return [k for k, _ in self.terms]

    def holds(self, values: Mapping[Key, int]) -> bool:
        lhs = sum(c * values[k] for k, c in self.terms) + self.const
        return abs(lhs) < _EPS if self.equal else lhs < _EPS


def total_of(total: Key, parts: Iterable[Key]) -> Linear:
    """``total = Σ parts`` (one part: the two cells count the same people)."""
    return Linear(((total, 1.0), *((p, -1.0) for p in parts)))


def at_most(small: Key | Sequence[Key], big: Key | Sequence[Key], *, assumed: bool = False) -> Linear:
    """``Σ small ≤ Σ big`` (e.g. events never exceed their population)."""
    smalls = list(small) if isinstance(small, list | tuple) else [small]
    bigs = list(big) if isinstance(big, list | tuple) else [big]
    return Linear((*((k, 1.0) for k in smalls), *((k, -1.0) for k in bigs)), equal=False, assumed=assumed)


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
    #: Least values a reader knows for cells beyond the rule below (e.g. a row listed only when it holds a case).
    lower: Mapping[Key, int] = field(default_factory=dict)
    #: Zeros are printed as 0 and never hidden, so a reader knows every ``*`` is at least 1: each hidden cell
    #: that is printed (not latent) gets 1 as its least value. False: only ``lower`` (a table that hides zeros).
    zeros_printed: bool = True

    def hidden(self) -> set[Key]:
        return set(self.values) - self.published

    def floor(self, key: Key) -> int:
        """The least value a reader knows ``key`` has when it is hidden (never above its true value)."""
        least = self.lower.get(key, 0)
        if self.zeros_printed and key not in self.latent:
            least = max(least, 1)
        return min(least, self.values[key])


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
    #: Which relation it comes from (its index among the relations, then the rounded values) and which of
    #: that relation's inequalities: the same relation over the same hidden cells always gives the same row.
    origin: tuple[int, int] = (0, 0)
    #: Its cells' numbers in the whole problem and their coefficients (made once, by :class:`_Component`).
    arrays: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)


_origin = attrgetter("origin")


def _item_linears(problem: Problem, item: int, hidden: AbstractSet[Key]) -> tuple[list[Linear], str | None]:
    """Relation number ``item`` (the relations, then the rounded values) as linear constraints, given which
    cells are hidden; or the label of a rounded ratio that cannot be written linearly over them."""
    relations = problem.relations
    if item < len(relations):
        return [relations[item]], None
    r = problem.rounded[item - len(relations)]
    values = problem.values
    lo, hi = max(r.value - r.half_width, 0.0), r.value + r.half_width
    if not r.is_ratio:
        num = [(k, 1.0) for k in r.num]
        return [
            Linear((*num, *((k, -hi) for k in r.den)), equal=False),
            Linear((*((k, lo) for k in r.den), *((k, -c) for k, c in num)), equal=False),
        ], None
    # (N/D1)/(C/D2) in [lo, hi]  <=>  lo·C·D1 <= N·D2 <= hi·C·D1: linear when D1 and D2, or N and C, are known.
    if not (set(r.den) | set(r.ref_den)) & hidden:
        d1, d2 = sum(values[k] for k in r.den), sum(values[k] for k in r.ref_den)
        n_terms = [(k, float(d2)) for k in r.num]
        return [
            Linear((*n_terms, *((k, -hi * d1) for k in r.ref_num)), equal=False),
            Linear((*((k, lo * d1) for k in r.ref_num), *((k, -c) for k, c in n_terms)), equal=False),
        ], None
    if not (set(r.num) | set(r.ref_num)) & hidden:
        big_n = float(sum(values[k] for k in r.num))
        big_c = float(sum(values[k] for k in r.ref_num))
        return [
            Linear((*((k, big_n) for k in r.ref_den), *((k, -hi * big_c) for k in r.den)), equal=False),
            Linear((*((k, lo * big_c) for k in r.den), *((k, -big_n) for k in r.ref_den)), equal=False),
        ], None
    return [], r.label or "a ratio over hidden counts and hidden populations"


def _row(problem: Problem, lin: Linear, hidden: AbstractSet[Key], origin: tuple[int, int]) -> _Row | None:
    """``lin`` over the hidden cells, published cells substituted (None: no hidden cell left in it)."""
    values = problem.values
    coefs: dict[Key, float] = defaultdict(float)
    const: float = lin.const
    for k, c in lin.terms:
        if k in hidden:
            coefs[k] += c
        else:
            const += c * values[k]
    coefs = {k: c for k, c in coefs.items() if abs(c) > 1e-12}
    return _Row(coefs, const, lin.equal, origin) if coefs else None


def _item_rows(problem: Problem, item: int, hidden: AbstractSet[Key]) -> list[_Row]:
    linears, _ = _item_linears(problem, item, hidden)
    return [row for j, lin in enumerate(linears) if (row := _row(problem, lin, hidden, (item, j))) is not None]


def _rows(problem: Problem, hidden: set[Key]) -> tuple[list[_Row], list[str]]:
    """The constraints over hidden cells, with published cells substituted; plus unmodellable values."""
    rows: list[_Row] = []
    unmodelled: list[str] = []
    for item in range(len(problem.relations) + len(problem.rounded)):
        linears, label = _item_linears(problem, item, hidden)
        if label is not None:
            unmodelled.append(label)
        rows += [row for j, lin in enumerate(linears) if (row := _row(problem, lin, hidden, (item, j))) is not None]
    for d in problem.derived:
        if set(d.ingredients) & hidden:
            unmodelled.append(d.label)
    return rows, unmodelled


def _find(parent: dict[Any, Any], n: Any) -> Any:
    """The root of ``n`` in the union-find forest ``parent`` (halving the path as it goes)."""
    while parent.setdefault(n, n) != n:
        parent[n] = parent[parent[n]]
        n = parent[n]
    return n


def _components(rows: list[_Row]) -> list[tuple[list[Key], list[_Row]]]:
    parent: dict[Key, Key] = {}
    find = partial(_find, parent)

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

#: The solver's shortcuts (witnesses, remembered blocks, one block per trial; see :class:`_Component` and
#: :class:`_Solver`). They change no range the audit reports and no cell :func:`protect` hides; off, the audit
#: solves every range from scratch as it first did, the reference the tests and
#: ``benchmarks/bench_disclosure.py`` compare the shortcuts with.
SHORTCUTS = True

_solves = [0]


def lp_solves() -> int:
    """How many linear or integer programmes the auditor has solved in this process (for benchmarks)."""
    return _solves[0]


class _Component:
    """One connected block of the system, ready for HiGHS.

    Witnesses (``truth`` given). Every integer solution HiGHS returns is a completion of the block: it shows
    each cell at one value the published cells allow. The block keeps, for each cell, the least and greatest
    value any completion seen so far gave it (the true values are the first completion). A cell seen at 0
    needs no minimisation (its lower end is 0, the bound of every cell); a cell seen at its upper bound needs
    no maximisation; and a cell seen at 0 and at T or more is protected, whatever its exact ends. Completions
    are checked against every row before they count, to the tolerance :meth:`Linear.holds` uses."""

    def __init__(
        self,
        keys: list[Key],
        rows: list[_Row],
        upper: Mapping[Key, int],
        truth: Mapping[Key, int] | None = None,
        ids: Mapping[Key, int] | None = None,
        floor: Callable[[Key], int] | None = None,
    ):
        self.keys = keys
        self.cells = frozenset(keys)
        self.index = {k: i for i, k in enumerate(keys)}
        self.rows = rows
        self.upper = np.array([float(upper[k]) if k in upper else np.inf for k in keys])
        self.lower = np.array([float(floor(k)) if floor is not None else 0.0 for k in keys])
        self.model: Any = None
        self.witnesses = truth is not None
        self.loose = False  # near a ratio it cannot write linearly: its completions are not lent (_Blocks)
        self.warm: _Component | None = None  # a block over some of these cells: its last basis starts ours
        self.runs = 0  # solves so far
        self._basis: tuple[int, dict[Key, Any], dict[tuple[int, int], Any]] | None = None
        self.found: dict[tuple[Key, float], float | None] = {}
        self._ids = ids
        self._compressed: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._equal: np.ndarray | None = None
        if truth is not None:
            seen = np.array([float(truth[k]) for k in keys])
            self.low, self.high = seen, seen.copy()

    # -- the rows as arrays (HiGHS's compressed rows; also used to check a completion) -------------------
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self._compressed is not None:
            return self._compressed
        const = np.array([r.const for r in self.rows], dtype=np.float64)
        if self._ids is None:
            starts: list[int] = []
            index: list[int] = []
            value: list[float] = []
            for r in self.rows:
                starts.append(len(index))
                for k, c in r.coefs.items():
                    index.append(self.index[k])
                    value.append(c)
            out = np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32), np.array(value), const
        else:
            # Each row keeps its cells' numbers in the whole problem; map them to this block's columns.
            ids = self._ids
            parts = []
            for r in self.rows:
                if r.arrays is None:
                    r.arrays = (np.array([ids[k] for k in r.coefs], dtype=np.int64), np.array(list(r.coefs.values())))
                parts.append(r.arrays)
            local = np.full(len(ids), -1, dtype=np.int32)
            local[[ids[k] for k in self.keys]] = np.arange(len(self.keys), dtype=np.int32)
            lens = np.array([len(r.coefs) for r in self.rows], dtype=np.int64)
            starts_a = np.zeros(len(self.rows), dtype=np.int32)
            np.cumsum(lens[:-1], out=starts_a[1:])
            index_a = local[np.concatenate([p[0] for p in parts])] if parts else np.zeros(0, np.int32)
            value_a = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
            out = starts_a, index_a.astype(np.int32), value_a.astype(np.float64), const
        self._compressed = out
        return out

    def absorb(self, other: _Component) -> None:
        """Take the completions seen in ``other`` for the cells the two blocks share (see :class:`_Blocks`
        for when they are completions here too)."""
        common = [k for k in other.keys if k in self.index]
        if not common:
            return
        mine = np.array([self.index[k] for k in common])
        theirs = np.array([other.index[k] for k in common])
        self.low[mine] = np.minimum(self.low[mine], other.low[theirs])
        self.high[mine] = np.maximum(self.high[mine], other.high[theirs])

    def _witness(self, x: np.ndarray | None) -> None:
        if not self.witnesses or x is None:
            return
        point = np.round(x)
        if np.any(np.abs(x - point) >= 1e-7) or np.any(point < self.lower) or np.any(point > self.upper):
            return
        starts, index, value, const = self._arrays()
        if self._equal is None:
            self._equal = np.array([r.equal for r in self.rows], dtype=bool)
        lhs = np.add.reduceat(value * point[index], starts) + const if len(starts) else const
        if np.any(np.abs(lhs[self._equal]) >= _EPS) or np.any(lhs[~self._equal] >= _EPS):
            return
        np.minimum(self.low, point, out=self.low)
        np.maximum(self.high, point, out=self.high)

    # -- with scipy's HiGHS binding (a persistent model, warm re-solves) --------------------------------
    def _build(self) -> Any:
        h = _highs._Highs()
        h.setOptionValue("output_flag", False)
        n = len(self.keys)
        inf = h.getInfinity()
        h.addVars(n, self.lower, np.where(np.isinf(self.upper), inf, self.upper))
        starts, index, value, const = self._arrays()
        lower = np.array([-r.const if r.equal else -inf for r in self.rows], dtype=np.float64)
        h.addRows(len(self.rows), lower, -const, len(index), starts, index, value)
        if self.warm is not None and self.warm.model is not None:
            self._start_from(h, self.warm)
        return h

    def _start_from(self, h: Any, other: _Component) -> None:
        """Start HiGHS from ``other``'s last basis: its columns and rows where this block has them (a row by
        the relation it comes from), the rest at zero or basic. Only where to start: the optimum is the same."""
        if other._basis is None or other._basis[0] != other.runs:
            basis = other.model.getBasis()
            if not basis.valid:
                return
            cols_of = dict(zip(other.keys, basis.col_status, strict=True))
            rows_of = dict(zip([r.origin for r in other.rows], basis.row_status, strict=True))
            other._basis = (other.runs, cols_of, rows_of)
        _, cols_of, rows_of = other._basis
        lower, basic = _highs.HighsBasisStatus.kLower, _highs.HighsBasisStatus.kBasic
        cols = [cols_of.get(k, lower) for k in self.keys]
        rows = [rows_of.get(r.origin, basic) for r in self.rows]
        if cols.count(basic) + rows.count(basic) != len(self.rows):
            return
        start = _highs.HighsBasis()
        start.col_status, start.row_status, start.valid = cols, rows, True
        h.setBasis(start)

    def _run(self, integral: bool) -> tuple[float | None, np.ndarray | None]:
        h = self.model
        n = len(self.keys)
        if integral:
            h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, _highs.HighsVarType.kInteger))
        _solves[0] += 1
        self.runs += 1
        h.run()
        status = h.getModelStatus()
        if status not in (
            _highs.HighsModelStatus.kOptimal,
            _highs.HighsModelStatus.kUnbounded,
            _highs.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            # HiGHS reused across objectives can end a warm-started solve as "Unknown" on a tiny, feasible
            # model (seen on a 2 x 4 table); and its presolve can call an unbounded model "Infeasible" (a 2 x 4
            # table with a rate, the true values a solution). Solve once more from scratch without presolve
            # before calling the cells inconsistent.
            h.clearSolver()
            h.setOptionValue("presolve", "off")
            _solves[0] += 1
            h.run()
            h.setOptionValue("presolve", "choose")
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
                self._witness(x)
                return value  # an integral vertex: the integer optimum too
            value, x = self._run(integral=True)
            self._witness(x)
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
        bounds = [(float(lo), None if np.isinf(u) else float(u)) for lo, u in zip(self.lower, self.upper, strict=True)]
        value = None
        for integral in (False, True):
            _solves[0] += 1
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
                self._witness(res.x)
                break
        return value

    def extreme(self, key: Key, sign: float) -> float | None:
        """min (sign=1) or max (sign=-1) of ``key`` over the integer points of the system."""
        if self.witnesses:
            i = self.index[key]
            if sign > 0 and self.low[i] <= self.lower[i]:
                return float(self.lower[i])  # seen at its least value
            if sign < 0 and self.high[i] >= self.upper[i]:
                return float(self.upper[i])  # seen at its bound
            if (key, sign) in self.found:
                return self.found[key, sign]
        value = self._extreme_highs(key, sign) if _highs is not None else self._extreme_linprog(key, sign)
        if self.witnesses:
            self.found[key, sign] = value
        return value

    def _lo(self, key: Key) -> int:
        lo = self.extreme(key, 1.0)
        return max(math.ceil((lo or 0.0) - _EPS), int(self.lower[self.index[key]]))

    def _hi(self, key: Key) -> int | None:
        hi = self.extreme(key, -1.0)
        return None if hi is None else math.floor(hi + _EPS)

    def range_of(self, key: Key) -> Range:
        lo = self._lo(key)
        return Range(lo, self._hi(key))

    def enough(self, key: Key, threshold: int) -> Range:
        """Enough of ``key``'s range to tell whether it protects the cell: the range itself, or (with
        witnesses) a part of it that is already wide enough (the range holds it, so protects too)."""
        if not self.witnesses:
            return self.range_of(key)
        i = self.index[key]
        lo = self._lo(key)
        part = Range(lo, int(self.high[i]))
        return part if part.protects(threshold) else Range(lo, self._hi(key))

    def pinned(self, key: Key) -> bool:
        """Every completion gives ``key`` the same value (never, when two completions seen differ)."""
        i = self.index[key]
        if self.witnesses and self.low[i] < self.high[i]:
            return False
        return self.range_of(key).exact


class _Split:
    """The system over one hidden set cut into its blocks (what :func:`_rows` and :func:`_components` give),
    kept so that the next hidden set, a cell or two more, is cut by redoing only the relations those cells
    are in. ``parts``: for a block made so, the blocks of the split before it that it joins."""

    def __init__(self, hidden: frozenset[Key]):
        self.hidden = hidden
        self.item_rows: dict[int, list[_Row]] = {}
        self.labels: dict[int, str] = {}
        self.comp_of: dict[Key, int] = {}
        self.comps: dict[int, tuple[list[Key], list[_Row]]] = {}
        self.parts: dict[int, list[int]] = {}

    def components(self) -> list[tuple[int, list[Key], list[_Row]]]:
        return sorted(((i, keys, rows) for i, (keys, rows) in self.comps.items()), key=lambda c: str(c[1][0]))

    def unmodelled(self, problem: Problem) -> list[str]:
        out = [self.labels[i] for i in sorted(self.labels)]
        return out + [d.label for d in problem.derived if set(d.ingredients) & self.hidden]


class _Blocks:
    """The blocks of the system over one hidden set or another, ready to solve.

    With the shortcuts: the system is cut into blocks incrementally (:class:`_Split`); a block is remembered
    (its HiGHS model, the completions seen, the ends solved) for when the same block comes back, which it does
    often while :func:`protect` tries cells one at a time; and a block made by joining blocks of the hidden
    set before it starts with the completions seen in them. Such a completion is one here too: it differs
    from the true values only on cells this block also hides, and the relations they take part in are the
    same, or (a rounded ratio) say the same of them, except a ratio that could not be written over the cells
    of the old block: a block near such a ratio keeps its completions to itself."""

    def __init__(self, problem: Problem, shortcuts: bool | None = None):
        self.problem = problem
        self.shortcuts = SHORTCUTS if shortcuts is None else shortcuts
        self.made: dict[tuple[frozenset[Key], tuple[tuple[int, int], ...]], _Component] = {}
        self.of_comp: dict[int, _Component] = {}
        self.last: _Split | None = None
        self._next_id = 0
        self._items: dict[Key, list[int]] | None = None
        self._ids: dict[Key, int] = {k: i for i, k in enumerate(problem.values)}

    def items(self) -> dict[Key, list[int]]:
        """For each cell, the relations it appears in (numbered as :func:`_item_linears` numbers them)."""
        if self._items is None:
            p = self.problem
            groups = [lin.cells() for lin in p.relations] + [r.cells() for r in p.rounded]
            items: dict[Key, list[int]] = defaultdict(list)
            for i, keys in enumerate(groups):
                for k in dict.fromkeys(keys):
                    items[k].append(i)
            self._items = items
        return self._items

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- cutting the system into blocks ------------------------------------------------------------------
    def _scratch(self, hidden: frozenset[Key]) -> _Split:
        p = self.problem
        split = _Split(hidden)
        rows: list[_Row] = []
        for item in range(len(p.relations) + len(p.rounded)):
            linears, label = _item_linears(p, item, hidden)
            if label is not None:
                split.labels[item] = label
            mine = [row for j, lin in enumerate(linears) if (row := _row(p, lin, hidden, (item, j))) is not None]
            if mine:
                split.item_rows[item] = mine
                rows += mine
        for keys, comp_rows in _components(rows):
            i = self._id()
            split.comps[i] = (keys, comp_rows)
            for k in keys:
                split.comp_of[k] = i
        return split

    def _extend(self, base: _Split, added: frozenset[Key]) -> _Split | None:
        """``base`` with ``added`` hidden too, redoing only the relations they are in (None: a rounded ratio
        among them, whose rows may change shape; cut from scratch)."""
        p = self.problem
        items = self.items()
        first = len(p.relations)
        touched = sorted({i for c in added for i in items.get(c, ())})
        if any(i >= first and p.rounded[i - first].is_ratio for i in touched):
            return None
        hidden = base.hidden | added
        split = _Split(hidden)
        split.item_rows = dict(base.item_rows)
        split.labels = base.labels
        new_rows: list[_Row] = []
        for item in touched:
            mine = _item_rows(p, item, hidden)
            if mine:
                split.item_rows[item] = mine
                new_rows += mine
            else:
                split.item_rows.pop(item, None)
        # Join the blocks the new rows reach (old rows of these relations only gain cells: nothing splits).
        parent: dict[Any, Any] = {}

        def node(k: Key) -> Any:
            i = base.comp_of.get(k)
            return ("block", i) if i is not None else ("cell", k)

        find = partial(_find, parent)

        for row in new_rows:
            first_node, *rest = (node(k) for k in row.coefs)
            root = find(first_node)
            for n in rest:
                other = find(n)
                if other != root:
                    parent[other] = root
        groups: dict[Any, list[Any]] = defaultdict(list)
        for n in parent:
            groups[find(n)].append(n)
        touched_set = set(touched)
        split.comps = dict(base.comps)
        split.comp_of = dict(base.comp_of)
        for group in groups.values():
            members = set(group)
            old = [n[1] for n in group if n[0] == "block"]
            keys: set[Key] = {n[1] for n in group if n[0] == "cell"}
            rows = [row for row in new_rows if node(next(iter(row.coefs))) in members]
            for i in old:
                old_keys, old_rows = split.comps.pop(i)
                keys.update(old_keys)
                rows += [row for row in old_rows if row.origin[0] not in touched_set]
            i = self._id()
            split.comps[i] = (sorted(keys, key=str), sorted(rows, key=_origin))
            split.parts[i] = old
            for k in keys:
                split.comp_of[k] = i
        return split

    def split(self, hidden: set[Key], *, keep: bool = True) -> _Split:
        """The blocks over ``hidden`` (``keep``: the next hidden set is cut from these)."""
        frozen = frozenset(hidden)
        last = self.last
        if last is not None and last.hidden == frozen:
            return last
        out = None
        if last is not None and last.hidden <= frozen and len(frozen) - len(last.hidden) <= 4:
            out = self._extend(last, frozen - last.hidden)
        if out is None:
            out = self._scratch(frozen)
        if keep:
            self.last = out
        return out

    def of(self, hidden: set[Key], key: Key) -> tuple[list[Key], list[_Row], list[_Component]] | None:
        """The block holding ``key`` with ``hidden`` hidden (None: no relation holds it), and the blocks
        already made that it joins."""
        p = self.problem
        if not self.shortcuts:
            rows, _ = _rows(p, hidden)
            found = next(((keys, comp_rows) for keys, comp_rows in _components(rows) if key in keys), None)
            return None if found is None else (*found, [])
        split = self.split(hidden, keep=False)
        i = split.comp_of.get(key)
        if i is None:
            return None
        keys, rows = split.comps[i]
        return keys, rows, [self.of_comp[j] for j in split.parts.get(i, ()) if j in self.of_comp]

    # -- the blocks, ready to solve ----------------------------------------------------------------------
    def block(
        self, keys: list[Key], rows: list[_Row], hidden: AbstractSet[Key], sources: Sequence[_Component] = ()
    ) -> _Component:
        p = self.problem
        if not self.shortcuts:
            return _Component(keys, rows, p.upper, floor=p.floor)
        sig = (frozenset(keys), tuple(r.origin for r in rows))
        comp = self.made.get(sig)
        if comp is None:
            comp = _Component(keys, rows, p.upper, p.values, self._ids, p.floor)
            comp.loose = self._loose(keys, hidden)
            for other in sources:
                if not other.loose:
                    comp.absorb(other)
                if other.cells <= comp.cells and (comp.warm is None or len(other.keys) > len(comp.warm.keys)):
                    comp.warm = other
            self.made[sig] = comp
        return comp

    def block_of(self, split: _Split, i: int, sources: Sequence[_Component] = ()) -> _Component:
        """The block for the split's block number ``i`` (joining the blocks of the split before it)."""
        if i not in self.of_comp or not self.shortcuts:
            keys, rows = split.comps[i]
            joined = [self.of_comp[j] for j in split.parts.get(i, ()) if j in self.of_comp]
            self.of_comp[i] = self.block(keys, rows, split.hidden, [*joined, *sources])
        return self.of_comp[i]

    def _loose(self, keys: list[Key], hidden: AbstractSet[Key]) -> bool:
        """A rounded ratio over some of ``keys`` that cannot be written linearly with ``hidden`` hidden."""
        p = self.problem
        if not any(r.is_ratio for r in p.rounded):
            return False
        items = self.items()
        first = len(p.relations)
        near = {i for k in keys for i in items.get(k, ()) if i >= first and p.rounded[i - first].is_ratio}
        return any(_item_linears(p, i, hidden)[1] is not None for i in near)


def _needs_protection(problem: Problem, key: Key, threshold: int) -> bool:
    value = problem.values[key]
    if value == 0:
        return False  # a zero identifies no one; zeros are published anyway
    return not (key in problem.latent and value > threshold)


def _small(problem: Problem, key: Key, threshold: int) -> bool:
    return key in problem.sensitive or 1 <= problem.values[key] <= threshold


class _Baseline:
    """Each cell's range when the new pack publishes nothing it decides on (what earlier packs left)."""

    def __init__(self, problem: Problem, blocks: _Blocks | None = None):
        self.problem = problem
        decided = problem.decided
        if decided:
            # Without the new publication its cells are not printed at all: no `*` read as at least 1, no label
            # bounding them (the same blocks would give the new pack's bounds back, so it has blocks of its own);
            # and what earlier packs left is judged without relations a reader might only assume.
            problem = replace(
                problem,
                relations=[r for r in problem.relations if not r.assumed],
                latent=set(problem.latent) | decided,
                lower={k: v for k, v in problem.lower.items() if k not in decided},
                upper={k: v for k, v in problem.upper.items() if k not in decided},
            )
            blocks = None
        self.base = problem
        self.blocks = _Blocks(problem) if blocks is None else blocks
        self.found: dict[Key, Range] = {}
        self.components: list[tuple[list[Key], list[_Row]]] | None = None
        self.where: dict[Key, int] = {}
        self.hidden: set[Key] = set()

    def range_of(self, key: Key) -> Range:
        if key not in self.found:
            p = self.base
            if self.components is None:
                self.hidden = p.hidden() | (p.decided or set())
                rows, _ = _rows(p, self.hidden)
                self.components = _components(rows)
                self.where = {k: i for i, (keys, _) in enumerate(self.components) for k in keys}
            i = self.where.get(key)
            if i is None:
                self.found[key] = Range(p.floor(key), p.upper.get(key))
            else:
                keys, rows = self.components[i]
                self.found[key] = self.blocks.block(keys, rows, self.hidden).range_of(key)
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


def audit(problem: Problem, threshold: int, *, hidden: set[Key] | None = None, shortcuts: bool | None = None) -> Audit:
    """The range an attacker can infer for every hidden count, and which fail the contract's condition.
    ``shortcuts`` as for :func:`protect`."""
    hidden = problem.hidden() if hidden is None else hidden
    missing = {k for lin in problem.relations for k in lin.cells()} - set(problem.values)
    if missing:
        raise KeyError(f"relations name cells with no value: {sorted(map(str, missing))[:5]}")
    blocks = _Blocks(problem, shortcuts)
    rows, unmodelled = _rows(problem, hidden)
    ranges: dict[Key, Range] = {}
    for keys, comp_rows in _components(rows):
        comp = blocks.block(keys, comp_rows, hidden)
        for k in keys:
            ranges[k] = comp.range_of(k)
    for k in hidden:
        if k not in ranges:  # in no relation: only its own bound limits it
            ranges[k] = Range(problem.floor(k), problem.upper.get(k))
    baseline = _Baseline(problem, blocks)
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
    because it was pinned to a value that is not small is checked each time (widening may leave it narrow).

    With the shortcuts, :meth:`first_failure` finds only what :func:`protect` acts on, the first failing
    cell, and a cell's range may be only the part of it that shows it protects the cell
    (:meth:`_Component.enough`); a fresh audit has every range in full."""

    def __init__(self, problem: Problem, threshold: int, *, shortcuts: bool | None = None):
        self.problem = problem
        self.threshold = threshold
        self.cache: dict[frozenset[Key], dict[Key, Range]] = {}
        self.blocks = _Blocks(problem, shortcuts)
        self.baseline = _Baseline(problem, self.blocks)
        self.settled: dict[Key, Range] = {}

    def _cut(
        self, hidden: set[Key], lend: _Split | None = None
    ) -> tuple[list[tuple[list[Key], Callable[[], _Component]]], list[str]]:
        """The blocks over ``hidden``, each with a function making it ready to solve; and what cannot be
        modelled. ``lend``: a split over ``hidden`` and more cells, all pinned there, whose blocks' completions
        are completions here (showing a pinned cell changes no completion)."""
        blocks = self.blocks
        if not blocks.shortcuts:
            rows, unmodelled = _rows(self.problem, hidden)
            plain: list[tuple[list[Key], Callable[[], _Component]]] = [
                (keys, partial(blocks.block, keys, comp_rows, hidden)) for keys, comp_rows in _components(rows)
            ]
            return plain, unmodelled
        split = blocks.split(hidden)

        def lent(keys: list[Key]) -> list[_Component]:
            if lend is None:
                return []
            olds = {lend.comp_of[k] for k in keys if k in lend.comp_of}
            return [blocks.of_comp[i] for i in sorted(olds) if i in blocks.of_comp]

        made: list[tuple[list[Key], Callable[[], _Component]]] = [
            (keys, partial(blocks.block_of, split, i, lent(keys))) for i, keys, _ in split.components()
        ]
        return made, split.unmodelled(self.problem)

    def audit(self, hidden: set[Key], *, fresh: bool = False, lend: _Split | None = None) -> Audit:
        made, unmodelled = self._cut(hidden, lend)
        ranges: dict[Key, Range] = {}
        linked: set[Key] = set()
        t = self.threshold
        for keys, make in made:
            linked.update(keys)
            sig = frozenset(keys)
            if fresh or sig not in self.cache:
                comp = make()
                # Only the counts that need protecting (the suppressor does not look at the others).
                needed = [k for k in keys if k in hidden and _needs_protection(self.problem, k, t)]
                self.cache[sig] = {
                    k: comp.range_of(k) if fresh else self.settled[k] if k in self.settled else comp.enough(k, t)
                    for k in needed
                }
            ranges.update(self.cache[sig])
        for k in hidden:
            if k not in linked:
                ranges.setdefault(k, Range(self.problem.floor(k), self.problem.upper.get(k)))
        failures = []
        for k in hidden:
            if not _needs_protection(self.problem, k, t):
                continue
            found = ranges[k]
            if _fails(self.problem, k, found, t, self.baseline):
                failures.append(k)
            else:
                self._settle(k, found)
        failures.sort(key=lambda k: (self.problem.values[k], str(k)))
        return Audit(ranges, failures, unmodelled)

    def _settle(self, k: Key, found: Range) -> None:
        if found.protects(self.threshold) or (self.problem.decided is not None and found == self.baseline.range_of(k)):
            self.settled[k] = found

    def first_failure(self, hidden: set[Key], stuck: set[Key]) -> tuple[Key, Range] | None:
        """The first of :meth:`audit`'s failures not in ``stuck``, with its range, solving only as far as
        needed to find it: the cells in the order the failures are sorted, each range only as far as
        :meth:`_Component.enough` goes (the same answer, fewer solves)."""
        made, _ = self._cut(hidden)
        t = self.threshold
        where: dict[Key, tuple[frozenset[Key], Callable[[], _Component]]] = {}
        for keys, make in made:
            sig = frozenset(keys)
            for k in keys:
                where[k] = (sig, make)
        needed = sorted(
            (k for k in hidden if k not in stuck and _needs_protection(self.problem, k, t)),
            key=lambda k: (self.problem.values[k], str(k)),
        )
        for k in needed:
            if k in where:
                sig, make = where[k]
                known = self.cache.setdefault(sig, {})
                if k not in known:
                    known[k] = self.settled[k] if k in self.settled else make().enough(k, t)
                found = known[k]
            else:
                found = Range(self.problem.floor(k), self.problem.upper.get(k))
            if _fails(self.problem, k, found, t, self.baseline):
                return k, found
            self._settle(k, found)
        return None

    def range_with(self, hidden: set[Key], key: Key) -> Range:
        """``key``'s range with ``hidden`` hidden: in full, or enough of it to show it protects ``key``."""
        block = self.blocks.of(hidden, key)
        if block is None:
            return Range(self.problem.floor(key), self.problem.upper.get(key))
        keys, rows, joined = block
        return self.blocks.block(keys, rows, hidden, joined).enough(key, self.threshold)


def _determined(problem: Problem, solver: _Solver, cells: set[Key], hidden: set[Key], threshold: int) -> set[Key]:
    """Hidden cells among ``cells`` that are not small and that the published cells pin to one value: hiding
    them protects nothing (an attacker knows them), so they are shown."""
    made, _ = solver._cut(hidden)
    out: set[Key] = set()
    for keys, make in made:
        mine = [k for k in keys if k in cells and not _small(problem, k, threshold)]
        if mine:
            comp = make()
            out |= {k for k in mine if comp.pinned(k)}
    return out


def protect(
    problem: Problem,
    threshold: int,
    *,
    candidates: set[Key] | None = None,
    max_trials: int = 12,
    shortcuts: bool | None = None,
) -> Protection:
    """Primary suppression of counts 1..T among ``candidates`` (default: every published cell), then
    secondary suppression until every hidden count passes the audit (or nothing left can help).

    Cells outside ``candidates`` (published in an earlier pack) stay published, and a hidden count they
    already narrow more than the contract asks passes when this pack narrows it no further.

    ``shortcuts`` (default :data:`SHORTCUTS`): False solves every range from scratch (the reference).
    """
    movable = set(problem.published) if candidates is None else set(candidates) & problem.published
    if candidates is not None and problem.decided is None:
        problem = replace(problem, decided=movable)  # the rest is published already (see the module)
    hidden = problem.hidden() | {k for k in movable if 1 <= problem.values[k] <= threshold}
    solver = _Solver(problem, threshold, shortcuts=shortcuts)
    links = _adjacency(problem)

    def cost(k: Key) -> tuple[bool, int, str]:
        # Smallest first (least information lost); a zero last, since a hidden zero is often plain to see.
        return problem.values[k] == 0, problem.values[k], str(k)

    def hideable(k: Key) -> bool:
        # Where zeros are printed a `*` is read as at least 1, so a zero is never hidden (it would be read wrong
        # and tell the reader that the rule was broken).
        return k in movable and k not in hidden and not (problem.zeros_printed and problem.values[k] == 0)

    stuck: set[Key] = set()
    steps = 0
    while True:
        if solver.blocks.shortcuts:
            first = solver.first_failure(hidden, stuck)
        else:
            result = solver.audit(hidden)
            failing = [k for k in result.failures if k not in stuck]
            first = (failing[0], result.ranges[failing[0]]) if failing else None
        if first is None:
            shown = _determined(problem, solver, hidden & movable, hidden, threshold)
            if shown:
                # Showing a cell the rest already pins down changes no range: the same audit holds (checked,
                # since a rate over the cell may become a relation once it is shown). The completions seen
                # with it hidden are completions with it shown: it has the same value in every one.
                pinned = solver.blocks.last if solver.blocks.shortcuts else None
                again = solver.audit(hidden - shown, fresh=True, lend=pinned)
                if not [k for k in again.failures if k not in stuck]:
                    return Protection(hidden - shown, again, steps)
            return Protection(hidden, solver.audit(hidden, fresh=True), steps)
        target, before = first
        choice = None
        tried = 0
        for layer in _by_distance(links, target):
            options = sorted((k for k in layer if hideable(k)), key=cost)
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
            layers = [[k for k in layer if hideable(k)] for layer in _by_distance(links, target)]
            near = next((layer for layer in layers if layer), None)
            if near is None:
                stuck.add(target)  # fixed by what was published before: nothing in this pack can help
                continue
            choice = min(near, key=cost)
        hidden.add(choice)
        steps += 1
